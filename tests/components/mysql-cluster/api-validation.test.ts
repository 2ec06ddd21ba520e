// The API-server stand-in (tests/support/api-validation.ts): it refuses what
// the API server refuses (each rule shown on a deliberately bad object), its
// cron parser agrees with robfig/cron v3 on the parser's own cases, every
// object rendered for a matrix of valid settings passes it, and resolveArgs
// never accepts a backupSchedule the API server would refuse.

import * as assert from "assert";
import fc from "fast-check";
import { isCronSchedule, MySqlClusterArgs, resolveArgs } from "../../../components/mysql-cluster/args";
import { renderObjects } from "../../../components/mysql-cluster/render";
import { apiViolations, apiViolationsOfAll, robfigParsesStandard } from "../../support/api-validation";
import { AnyObject } from "../../support/objects";

/** A rendered object of the default cluster, of `kind`, deep-copied for editing. */
function sample(
  kind: string,
  args: MySqlClusterArgs = { backupSchedule: "0 3 * * *", serviceMonitor: true },
): AnyObject {
  const found = (renderObjects(resolveArgs("db", args)) as AnyObject[]).find((o) => o.kind === kind);
  assert.ok(found, kind);
  return JSON.parse(JSON.stringify(found));
}

const container = (sts: AnyObject, name: string) =>
  sts.spec.template.spec.containers.find((c: AnyObject) => c.name === name);

