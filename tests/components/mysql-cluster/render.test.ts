// renderObjects without Pulumi: every object validates against the Kubernetes
// schema (kubernetes-models), names are valid Kubernetes names, the pod meets
// the "restricted" Pod Security Standard, and every container gets the
// environment its scripts read, for fixed configurations and random valid ones.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { MySqlClusterArgs, resolveArgs } from "../../../components/mysql-cluster/args";
import { PASSWORD_PLACEHOLDER, renderManifests, renderObjects } from "../../../components/mysql-cluster/render";
import { argsFromConfig } from "../../../components/mysql-cluster/stack-config";
import { readStackConfig } from "../../../tools/stack-file";

type AnyObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = path.join(__dirname, "../../..");
const SCRIPTS_DIR = path.join(ROOT, "components/mysql-cluster/scripts");

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/StatefulSet": StatefulSet,
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Throws unless the object validates against the Kubernetes schema of its kind. */
function validateSchema(obj: AnyObject): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  assert.ok(Model, `no schema model for ${obj.apiVersion}/${obj.kind}`);
  try {
    new Model(obj as never).validate();
  } catch (error) {
    assert.fail(`${obj.kind} ${obj.metadata?.name} does not validate: ${String(error)}`);
  }
}

/** Name rules the API server applies that the OpenAPI schema does not carry. */
function validateNames(obj: AnyObject): void {
  const where = `${obj.kind} ${obj.metadata.name}`;
  const name: string = obj.metadata.name;
  if (obj.kind === "Service") assert.ok(DNS_1035_LABEL.test(name) && name.length <= 63, `${where}: Service names are DNS-1035 labels`);
  else assert.ok(DNS_SUBDOMAIN.test(name) && name.length <= 253, `${where}: not a DNS subdomain`);
  assert.ok(DNS_LABEL.test(obj.metadata.namespace) && obj.metadata.namespace.length <= 63, `${where}: namespace`);
  const labelSets: Record<string, string>[] = [obj.metadata.labels ?? {}];
  if (obj.kind === "StatefulSet") {
    // The StatefulSet controller labels pods "controller-revision-hash: <name>-<10 chars>" and names them "<name>-<N>".
    assert.ok(`${name}-0123456789`.length <= 63, `${where}: controller-revision-hash label would exceed 63 characters`);
    assert.ok(DNS_LABEL.test(`${name}-${obj.spec.replicas - 1}`) && `${name}-${obj.spec.replicas - 1}`.length <= 63, `${where}: pod names`);
    labelSets.push(obj.spec.template.metadata.labels, obj.spec.selector.matchLabels);
    const pod = obj.spec.template.spec;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      assert.ok(DNS_LABEL.test(c.name), `${where}: container name ${c.name}`);
      for (const p of c.ports ?? []) assert.ok(PORT_NAME.test(p.name) && p.name.length <= 15, `${where}: port name ${p.name}`);
      for (const e of c.env ?? []) assert.ok(ENV_NAME.test(e.name), `${where}: env name ${e.name}`);
      const envNames = (c.env ?? []).map((e: AnyObject) => e.name);
      assert.strictEqual(new Set(envNames).size, envNames.length, `${where}: ${c.name} has duplicate env names`);
    }
    for (const v of pod.volumes) assert.ok(DNS_LABEL.test(v.name), `${where}: volume name ${v.name}`);
  }
  if (obj.kind === "Service") {
    for (const p of obj.spec.ports) assert.ok(PORT_NAME.test(p.name) && p.name.length <= 15, `${where}: port name ${p.name}`);
  }
  if (obj.kind === "ConfigMap" || obj.kind === "Secret") {
    for (const key of Object.keys(obj.data ?? obj.stringData ?? {})) assert.match(key, /^[-._a-zA-Z0-9]+$/, `${where}: key ${key}`);
  }
  for (const labels of labelSets) {
    for (const [k, v] of Object.entries(labels)) {
      assert.ok(v.length <= 63 && LABEL_VALUE.test(v), `${where}: label ${k}=${v}`);
    }
  }
}

