// Arbitrary strings in EVERY string setting (issue 14): each value is either
// refused with problems that all name that setting, or accepted, in which case
// the rendered objects pass the API-server stand-in and the value reaches no
// script, SQL statement or config file unescaped: a value holding anything
// but inert characters appears in no ConfigMap file (scripts, server.cnf),
// no container env value (the scripts build SQL from them) and no command.
// Settings go in as stack config strings through argsFromConfig with every key,
// so the table of string settings is STACK_SETTINGS itself.

import * as assert from "assert";
import fc from "fast-check";
import { MySqlClusterConfigError, resolveArgs } from "../../../components/mysql-cluster/args";
import { renderObjects } from "../../../components/mysql-cluster/render";
import { argsFromConfig, STACK_SETTINGS } from "../../../components/mysql-cluster/stack-config";
import { apiViolationsOfAll } from "../../support/api-validation";
import { AnyObject } from "../../support/objects";

/** Characters that mean nothing to bash, SQL inside single quotes, or an option file. */
const INERT = /^[A-Za-z0-9._:/@+=,-]*$/;

/** Settings a value of the setting under test needs beside it, so that only that setting can be wrong. */
const COMPANIONS: Record<string, Record<string, string>> = {
  appUser: { appDatabase: "shop" },
  restoreFromClaim: { replicas: "1" },
  restoreBackup: { replicas: "1", restoreFromClaim: "old-backups" },
  serviceMonitorLabels: { serviceMonitor: "true" },
  memoryRequest: { memoryLimit: "64Ti" },
  backupTarget: {
    backupSchedule: "0 3 * * *",
    backupStoreEndpoint: "https://s3.example.com",
    backupStoreBucket: "backups",
    backupStoreSecret: "store",
  },
  restoreFromStore: {
    replicas: "1",
    backupStoreEndpoint: "https://s3.example.com",
    backupStoreBucket: "backups",
    backupStoreSecret: "store",
  },
};

/** A valid value of each string setting, for the generator to break. */
const EXAMPLES: Record<string, string> = {
  clusterName: "orders",
  namespace: "databases",
  flavor: "mariadb",
  image: "mysql:8.4",
  backupImage: "percona/percona-xtrabackup:8.4",
  storageSize: "10Gi",
  storageClass: "fast-ssd",
  storageAccessMode: "ReadWriteOncePod",
  cpuRequest: "500m",
  cpuLimit: "2",
  memoryRequest: "1Gi",
  memoryLimit: "2Gi",
  appDatabase: "shop",
  appUser: "shop",
  existingSecret: "db-passwords",
  clusterDomain: "cluster.local",
  tlsSecret: "corp-tls",
  clientPodSelector: "app=shop",
  clientNamespaceSelector: "team=web",
  priorityClassName: "db-critical",
  tolerations: '[{"key":"dedicated","operator":"Equal","value":"db","effect":"NoSchedule"}]',
  backupSchedule: "0 3 * * *",
  backupStorageSize: "50Gi",
  backupStorageClass: "cold",
  restoreFromClaim: "old-backups",
  restoreBackup: "20261125T030000Z",
  backupTarget: "both",
  backupStoreEndpoint: "https://s3.eu-west-1.amazonaws.com:443/base",
  backupStoreBucket: "acme-backups",
  backupStorePrefix: "prod/shop",
  backupStoreRegion: "eu-west-1",
  backupStoreSecret: "store-credentials",
  storeToolImage: "rclone/rclone:1.75",
  restoreFromStore: "old/shop",
  exporterImage: "prom/mysqld-exporter:v0.16.0",
  serviceMonitorLabels: "release=kube-prometheus-stack",
};

const NASTY = [
  "'",
  '"',
  "\\",
  "$(",
  "`",
  ";",
  "\n",
  " ",
  "\t",
  "\u200b",
  "\u00a0",
  "é",
  "\u{1F600}",
  "${",
  "*",
  "%",
  "#",
  "--",
  "/*",
  "=",
  ",",
  "&&",
  "|",
  ">",
  "<",
  "\u0000",
];