// [what is wrong, the object, words of the expected violation]
const REFUSED: [string, () => AnyObject, RegExp][] = [
  [
    "a Service name that is a subdomain, not a DNS-1035 label",
    () => ({ ...sample("Service"), metadata: { ...sample("Service").metadata, name: "db.read" } }),
    /DNS-1035 label/,
  ],
  [
    "a Service name starting with a digit",
    () => ({ ...sample("Service"), metadata: { ...sample("Service").metadata, name: "1db" } }),
    /DNS-1035 label/,
  ],
  [
    "a ConfigMap name with upper case",
    () => ({ ...sample("ConfigMap"), metadata: { ...sample("ConfigMap").metadata, name: "DB-config" } }),
    /DNS-1123 subdomain/,
  ],
  [
    "a CronJob name of 53 characters",
    () => {
      const o = sample("CronJob");
      o.metadata.name = "a".repeat(53);
      return o;
    },
    /no more than 52 characters/,
  ],
  [
    "a StatefulSet name of 53 characters (controller-revision-hash label)",
    () => {
      const o = sample("StatefulSet");
      o.metadata.name = "a".repeat(53);
      return o;
    },
    /controller-revision-hash/,
  ],
  [
    "a StatefulSet whose last pod name exceeds 63 characters",
    () => {
      const o = sample("StatefulSet");
      o.metadata.name = "a".repeat(52);
      o.spec.replicas = 100000000000;
      return o;
    },
    /pod name .* DNS-1123 label/,
  ],
  [
    "a namespace with an underscore",
    () => {
      const o = sample("Secret");
      o.metadata.namespace = "my_ns";
      return o;
    },
    /metadata.namespace/,
  ],
  [
    "a label value of 64 characters",
    () => {
      const o = sample("Service");
      o.metadata.labels.team = "v".repeat(64);
      return o;
    },
    /label value/,
  ],
  [
    "a label value with a space",
    () => {
      const o = sample("Service");
      o.spec.selector.app = "my app";
      return o;
    },
    /spec.selector.*label value/,
  ],
  [
    "a label key with two slashes",
    () => {
      const o = sample("StatefulSet");
      o.spec.template.metadata.labels["a/b/c"] = "x";
      return o;
    },
    /label key/,
  ],
  [
    "a label key whose prefix is 254 characters",
    () => {
      const o = sample("NetworkPolicy");
      o.spec.podSelector.matchLabels[`${"a".repeat(254)}/x`] = "y";
      return o;
    },
    /label key/,
  ],
  [
    "an annotation key with a space",
    () => {
      const o = sample("StatefulSet");
      o.spec.template.metadata.annotations = { "bad key": "x" };
      return o;
    },
    /annotation key/,
  ],
  [
    "annotations over 256 KiB",
    () => {
      const o = sample("Secret");
      o.metadata.annotations = { big: "x".repeat(256 * 1024) };
      return o;
    },
    /256 KiB/,
  ],
  [
    "a container port name of 16 characters",
    () => {
      const o = sample("StatefulSet");
      container(o, "mysql").ports[0].name = "mysql-port-abcde";
      return o;
    },
    /IANA_SVC_NAME/,
  ],
  [
    "a container port name with a double hyphen",
    () => {
      const o = sample("StatefulSet");
      container(o, "mysql").ports[0].name = "my--sql";
      return o;
    },
    /IANA_SVC_NAME/,
  ],
  [
    "a container port name without a letter",
    () => {
      const o = sample("StatefulSet");
      container(o, "mysql").ports[0].name = "3306";
      return o;
    },
    /IANA_SVC_NAME/,
  ],
  [
    "a container port 0",
    () => {
      const o = sample("StatefulSet");
      container(o, "mysql").ports[0].containerPort = 0;
      return o;
    },
    /containerPort: must be between 1 and 65535/,
  ],
  [
    "a container port 65536",
    () => {
      const o = sample("StatefulSet");
      container(o, "mysql").ports[0].containerPort = 65536;
      return o;
    },
    /containerPort/,
  ],
  [
    "two containers of one name",
    () => {
      const o = sample("StatefulSet");
      container(o, "sidecar").name = "mysql";
      return o;
    },
    /Duplicate value/,
  ],
  [
    "a container name with upper case",
    () => {
      const o = sample("StatefulSet");
      container(o, "sidecar").name = "Sidecar";
      return o;
    },
    /name: must be a DNS-1123 label/,
  ],
  [
    "an env var name starting with a digit",
    () => {
      const o = sample("StatefulSet");
      container(o, "sidecar").env.push({ name: "1ST", value: "x" });
      return o;
    },
    /environment variable name/,
  ],
  [
    "an env var name with a space",
    () => {
      const o = sample("StatefulSet");
      container(o, "sidecar").env.push({ name: "MY VAR", value: "x" });
      return o;
    },
    /environment variable name/,
  ],
  [
    "a volume mount naming no volume",
    () => {
      const o = sample("StatefulSet");
      container(o, "sidecar").volumeMounts.push({ name: "nowhere", mountPath: "/x" });
      return o;
    },
    /names no volume/,
  ],
  [
    "a volume name with a dot",
    () => {
      const o = sample("StatefulSet");
      o.spec.template.spec.volumes[0].name = "conf.d";
      return o;
    },
    /volumes\[0\].name/,
  ],
  [
    "an image with a trailing space",
    () => {
      const o = sample("StatefulSet");
      container(o, "mysql").image = "mysql:8.4 ";
      return o;
    },
    /image/,
  ],
  [
    "a Service port 0",
    () => {
      const o = sample("Service");
      o.spec.ports[0].port = 0;
      return o;
    },
    /spec.ports\[0\].port/,
  ],
  [
    "a Service targetPort name of 16 characters",
    () => {
      const o = sample("Service");
      o.spec.ports[0].targetPort = "a-very-long-name";
      return o;
    },
    /targetPort/,
  ],
  [
    "two Service ports of one name",
    () => {
      const o = sample("Service");
      o.spec.ports.push({ ...o.spec.ports[0], port: 1 });
      return o;
    },
    /Duplicate value/,
  ],
  [
    "a ConfigMap key with a slash",
    () => {
      const o = sample("ConfigMap");
      o.data["../x"] = "y";
      return o;
    },
    /ConfigMap key/,
  ],
  [
    "a PVC size that is no quantity",
    () => {
      const o = sample("PersistentVolumeClaim");
      o.spec.resources.requests.storage = "10 Gi";
      return o;
    },
    /not a quantity/,
  ],
  [
    "a CronJob schedule with day of week 7 (issue 13 defect 8)",
    () => {
      const o = sample("CronJob");
      o.spec.schedule = "0 3 * * 7";
      return o;
    },
    /ParseStandard refuses/,
  ],
  [
    "a CronJob schedule with a range to 7",
    () => {
      const o = sample("CronJob");
      o.spec.schedule = "0 3 * * 5-7";
      return o;
    },
    /ParseStandard refuses/,
  ],
  [
    "a CronJob schedule with CRON_TZ=",
    () => {
      const o = sample("CronJob");
      o.spec.schedule = "CRON_TZ=UTC 0 3 * * *";
      return o;
    },
    /cannot use TZ or CRON_TZ/,
  ],
  [
    "a CronJob schedule of six fields",
    () => {
      const o = sample("CronJob");
      o.spec.schedule = "0 0 3 * * *";
      return o;
    },
    /ParseStandard refuses/,
  ],
  [
    "a CronJob schedule with a step of 0",
    () => {
      const o = sample("CronJob");
      o.spec.schedule = "*/0 * * * *";
      return o;
    },
    /ParseStandard refuses/,
  ],
  [
    "a NetworkPolicy port name of 16 characters",
    () => {
      const o = sample("NetworkPolicy");
      o.spec.ingress[0].ports[0].port = "a-very-long-name";
      return o;
    },
    /IANA_SVC_NAME/,
  ],
];