/** The "restricted" Pod Security Standard (Kubernetes v1.25+), as far as a pod template can show it. */
function restrictedViolations(pod: AnyObject): string[] {
  const problems: string[] = [];
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push("host namespaces");
  const allowedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
  for (const v of pod.volumes ?? []) {
    const kinds = Object.keys(v).filter((k) => k !== "name");
    for (const kind of kinds) if (!allowedVolumes.includes(kind)) problems.push(`volume ${v.name} of type ${kind}`);
  }
  if (podSc.runAsUser === 0) problems.push("pod runAsUser 0");
  if ((podSc.sysctls ?? []).length > 0) problems.push("sysctls");
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) problems.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${c.name}: capabilities do not drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") problems.push(`${c.name}: adds capability ${cap}`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) problems.push(`${c.name}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) problems.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${c.name}: seccomp profile ${seccomp}`);
    for (const p of c.ports ?? []) if (p.hostPort) problems.push(`${c.name}: hostPort ${p.hostPort}`);
    if (sc.procMount && sc.procMount !== "Default") problems.push(`${c.name}: procMount`);
  }
  return problems;
}

function checkAll(objects: AnyObject[]): void {
  for (const obj of objects) {
    validateSchema(obj);
    validateNames(obj);
  }
  const sts = objects.find((o) => o.kind === "StatefulSet")!;
  assert.deepStrictEqual(restrictedViolations(sts.spec.template.spec), []);
}

// ---- What the pod scripts read from the environment ----