/** Arbitrary strings, and valid values with nasty pieces spliced in (those come closest to being accepted). */
function valuesFor(setting: string): fc.Arbitrary<string> {
  const example = EXAMPLES[setting] ?? "x";
  const spliced = fc
    .tuple(fc.nat({ max: example.length }), fc.array(fc.constantFrom(...NASTY), { minLength: 1, maxLength: 3 }))
    .map(([at, pieces]) => example.slice(0, at) + pieces.join("") + example.slice(at));
  return fc.oneof(
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc
      .array(fc.oneof(fc.constantFrom(...NASTY), fc.stringMatching(/^[a-z0-9=.:/-]{1,6}$/)), { maxLength: 8 })
      .map((a) => a.join("")),
    spliced,
    fc.constant(example),
  );
}

/** Every string that reaches a script, an SQL statement or a config file: ConfigMap data, container env values, commands and args. */
function executedText(objects: object[]): string[] {
  const out: string[] = [];
  const pods = (objects as AnyObject[])
    .map((o) => (o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec))
    .filter(Boolean);
  for (const o of objects as AnyObject[]) if (o.kind === "ConfigMap") out.push(...Object.values<string>(o.data ?? {}));
  for (const pod of pods) {
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      out.push(...(c.command ?? []), ...(c.args ?? []));
      for (const e of c.env ?? []) if (typeof e.value === "string") out.push(e.value);
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe])
        out.push(...(probe?.exec?.command ?? []));
    }
  }
  return out;
}

const STRING_SETTINGS = STACK_SETTINGS.filter((s) => s.type === "string").map((s) => s.key);

describe("arbitrary strings in every string setting (fast-check)", function () {
  this.timeout(120_000);

  it("covers every string setting of the stack", function () {
    assert.deepStrictEqual(
      STRING_SETTINGS.filter((s) => !(s in EXAMPLES)),
      [],
    );
  });

  for (const setting of STRING_SETTINGS) {
    it(`${setting}: refused naming ${setting}, or rendered valid with the value inert wherever scripts read it`, function () {
      fc.assert(
        fc.property(valuesFor(setting), (value) => {
          const stack: Record<string, string> = { ...COMPANIONS[setting], [setting]: value };
          let objects: object[];
          try {
            const { name, args } = argsFromConfig(
              (key) => stack[key],
              Object.keys(stack).map((k) => `mysql-cluster:${k}`),
            );
            objects = renderObjects(resolveArgs(name, args));
          } catch (error) {
            assert.ok(error instanceof MySqlClusterConfigError, String(error));
            for (const problem of error.problems) assert.ok(problem.startsWith(`setting "${setting}": got `), problem);
            return;
          }
          assert.deepStrictEqual(apiViolationsOfAll(objects), []);
          if (value !== "" && !INERT.test(value)) {
            const reached = executedText(objects).filter((text) => text.includes(value));
            assert.deepStrictEqual(reached, [], `${JSON.stringify(value)} reaches a script, SQL or config file`);
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it("serviceMonitorLabels as a map: arbitrary keys and values are refused naming it, or are valid labels", function () {
    fc.assert(
      fc.property(fc.dictionary(valuesFor("clusterName"), valuesFor("clusterName"), { maxKeys: 3 }), (labels) => {
        try {
          const objects = renderObjects(resolveArgs("db", { serviceMonitor: true, serviceMonitorLabels: labels }));
          assert.deepStrictEqual(apiViolationsOfAll(objects), []);
        } catch (error) {
          assert.ok(error instanceof MySqlClusterConfigError, String(error));
          for (const problem of error.problems)
            assert.ok(problem.startsWith('setting "serviceMonitorLabels": got '), problem);
        }
      }),
      { numRuns: 300 },
    );
  });
});