describe("API validation stand-in (tests/support/api-validation.ts)", function () {
  describe("refuses what the API server refuses", function () {
    for (const [what, make, expected] of REFUSED) {
      it(`refuses ${what}`, function () {
        const violations = apiViolations(make());
        assert.ok(
          violations.some((v) => expected.test(v)),
          `expected a violation matching ${expected}, got ${JSON.stringify(violations)}`,
        );
      });
    }
  });

  describe("parses cron schedules as robfig/cron v3 ParseStandard does", function () {
    // From the parser's semantics (parser.go): "?" is "*" in any field, names in any case, N/step means N-max/step,
    // descriptors (with @every), TZ= prefixes; 5 fields only; day of week 0-6.
    const PARSES = [
      "* * * * *",
      "0 3 * * 0-6",
      "0 3 * * sun-SAT",
      "*/5 * * * ?",
      "? ? ? ? ?",
      "5/15 * * * *",
      "0 0 1,15 * *",
      "0 0 1 jan,Feb *",
      "@every 1h30m",
      "@midnight",
      "TZ=UTC 0 3 * * *",
      "0 3 * * +1",
      "0  3 * * *",
      "0 3 , * *",
    ];
    const REFUSES = [
      "",
      "0 3 * * 7",
      "0 3 * * 6-7",
      "60 * * * *",
      "* 24 * * *",
      "* * 0 * *",
      "* * 32 * *",
      "* * * 13 *",
      "* * * * * *",
      "* * * *",
      "*/0 * * * *",
      "5-1 * * * *",
      "1-2-3 * * * *",
      "1/2/3 * * * *",
      "-1 * * * *",
      "@reboot",
      "@every",
      "@daily ",
      "x * * * *",
      "0 3 * * mon-sunday",
    ];
    for (const schedule of PARSES)
      it(`parses ${JSON.stringify(schedule)}`, () => assert.strictEqual(robfigParsesStandard(schedule), true));
    for (const schedule of REFUSES)
      it(`refuses ${JSON.stringify(schedule)}`, () => assert.strictEqual(robfigParsesStandard(schedule), false));
  });

  describe("passes every object rendered for valid settings", function () {
    const flavors = ["mysql", "mariadb"] as const;
    const MATRIX: [string, string, MySqlClusterArgs][] = [
      ["the defaults", "mysql", {}],
      ["one pod", "db", { replicas: 1 }],
      ["99 pods, the primary the last", "db", { replicas: 99, primaryOrdinal: 98 }],
      ["the longest name (52)", "a".repeat(52), {}],
      ["the longest name with backups (45)", "a".repeat(45), { backupSchedule: "@daily" }],
      ["the longest namespace (63)", "db", { namespace: "n".repeat(63) }],
      [
        "a long cluster domain within 253 for every pod name",
        "a".repeat(52),
        { replicas: 99, namespace: "n".repeat(63), clusterDomain: `${"d".repeat(63)}.e123456789` },
      ],
      [
        "backups with every schedule form",
        "db",
        {
          backupSchedule: "0 3 ? JAN-DEC sun,sat/2",
          backupRetention: 1000,
          backupStorageSize: "1e12",
          backupStorageClass: "cold.example.com",
        },
      ],
      [
        "a restore",
        "db",
        { replicas: 1, restoreFromClaim: `${"r".repeat(200)}.backups`, restoreBackup: "20261125T030000Z" },
      ],
      [
        "a ServiceMonitor with labels",
        "db",
        {
          serviceMonitor: true,
          serviceMonitorLabels: {
            release: "kube-prometheus-stack",
            [`${"p".repeat(200)}.io/${"n".repeat(63)}`]: "v".repeat(63),
          },
        },
      ],
      [
        "client selectors at the label limits",
        "db",
        {
          clientPodSelector: { ["k".repeat(63)]: "v".repeat(63), "example.com/tier": "" },
          clientNamespaceSelector: { "kubernetes.io/metadata.name": "shop" },
        },
      ],
      ["no policy, no metrics, no TLS requirement", "db", { networkPolicy: false, metrics: false, requireTls: false }],
      [
        "the user's Secrets and placement",
        "db",
        {
          existingSecret: "s".repeat(253),
          tlsSecret: "t".repeat(253),
          priorityClassName: "p".repeat(253),
          spreadAcrossZones: true,
          hardSpread: true,
          tolerations: [
            {
              key: "example.com/dedicated",
              operator: "Equal",
              value: "db",
              effect: "NoExecute",
              tolerationSeconds: 60,
            },
            { operator: "Exists" },
          ],
        },
      ],
      ["an application database and user", "db", { appDatabase: "d".repeat(64), appUser: "u".repeat(32) }],
      [
        "images by digest and by registry port",
        "db",
        {
          image: `registry.example.com:5000/team/mysql:8.4@sha256:${"a".repeat(64)}`,
          backupImage: "[::1]:5000/xtrabackup:8.4",
          exporterImage: `localhost/exporter@sha256:${"b".repeat(64)}`,
        },
      ],
      [
        "quantities in every form",
        "db",
        { storageSize: "1e10", cpuRequest: "0.5", cpuLimit: "10000", memoryRequest: "256Mi", memoryLimit: "64Ti" },
      ],
    ];
    for (const flavor of flavors) {
      for (const [what, name, args] of MATRIX) {
        it(`${flavor}: ${what}`, function () {
          const objects = renderObjects(resolveArgs(name, { flavor, ...args }));
          assert.deepStrictEqual(apiViolationsOfAll(objects), []);
        });
      }
    }
  });

  describe("resolveArgs's backupSchedule check", function () {
    const field = fc.oneof(
      fc.constantFrom(
        "*",
        "?",
        "0",
        "5",
        "6",
        "7",
        "23",
        "24",
        "31",
        "32",
        "59",
        "60",
        "SUN",
        "sat",
        "Jan",
        "dec",
        "mon-fri",
        "1-5",
        "5-1",
        "0-7",
        "*/5",
        "*/0",
        "1/3",
        "+1",
        "-1",
        "",
        "1,,2",
        "TZ",
      ),
      fc.tuple(fc.nat({ max: 70 }), fc.nat({ max: 70 })).map(([a, b]) => `${a}-${b}`),
    );
    const schedule = fc.oneof(
      fc.array(field, { minLength: 4, maxLength: 6 }).map((f) => f.join(" ")),
      fc.constantFrom("@daily", "@every 1h", "@reboot", "CRON_TZ=UTC 0 3 * * *", " 0 3 * * *", "0 3 * * * "),
    );

    it("never accepts a schedule the API server refuses (robfig/cron v3, no TZ)", function () {
      fc.assert(
        fc.property(schedule, (s) => !isCronSchedule(s) || (robfigParsesStandard(s) && !s.includes("TZ"))),
        { numRuns: 2000 },
      );
    });
  });
});