/** Script files a script runs (bash "$SCRIPTS/x.sh", EXEC:"bash $SCRIPTS/x.sh"). */
function scriptsRunBy(text: string): string[] {
  return [...text.matchAll(/bash "?\$SCRIPTS\/([\w.-]+\.sh)/g)].map((m) => m[1]);
}

/** The script files a container runs, transitively, starting from its command and probes. */
function containerScripts(container: AnyObject): string[] {
  const start: string[] = [];
  for (const command of [container.command, container.startupProbe?.exec?.command, container.livenessProbe?.exec?.command, container.readinessProbe?.exec?.command]) {
    for (const word of command ?? []) {
      const m = /^\/scripts\/([\w.-]+\.sh)$/.exec(word);
      if (m) start.push(m[1]);
    }
  }
  const seen = new Set<string>(["lib.sh"]);
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...scriptsRunBy(fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8")));
  }
  return [...seen];
}

/** Upper-case variables the scripts read without a default and never assign: they must come from the pod. */
function requiredEnv(files: string[]): Set<string> {
  const assigned = new Set<string>();
  const required = new Set<string>();
  const texts = files.map((f) => fs.readFileSync(path.join(SCRIPTS_DIR, f), "utf8").replace(/^\s*#.*$/gm, ""));
  for (const text of texts) {
    for (const m of text.matchAll(/(?:^|[\s;(])(?:readonly |local |export )?([A-Z][A-Z0-9_]*)=/gm)) assigned.add(m[1]);
    for (const m of text.matchAll(/for ([A-Z][A-Z0-9_]*) in/g)) assigned.add(m[1]);
  }
  for (const text of texts) {
    for (const m of text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)(:?[-+=?])?/g)) {
      if (!m[2] && !assigned.has(m[1])) required.add(m[1]);
    }
    // Passwords are checked by name: require_password VAR, or a loop over the names.
    for (const m of text.matchAll(/\b((?:ROOT|REPLICATION|BACKUP|MONITOR|APP)_PASSWORD)\b/g)) required.add(m[1]);
  }
  return required;
}

function checkContainerEnv(objects: AnyObject[], args: { appUser?: string; appDatabase?: string }): void {
  const sts = objects.find((o) => o.kind === "StatefulSet")!;
  const pod = sts.spec.template.spec;
  for (const container of [...pod.initContainers, ...pod.containers]) {
    const files = containerScripts(container);
    const env = new Set<string>((container.env ?? []).map((e: AnyObject) => e.name));
    const required = requiredEnv(files);
    if (!args.appUser) required.delete("APP_PASSWORD");
    // APP_DATABASE / APP_USER are read only when set (ensure-users.sh checks them).
    for (const optional of ["APP_USER", "APP_DATABASE"]) if (!(args as AnyObject)[optional === "APP_USER" ? "appUser" : "appDatabase"]) required.delete(optional);
    const missing = [...required].filter((v) => !env.has(v));
    assert.deepStrictEqual(missing, [], `container ${container.name} runs ${files.join(", ")} but lacks ${missing.join(", ")}`);
    // Least privilege: a container holds only the passwords its scripts use.
    const extraPasswords = [...env].filter((v) => v.endsWith("_PASSWORD") && !required.has(v));
    assert.deepStrictEqual(extraPasswords, [], `container ${container.name} holds passwords its scripts never use`);
  }
}

// ---- Configurations ----

function devStackArgs(): { name: string; args: MySqlClusterArgs } {
  const config = readStackConfig(ROOT, "dev");
  return argsFromConfig((key) => config[key]);
}

const CONFIGURATIONS: [string, string, MySqlClusterArgs][] = [
  ["the mysql flavor with defaults", "mysql", {}],
  ["an existingSecret", "shared", { existingSecret: "shared-db-passwords", appDatabase: "app", appUser: "app" }],
  ["a storageClass and ReadWriteOncePod", "fast", { storageClass: "fast-ssd.example.com", storageAccessMode: "ReadWriteOncePod", storageSize: "1Ti" }],
  ["a single replica with a CPU limit", "solo", { replicas: 1, cpuRequest: "250m", cpuLimit: "1", memoryRequest: "512Mi", memoryLimit: "2Gi" }],
  ["an appDatabase without an appUser", "reports", { flavor: "mariadb", appDatabase: "reports" }],
  ["the longest name and 99 replicas", "a".repeat(52), { replicas: 99 }],
];

describe("renderObjects", function () {
  describe("the dev stack (Pulumi.dev.yaml)", function () {
    const { name, args } = devStackArgs();
    const objects = renderObjects(resolveArgs(name, args)) as AnyObject[];

    it("renders the Secret, ConfigMap, both Services and the StatefulSet in apply order", function () {
      assert.deepStrictEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`.replace(/-[0-9a-f]{10}$/, "-<hash>")), [
        "Secret/mysql-credentials",
        "ConfigMap/mysql-config-<hash>",
        "Service/mysql",
        "Service/mysql-read",
        "StatefulSet/mysql",
      ]);
    });

    it("validates every object against the Kubernetes schema, with valid names and labels", function () {
      for (const obj of objects) {
        validateSchema(obj);
        validateNames(obj);
      }
    });

    it("meets the restricted Pod Security Standard", function () {
      const sts = objects.find((o) => o.kind === "StatefulSet")!;
      assert.deepStrictEqual(restrictedViolations(sts.spec.template.spec), []);
    });

    it("gives every container the environment and only the passwords its scripts use", function () {
      checkContainerEnv(objects, args);
    });

    it("shows placeholders, not passwords, in the Secret by default", function () {
      const secret = objects.find((o) => o.kind === "Secret")!;
      for (const value of Object.values(secret.stringData)) assert.strictEqual(value, PASSWORD_PLACEHOLDER);
    });

    it("fills the Secret from the passwords function when one is given", function () {
      const secret = renderManifests(resolveArgs(name, args), (key) => `value-of-${key}`).secret!;
      assert.strictEqual(secret.stringData["root-password"], "value-of-root-password");
      assert.strictEqual(secret.stringData["app-password"], "value-of-app-password");
    });
  });

  for (const [description, name, args] of CONFIGURATIONS) {
    describe(`with ${description}`, function () {
      const objects = renderObjects(resolveArgs(name, args)) as AnyObject[];

      it("validates every object against the Kubernetes schema and meets the restricted Pod Security Standard", function () {
        checkAll(objects);
      });

      it("gives every container the environment and only the passwords its scripts use", function () {
        checkContainerEnv(objects, args);
      });
    });
  }

  it("renders no Secret with an existingSecret", function () {
    const objects = renderObjects(resolveArgs("db", { existingSecret: "mine" })) as AnyObject[];
    assert.deepStrictEqual(objects.map((o) => o.kind), ["ConfigMap", "Service", "Service", "StatefulSet"]);
  });

  it("sets storageClassName only when a storageClass is given", function () {
    const claim = (args: MySqlClusterArgs) => (renderManifests(resolveArgs("db", args)).statefulSet.spec as AnyObject).volumeClaimTemplates[0].spec;
    assert.ok(!("storageClassName" in claim({})));
    assert.strictEqual(claim({ storageClass: "gold" }).storageClassName, "gold");
  });

  describe("for random valid settings (fast-check)", function () {
    const quantity = (units: string[], max: number) => fc.tuple(fc.integer({ min: 1, max }), fc.constantFrom(...units)).map(([n, u]) => `${n}${u}`);
    const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
    const argsArb = fc.record(
      {
        name: fc.stringMatching(/^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/),
        namespace: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/),
        replicas: fc.integer({ min: 1, max: 99 }),
        flavor: fc.constantFrom("mysql" as const, "mariadb" as const),
        storageSize: quantity(["Mi", "Gi", "Ti", "G"], 2000).filter((q) => !/^[0-9]+$/.test(q)),
        storageClass: fc.option(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/), { nil: undefined }),
        storageAccessMode: fc.constantFrom("ReadWriteOnce" as const, "ReadWriteOncePod" as const),
        memoryGi: fc.integer({ min: 1, max: 64 }),
        cpuMillis: fc.integer({ min: 1, max: 16000 }),
        app: fc.option(fc.tuple(identifier, fc.option(identifier, { nil: undefined })), { nil: undefined }),
        existingSecret: fc.option(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?)?$/), { nil: undefined }),
        maxReadLagSeconds: fc.integer({ min: 1, max: 86400 }),
        backupParallelism: fc.integer({ min: 1, max: 64 }),
      },
      { requiredKeys: ["name", "replicas", "flavor", "storageSize", "storageAccessMode", "memoryGi", "cpuMillis"] },
    ).map((r) => {
      const args: MySqlClusterArgs = {
        namespace: r.namespace,
        replicas: r.replicas,
        flavor: r.flavor,
        storageSize: r.storageSize,
        storageClass: r.storageClass,
        storageAccessMode: r.storageAccessMode,
        cpuRequest: `${r.cpuMillis}m`,
        memoryRequest: `${r.memoryGi}Gi`,
        memoryLimit: `${r.memoryGi * 2}Gi`,
        existingSecret: r.existingSecret,
        maxReadLagSeconds: r.maxReadLagSeconds,
        backupParallelism: r.backupParallelism,
      };
      if (r.app) {
        const [database, user] = r.app;
        // System names are rejected on purpose; keep the generated ones clear of them.
        args.appDatabase = `db_${database}`;
        if (user !== undefined) args.appUser = `u_${user}`;
      }
      return { name: r.name, args };
    });

    it("renders objects that validate, with a pod meeting the restricted Pod Security Standard", function () {
      fc.assert(
        fc.property(argsArb, ({ name, args }) => {
          const objects = renderObjects(resolveArgs(name, args)) as AnyObject[];
          checkAll(objects);
          const sts = objects.find((o) => o.kind === "StatefulSet")!;
          assert.strictEqual(sts.spec.replicas, args.replicas);
          assert.strictEqual(objects.some((o) => o.kind === "Secret"), args.existingSecret === undefined);
          checkContainerEnv(objects, args);
        }),
        { numRuns: 50 },
      );
    });
  });
});
