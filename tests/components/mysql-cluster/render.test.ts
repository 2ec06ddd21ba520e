// renderObjects without Pulumi: every object validates against the Kubernetes
// schema (kubernetes-models), names are valid Kubernetes names, the pod meets
// the "restricted" Pod Security Standard with read-only root filesystems, every
// container gets the environment and Secret files its scripts read (and only
// those), and no password or private key shows up outside its own Secret, for
// fixed configurations and random valid ones.

import * as assert from "assert";
import fc from "fast-check";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Lease } from "kubernetes-models/coordination.k8s.io/v1/Lease";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { MySqlClusterArgs, ResolvedArgs, resolveArgs } from "../../../components/mysql-cluster/args";
import { requiredSecretKeys } from "../../../components/mysql-cluster/builders/credentials-secret";
import { SEMI_SYNC_NO_FALLBACK_MS } from "../../../components/mysql-cluster/config-files";
import { CONTRACT_FILE, FAILOVER_MARKS, SHELL_CONTRACT } from "../../../components/mysql-cluster/contract";
import { clusterNames, SECRET_KEYS, TLS_KEYS } from "../../../components/mysql-cluster/names";
import {
  objectsByKey,
  PASSWORD_PLACEHOLDER,
  renderCluster,
  renderObjects,
  TLS_PLACEHOLDER,
} from "../../../components/mysql-cluster/render";
import { AnyObject } from "../../support/objects";
import { containerScripts, scriptText } from "../../support/scripts";
import { stackArgs } from "../../support/stack";

/** Script text with each contract Secret key name ($SECRET_KEY_...) replaced by its key. */
function withSecretKeys(text: string): string {
  const keys = new Map(SHELL_CONTRACT.map((c) => [c.name, String(c.value)]));
  return text.replace(/"?\$\{?(SECRET_KEY_[A-Z]+)\}?"?/g, (m, name: string) => keys.get(name) ?? m);
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/StatefulSet": StatefulSet,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ServiceAccount": ServiceAccount,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "coordination.k8s.io/v1/Lease": Lease,
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * The Prometheus Operator's ServiceMonitor has no kubernetes-models schema:
 * checks the fields it uses against the CRD (monitoring.coreos.com/v1), and
 * that nothing else is set.
 */
function validateServiceMonitor(obj: AnyObject): void {
  const where = `ServiceMonitor ${obj.metadata?.name}`;
  assert.deepStrictEqual(Object.keys(obj).sort(), ["apiVersion", "kind", "metadata", "spec"], where);
  assert.deepStrictEqual(Object.keys(obj.spec).sort(), ["endpoints", "selector"], where);
  assert.deepStrictEqual(Object.keys(obj.spec.selector), ["matchLabels"], where);
  assert.ok(Object.keys(obj.spec.selector.matchLabels).length > 0, `${where} selects every Service`);
  assert.ok(Array.isArray(obj.spec.endpoints) && obj.spec.endpoints.length > 0, where);
  for (const e of obj.spec.endpoints) {
    assert.strictEqual(typeof e.port, "string", `${where}: endpoint port is a port name`);
    assert.match(e.interval, /^([0-9]+(ms|s|m|h))+$/, `${where}: interval is a Prometheus duration`);
  }
}

/** Throws unless the object validates against the Kubernetes schema of its kind. */
function validateSchema(obj: AnyObject): void {
  if (obj.apiVersion === "monitoring.coreos.com/v1" && obj.kind === "ServiceMonitor")
    return validateServiceMonitor(obj);
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
  if (obj.kind === "Service")
    assert.ok(DNS_1035_LABEL.test(name) && name.length <= 63, `${where}: Service names are DNS-1035 labels`);
  else assert.ok(DNS_SUBDOMAIN.test(name) && name.length <= 253, `${where}: not a DNS subdomain`);
  assert.ok(DNS_LABEL.test(obj.metadata.namespace) && obj.metadata.namespace.length <= 63, `${where}: namespace`);
  const labelSets: Record<string, string>[] = [obj.metadata.labels ?? {}];
  if (obj.kind === "StatefulSet") {
    // The StatefulSet controller labels pods "controller-revision-hash: <name>-<10 chars>" and names them "<name>-<N>".
    assert.ok(`${name}-0123456789`.length <= 63, `${where}: controller-revision-hash label would exceed 63 characters`);
    assert.ok(
      DNS_LABEL.test(`${name}-${obj.spec.replicas - 1}`) && `${name}-${obj.spec.replicas - 1}`.length <= 63,
      `${where}: pod names`,
    );
    labelSets.push(obj.spec.template.metadata.labels, obj.spec.selector.matchLabels);
    const pod = obj.spec.template.spec;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      assert.ok(DNS_LABEL.test(c.name), `${where}: container name ${c.name}`);
      for (const p of c.ports ?? [])
        assert.ok(PORT_NAME.test(p.name) && p.name.length <= 15, `${where}: port name ${p.name}`);
      for (const e of c.env ?? []) assert.ok(ENV_NAME.test(e.name), `${where}: env name ${e.name}`);
      const envNames = (c.env ?? []).map((e: AnyObject) => e.name);
      assert.strictEqual(new Set(envNames).size, envNames.length, `${where}: ${c.name} has duplicate env names`);
    }
    for (const v of pod.volumes) assert.ok(DNS_LABEL.test(v.name), `${where}: volume name ${v.name}`);
  }
  if (obj.kind === "Service") {
    labelSets.push(obj.spec.selector ?? {});
    for (const p of obj.spec.ports)
      assert.ok(PORT_NAME.test(p.name) && p.name.length <= 15, `${where}: port name ${p.name}`);
  }
  if (obj.kind === "NetworkPolicy") {
    labelSets.push(obj.spec.podSelector.matchLabels ?? {});
    for (const rule of obj.spec.ingress) {
      for (const peer of rule.from) {
        if (peer.podSelector) labelSets.push(peer.podSelector.matchLabels ?? {});
        if (peer.namespaceSelector) labelSets.push(peer.namespaceSelector.matchLabels ?? {});
      }
    }
  }
  if (obj.kind === "PodDisruptionBudget") labelSets.push(obj.spec.selector.matchLabels);
  if (obj.kind === "ServiceMonitor") labelSets.push(obj.spec.selector.matchLabels);
  if (obj.kind === "ConfigMap" || obj.kind === "Secret") {
    for (const key of Object.keys(obj.data ?? obj.stringData ?? {}))
      assert.match(key, /^[-._a-zA-Z0-9]+$/, `${where}: key ${key}`);
  }
  for (const labels of labelSets) {
    for (const [k, v] of Object.entries(labels)) {
      assert.ok(v.length <= 63 && LABEL_VALUE.test(v), `${where}: label ${k}=${v}`);
      const [prefix, label] = k.includes("/") ? k.split("/") : [undefined, k];
      assert.ok(
        LABEL_NAME.test(label) && (prefix === undefined || (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253)),
        `${where}: label key ${k}`,
      );
    }
  }
}

/** The "restricted" Pod Security Standard (Kubernetes v1.25+), as far as a pod template can show it. */
function restrictedViolations(pod: AnyObject): string[] {
  const problems: string[] = [];
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push("host namespaces");
  const allowedVolumes = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
  ];
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
    for (const cap of sc.capabilities?.add ?? [])
      if (cap !== "NET_BIND_SERVICE") problems.push(`${c.name}: adds capability ${cap}`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) problems.push(`${c.name}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) problems.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${c.name}: seccomp profile ${seccomp}`);
    for (const p of c.ports ?? []) if (p.hostPort) problems.push(`${c.name}: hostPort ${p.hostPort}`);
    if (sc.procMount && sc.procMount !== "Default") problems.push(`${c.name}: procMount`);
  }
  return problems;
}

/** Containers whose root filesystem is writable: every write must go to a volume. */
function writableRootFilesystems(pod: AnyObject): string[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])]
    .filter((c) => c.securityContext?.readOnlyRootFilesystem !== true)
    .map((c) => c.name);
}

function checkAll(objects: AnyObject[]): void {
  for (const obj of objects) {
    validateSchema(obj);
    validateNames(obj);
  }
  const sts = objects.find((o) => o.kind === "StatefulSet")!;
  assert.deepStrictEqual(restrictedViolations(sts.spec.template.spec), []);
  assert.deepStrictEqual(
    writableRootFilesystems(sts.spec.template.spec),
    [],
    "containers without readOnlyRootFilesystem",
  );
}

// ---- What the pod scripts read from the environment ----

/** Variables bash sets itself. */
const BASH_VARIABLES = new Set(["BASH_SOURCE", "BASH_REMATCH", "EPOCHSECONDS", "EPOCHREALTIME"]);

/** Upper-case variables the scripts read without a default and never assign: they must come from the pod. */
function requiredEnv(files: string[]): Set<string> {
  const assigned = new Set<string>();
  const required = new Set<string>();
  const texts = files.map((f) => scriptText(f).replace(/^\s*#.*$/gm, ""));
  for (const text of texts) {
    for (const m of text.matchAll(/(?:^|[\s;(])(?:readonly |local |export )?([A-Z][A-Z0-9_]*)=/gm)) assigned.add(m[1]);
    for (const m of text.matchAll(/for ([A-Z][A-Z0-9_]*) in/g)) assigned.add(m[1]);
  }
  for (const text of texts) {
    for (const m of text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)(:?[-+=?])?/g)) {
      if (!m[2] && !assigned.has(m[1]) && !BASH_VARIABLES.has(m[1])) required.add(m[1]);
    }
  }
  return required;
}

/** Script text without comment lines. */
function code(file: string): string {
  return withSecretKeys(scriptText(file)).replace(/^\s*#.*$/gm, "");
}

/** lib.sh's functions by name, with their bodies (one-line "f() { ...; }" or up to a closing "}" line). */
function libFunctions(): Map<string, string> {
  const functions = new Map<string, string>();
  const lines = code("lib.sh").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([a-z_]+)\(\) \{(.*)$/.exec(lines[i]);
    if (!m) continue;
    if (m[2].trimEnd().endsWith("}")) {
      functions.set(m[1], m[2]);
      continue;
    }
    const body: string[] = [];
    while (++i < lines.length && lines[i] !== "}") body.push(lines[i]);
    functions.set(m[1], body.join("\n"));
  }
  return functions;
}

/** A script's code plus the bodies of the lib.sh functions it calls, transitively. */
function codeWithLibCalls(file: string): string {
  const functions = libFunctions();
  const texts = [code(file)];
  const called = new Set<string>();
  for (let i = 0; i < texts.length; i++) {
    for (const [name, body] of functions) {
      if (!called.has(name) && new RegExp(`(^|[^\\w-])${name}($|[^\\w-])`, "m").test(texts[i])) {
        called.add(name);
        texts.push(body);
      }
    }
  }
  return texts.join("\n");
}

/**
 * Keys of the credentials Secret the scripts read as files: every key name
 * their code, or a lib.sh function they call, mentions (`password KEY`,
 * `require_password KEY`, `sql_as USER KEY`, `sql_remote HOST USER KEY`,
 * `private_option_file USER KEY`, loops over keys). `required` leaves out the
 * keys read only when present: app-password without APP_USER (ensure-users.sh
 * checks), exporter-password without metrics (METRICS=false skips it), and any
 * key whose file the code tests for first (`-r $SECRETS_DIR/KEY`).
 */
function passwordKeysRead(
  files: string[],
  args: { appUser?: string; metrics?: boolean },
): { all: Set<string>; required: Set<string> } {
  const all = new Set<string>();
  const optional = new Set<string>();
  const known = Object.values(SECRET_KEYS) as string[];
  for (const file of files.filter((f) => f !== "lib.sh" && f !== CONTRACT_FILE)) {
    const text = codeWithLibCalls(file);
    for (const m of text.matchAll(/\b([a-z]+-password)\b/g)) {
      assert.ok(known.includes(m[1]), `${file} reads "${m[1]}", which is not a key of SECRET_KEYS`);
      all.add(m[1]);
    }
    for (const m of text.matchAll(/-[refs] "?\$\{?SECRETS_DIR\}?\/([a-z]+-password)/g)) optional.add(m[1]);
  }
  if (!args.appUser) all.delete(SECRET_KEYS.app);
  // exporter-password is read only with METRICS=true, which the pod has exactly when metrics are on.
  if (args.metrics === false) all.delete(SECRET_KEYS.exporter);
  return { all, required: new Set([...all].filter((k) => !optional.has(k))) };
}

/** Whether the scripts (lib.sh aside, which every script sources) read the Secret files directly. */
function readsSecretDirectory(files: string[]): boolean {
  return files.filter((f) => f !== "lib.sh" && f !== CONTRACT_FILE).some((f) => /\$\{?SECRETS_DIR\b/.test(code(f)));
}

/** Whether the scripts need the TLS files (directly or through a lib.sh function): a TLS connection to a peer, the backup stream, or a server started with server.cnf. */
function needsTls(files: string[]): boolean {
  return files
    .filter((f) => f !== "lib.sh" && f !== CONTRACT_FILE)
    .some((f) =>
      /\$\{?TLS_(?:DIR|CERT|KEY|CA)\b|\bstream_tls_options\b|\bsql_remote\b|\bremote_tls_options\b|"\$DB_SERVER"/.test(
        codeWithLibCalls(f),
      ),
    );
}

/** Whether the scripts read the topology (which ordinal is the primary), directly or through a lib.sh function. */
function needsTopology(files: string[]): boolean {
  return files
    .filter((f) => f !== "lib.sh" && f !== CONTRACT_FILE)
    .some((f) => /\$\{?TOPOLOGY_(?:DIR|FILE)\b/.test(codeWithLibCalls(f)));
}

/** The keys of the mounted credentials Secret: the generated one's, or the documented keys an existingSecret must hold. */
function credentialKeys(objects: AnyObject[], args: ResolvedArgs): string[] {
  const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === clusterNames(args).credentialsSecret);
  if (args.existingSecret) {
    assert.strictEqual(secret, undefined, "an existingSecret is rendered");
    return requiredSecretKeys(args);
  }
  assert.ok(secret, "no credentials Secret");
  return Object.keys(secret.stringData);
}

/**
 * Every container gets the environment its scripts read, the password files
 * they read are keys of the mounted Secret, only containers whose scripts
 * read passwords mount them (never the server container), only containers
 * that need TLS mount the TLS Secret, and only containers whose scripts read
 * the topology (which ordinal is the primary) mount the topology ConfigMap.
 */
function checkContainerInputs(objects: AnyObject[], args: ResolvedArgs): void {
  const sts = objects.find((o) => o.kind === "StatefulSet")!;
  const pod = sts.spec.template.spec;
  const names = clusterNames(args);
  const volumes = Object.fromEntries((pod.volumes as AnyObject[]).map((v) => [v.name, v]));
  assert.strictEqual(
    volumes.secrets?.secret?.secretName,
    names.credentialsSecret,
    "the secrets volume does not name the credentials Secret",
  );
  assert.strictEqual(volumes.tls?.secret?.secretName, names.tlsSecret, "the tls volume does not name the TLS Secret");
  const secretVolumes = (pod.volumes as AnyObject[])
    .filter((v) => v.secret)
    .map((v) => v.name)
    .sort();
  // clone-secrets: clone-data's own projection of the credentials Secret (only the keys it reads).
  assert.deepStrictEqual(secretVolumes, ["clone-secrets", "secrets", "tls"]);
  assert.strictEqual(volumes["clone-secrets"].secret.secretName, names.credentialsSecret);
  assert.strictEqual(
    volumes.topology?.configMap?.name,
    names.topologyConfigMap,
    "the topology volume does not name the topology ConfigMap",
  );
  const available = credentialKeys(objects, args);
  const readByAny = new Set<string>();

  for (const container of [...pod.initContainers, ...pod.containers]) {
    const files = containerScripts(container);
    const env = new Set<string>((container.env ?? []).map((e: AnyObject) => e.name));
    const required = requiredEnv(files);
    // APP_DATABASE / APP_USER are read only when set (ensure-users.sh checks them).
    if (!args.appUser) required.delete("APP_USER");
    if (!args.appDatabase) required.delete("APP_DATABASE");
    const missing = [...required].filter((v) => !env.has(v));
    assert.deepStrictEqual(
      missing,
      [],
      `container ${container.name} runs ${files.join(", ")} but lacks ${missing.join(", ")}`,
    );
    assert.ok(![...env].some((v) => /PASSWORD/.test(v)), `container ${container.name} has a password variable`);
    assert.ok(
      !(container.env ?? []).some((e: AnyObject) => e.valueFrom?.secretKeyRef),
      `container ${container.name} takes env from a Secret`,
    );

    const mounted = new Set<string>((container.volumeMounts ?? []).map((m: AnyObject) => m.name));
    const { all: keys, required: requiredKeys } = passwordKeysRead(files, args);
    keys.forEach((k) => readByAny.add(k));
    const unknown = [...requiredKeys].filter((k) => !available.includes(k));
    assert.deepStrictEqual(unknown, [], `container ${container.name} reads password files the Secret lacks`);
    const readsPasswords = keys.size > 0 || readsSecretDirectory(files);
    // Least privilege: the password files only where a script reads them, and of a projection (items) only those keys.
    const secretMount = (container.volumeMounts ?? []).find((m: AnyObject) => m.mountPath === "/etc/mysql-secrets");
    assert.strictEqual(
      Boolean(secretMount),
      readsPasswords,
      `container ${container.name} runs ${files.join(", ")}, ${readsPasswords ? `reads ${[...keys].join(", ")} but does not mount` : "reads no password but mounts"} the secrets volume`,
    );
    const items = secretMount ? (volumes[secretMount.name].secret.items as AnyObject[] | undefined) : undefined;
    if (items)
      assert.deepStrictEqual(
        items.map((i) => i.key).sort(),
        [...keys].sort(),
        `container ${container.name} projects other keys than it reads`,
      );
    assert.strictEqual(
      mounted.has("tls"),
      needsTls(files),
      `container ${container.name}: the tls volume is ${mounted.has("tls") ? "mounted but not needed" : "needed but not mounted"}`,
    );
    // Without the file, primary_ordinal would fall back to 0 and the pod would follow the wrong primary.
    assert.strictEqual(
      mounted.has("topology"),
      needsTopology(files),
      `container ${container.name}: the topology volume is ${mounted.has("topology") ? "mounted but not needed" : "needed but not mounted"}`,
    );
  }
  const server = pod.containers.find((c: AnyObject) => c.name === "mysql");
  assert.ok(
    !server.volumeMounts.some((m: AnyObject) => m.name === "secrets"),
    "the server container mounts the passwords",
  );
  // Every password the Secret holds is used by some container (no stray credentials).
  const unread = available.filter((k) => !readByAny.has(k));
  assert.deepStrictEqual(unread, [], "passwords in the Secret that no container reads");
}

/**
 * Where each value occurs as (part of) a string anywhere in the objects,
 * as "<Kind>/<name>:<path>".
 */
function occurrences(objects: AnyObject[], value: string): string[] {
  const found: string[] = [];
  const walk = (node: unknown, where: string) => {
    if (typeof node === "string") {
      if (node.includes(value)) found.push(where);
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${where}[${i}]`));
    } else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) walk(v, where.endsWith(":") ? `${where}${k}` : `${where}.${k}`);
      // Keys count too: a value must not become a key either.
      for (const k of Object.keys(node)) if (k.includes(value)) found.push(`${where} (key ${k})`);
    }
  };
  for (const obj of objects) walk(obj, `${obj.kind}/${obj.metadata.name}:`);
  return found;
}

// ---- Configurations ----

const CONFIGURATIONS: [string, string, MySqlClusterArgs][] = [
  ["the mysql flavor with defaults", "mysql", {}],
  ["an existingSecret", "shared", { existingSecret: "shared-db-passwords", appDatabase: "app", appUser: "app" }],
  [
    "a storageClass and ReadWriteOncePod",
    "fast",
    { storageClass: "fast-ssd.example.com", storageAccessMode: "ReadWriteOncePod", storageSize: "1Ti" },
  ],
  [
    "a single replica with a CPU limit",
    "solo",
    { replicas: 1, cpuRequest: "250m", cpuLimit: "1", memoryRequest: "512Mi", memoryLimit: "2Gi" },
  ],
  ["an appDatabase without an appUser", "reports", { flavor: "mariadb", appDatabase: "reports" }],
  ["the longest name and 99 replicas", "a".repeat(52), { replicas: 99 }],
  ["a tlsSecret and requireTls false", "owntls", { tlsSecret: "corp-db-tls", requireTls: false, flavor: "mariadb" }],
  [
    "client pod and namespace selectors",
    "clients",
    {
      clientPodSelector: { app: "shop", tier: "web" },
      clientNamespaceSelector: { "kubernetes.io/metadata.name": "shop" },
    },
  ],
  [
    "no NetworkPolicy and a password rotation",
    "open",
    { networkPolicy: false, passwordRotation: 7, appDatabase: "app", appUser: "app" },
  ],
  ["no metrics and no semi-sync", "bare", { metrics: false, semiSync: false, failover: false, flavor: "mariadb" }],
  [
    "a ServiceMonitor and its own exporter image",
    "watched",
    {
      serviceMonitor: true,
      exporterImage:
        "registry.example/mysqld-exporter@sha256:0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd",
    },
  ],
  [
    "hard node and zone spread, a priority class and tolerations",
    "placed",
    {
      hardSpread: true,
      spreadAcrossZones: true,
      priorityClassName: "db-critical",
      tolerations: [
        { key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
      ],
    },
  ],
  [
    "soft zone spread, metrics with an existingSecret",
    "softzones",
    { spreadAcrossZones: true, existingSecret: "softzones-passwords", semiSyncTimeoutMs: 100 },
  ],
  ["the primary switched to the last ordinal", "switched", { replicas: 3, primaryOrdinal: 2, flavor: "mariadb" }],
];

/** Recognisable secret values, so a leak is easy to find. */
const PASSWORD_OF = (key: string) => `pw-xyz-${key}`;
const TLS_MATERIAL = { cert: "CERT-xyz", key: "KEY-xyz", ca: "CA-xyz" };

describe("renderObjects", function () {
  describe("the dev stack (Pulumi.dev.yaml)", function () {
    const { name, args } = stackArgs("dev");
    const objects = renderObjects(resolveArgs(name, args)) as AnyObject[];

    it("renders both Secrets, the scripts and topology ConfigMaps, the headless, write, read and metrics Services, NetworkPolicy, PodDisruptionBudget, each pod's data claim and the StatefulSet in apply order, and nothing else", function () {
      assert.deepStrictEqual(
        objects.map((o) => `${o.kind}/${o.metadata.name}`.replace(/-[0-9a-f]{10}$/, "-<hash>")),
        [
          "Secret/mysql-credentials",
          "Secret/mysql-tls",
          "ConfigMap/mysql-config-<hash>",
          "ConfigMap/mysql-topology",
          "Service/mysql",
          "Service/mysql-write",
          "Service/mysql-read",
          "Service/mysql-metrics",
          "NetworkPolicy/mysql",
          "PodDisruptionBudget/mysql",
          "PersistentVolumeClaim/data-mysql-0",
          "PersistentVolumeClaim/data-mysql-1",
          "PersistentVolumeClaim/data-mysql-2",
          "ServiceAccount/mysql-agent",
          "Role/mysql-agent",
          "RoleBinding/mysql-agent",
          "Lease/mysql-primary",
          "StatefulSet/mysql",
        ],
      );
    });

    it("validates every object against the Kubernetes schema, with valid names and labels", function () {
      for (const obj of objects) {
        validateSchema(obj);
        validateNames(obj);
      }
    });

    it("meets the restricted Pod Security Standard, with a read-only root filesystem in every container", function () {
      const sts = objects.find((o) => o.kind === "StatefulSet")!;
      assert.deepStrictEqual(restrictedViolations(sts.spec.template.spec), []);
      assert.deepStrictEqual(writableRootFilesystems(sts.spec.template.spec), []);
    });

    it("gives every container the environment its scripts read, and the password files and the topology only where scripts read them", function () {
      checkContainerInputs(objects, resolveArgs(name, args));
    });

    it("admits the dev stack's clients (app.kubernetes.io/name=shop) to the database port", function () {
      const policy = objects.find((o) => o.kind === "NetworkPolicy")!;
      assert.deepStrictEqual(policy.spec.ingress[1], {
        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "shop" } } }],
        ports: [{ protocol: "TCP", port: 3306 }],
      });
    });

    it("shows placeholders, not passwords or keys, in both Secrets by default", function () {
      const secrets = objects.filter((o) => o.kind === "Secret");
      assert.strictEqual(secrets.length, 2);
      assert.deepStrictEqual(
        Object.values(secrets[0].stringData).filter((v) => v !== PASSWORD_PLACEHOLDER),
        [],
      );
      assert.deepStrictEqual(
        Object.values(secrets[1].stringData).filter((v) => v !== TLS_PLACEHOLDER),
        [],
      );
    });

    it("fills the Secrets from the passwords function and TLS material when given", function () {
      const manifests: Record<string, AnyObject> = objectsByKey(
        renderCluster(resolveArgs(name, args), { passwords: (key) => `value-of-${key}`, tls: TLS_MATERIAL }),
      );
      assert.strictEqual(manifests.credentialsSecret.stringData["root-password"], "value-of-root-password");
      assert.strictEqual(manifests.credentialsSecret.stringData["app-password"], "value-of-app-password");
      assert.deepStrictEqual(manifests.tlsSecret!.stringData, {
        "tls.crt": "CERT-xyz",
        "tls.key": "KEY-xyz",
        "ca.crt": "CA-xyz",
      });
    });
  });

  for (const [description, name, args] of CONFIGURATIONS) {
    describe(`with ${description}`, function () {
      const objects = renderObjects(resolveArgs(name, args)) as AnyObject[];

      it("validates every object against the Kubernetes schema and meets the restricted Pod Security Standard with read-only root filesystems", function () {
        checkAll(objects);
      });

      it("gives every container the environment its scripts read, and the password files and the topology only where scripts read them", function () {
        checkContainerInputs(objects, resolveArgs(name, args));
      });
    });
  }

  /** The objects renderObjects gives for `args`, as kind/name (the config hash dropped). */
  const objectList = (args: MySqlClusterArgs) =>
    (renderObjects(resolveArgs("db", args)) as AnyObject[]).map((o) =>
      `${o.kind}/${o.metadata.name}`.replace(/-[0-9a-f]{10}$/, ""),
    );

  it("renders no credentials Secret with an existingSecret, and still the TLS Secret", function () {
    // Exactly the default list without the credentials Secret: nothing else depends on it.
    const defaults = objectList({});
    assert.ok(defaults.includes("Secret/db-credentials") && defaults.includes("Secret/db-tls"));
    assert.deepStrictEqual(
      objectList({ existingSecret: "mine" }),
      defaults.filter((o) => o !== "Secret/db-credentials"),
    );
  });

  it("renders the ServiceMonitor after the metrics Service with serviceMonitor, and neither with metrics false", function () {
    const defaults = objectList({});
    const metricsAt = defaults.indexOf("Service/db-metrics");
    assert.ok(metricsAt > 0 && !defaults.some((o) => o.startsWith("ServiceMonitor/")), defaults.join(" "));
    assert.deepStrictEqual(objectList({ serviceMonitor: true }), [
      ...defaults.slice(0, metricsAt + 1),
      "ServiceMonitor/db-metrics",
      ...defaults.slice(metricsAt + 1),
    ]);
    assert.deepStrictEqual(
      objectList({ metrics: false, networkPolicy: false }),
      defaults.filter((o) => o !== "Service/db-metrics" && o !== "NetworkPolicy/db"),
    );
  });

  it("renders no TLS Secret with a tlsSecret, and mounts the user's Secret instead", function () {
    const objects = renderObjects(resolveArgs("db", { tlsSecret: "corp-db-tls" })) as AnyObject[];
    assert.deepStrictEqual(
      objects.filter((o) => o.kind === "Secret").map((o) => o.metadata.name),
      ["db-credentials"],
    );
    const sts = objects.find((o) => o.kind === "StatefulSet")!;
    const tls = sts.spec.template.spec.volumes.find((v: AnyObject) => v.name === "tls");
    assert.deepStrictEqual(tls.secret, { secretName: "corp-db-tls", defaultMode: 0o440 });
  });

  it("renders the TLS Secret as type kubernetes.io/tls with exactly tls.crt, tls.key and ca.crt", function () {
    const secret: AnyObject = objectsByKey(renderCluster(resolveArgs("db"), { tls: TLS_MATERIAL })).tlsSecret;
    assert.strictEqual(secret.type, "kubernetes.io/tls");
    assert.deepStrictEqual(Object.keys(secret.stringData).sort(), [TLS_KEYS.ca, TLS_KEYS.cert, TLS_KEYS.key].sort());
    assert.deepStrictEqual(Object.keys(secret.stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
  });

  it("sets require_secure_transport from requireTls (ON by default)", function () {
    const cnf = (args: MySqlClusterArgs): string =>
      (objectsByKey(renderCluster(resolveArgs("db", args))).configMap as AnyObject).data["server.cnf"];
    assert.match(cnf({}), /^require_secure_transport = ON$/m);
    assert.match(cnf({ requireTls: true }), /^require_secure_transport = ON$/m);
    assert.match(cnf({ requireTls: false }), /^require_secure_transport = OFF$/m);
    assert.strictEqual(cnf({ requireTls: false }).match(/require_secure_transport/g)!.length, 1);
    for (const args of [{}, { requireTls: false }]) {
      for (const option of [
        "ssl_cert = /etc/mysql-tls/tls.crt",
        "ssl_key = /etc/mysql-tls/tls.key",
        "ssl_ca = /etc/mysql-tls/ca.crt",
      ]) {
        assert.match(cnf(args), new RegExp(`^${option}$`, "m"), `${option} with ${JSON.stringify(args)}`);
      }
    }
  });

  it("sets storageClassName only when a storageClass is given", function () {
    const claim = (args: MySqlClusterArgs) =>
      (objectsByKey(renderCluster(resolveArgs("db", args))).statefulSet as AnyObject).spec.volumeClaimTemplates[0].spec;
    assert.ok(!("storageClassName" in claim({})));
    assert.strictEqual(claim({ storageClass: "gold" }).storageClassName, "gold");
  });

  describe("secret values (recognisable passwords and TLS key)", function () {
    const cases: [string, string, MySqlClusterArgs][] = [
      ["the dev stack", stackArgs("dev").name, stackArgs("dev").args],
      ...CONFIGURATIONS.filter(([, , args]) => !args.existingSecret),
    ];
    for (const [description, name, args] of cases) {
      it(`appear only in their own Secret's data, for ${description}`, function () {
        const resolved = resolveArgs(name, args);
        const names = clusterNames(resolved);
        const objects = renderObjects(resolved, PASSWORD_OF, TLS_MATERIAL) as AnyObject[];
        const expected: [string, string][] = requiredSecretKeys(resolved).map((key) => [
          PASSWORD_OF(key),
          `Secret/${names.credentialsSecret}:stringData.${key}`,
        ]);
        if (!resolved.tlsSecret)
          expected.push([TLS_MATERIAL.key, `Secret/${names.tlsSecret}:stringData.${TLS_KEYS.key}`]);
        assert.ok(expected.length >= 4);
        for (const [value, where] of expected)
          assert.deepStrictEqual(occurrences(objects, value), [where], `where ${value} occurs`);
        // Nothing that looks like one of them either, in any object but the Secrets.
        for (const obj of objects.filter((o) => o.kind !== "Secret")) {
          const text = JSON.stringify(obj);
          assert.ok(!/pw-xyz|KEY-xyz/.test(text), `${obj.kind} ${obj.metadata.name} contains a secret value`);
        }
      });
    }

    it("stay out of the ConfigMaps, StatefulSet (env, args, command), Services, ServiceMonitor, NetworkPolicy and PodDisruptionBudget of every kind rendered", function () {
      const objects = renderObjects(
        resolveArgs("db", {
          appDatabase: "app",
          appUser: "app",
          clientPodSelector: { app: "x" },
          serviceMonitor: true,
        }),
        PASSWORD_OF,
        TLS_MATERIAL,
      ) as AnyObject[];
      // Every kind but the Secrets is checked below; these must be among them.
      for (const kind of [
        "ConfigMap",
        "StatefulSet",
        "Service",
        "ServiceMonitor",
        "NetworkPolicy",
        "PodDisruptionBudget",
      ])
        assert.ok(
          objects.some((o) => o.kind === kind),
          `no ${kind} rendered`,
        );
      for (const obj of objects.filter((o) => o.kind !== "Secret"))
        assert.ok(
          !/pw-xyz|KEY-xyz/.test(JSON.stringify(obj)),
          `${obj.kind} ${obj.metadata.name} contains a secret value`,
        );
      const sts = objects.find((o) => o.kind === "StatefulSet")!;
      const pod = sts.spec.template.spec;
      for (const c of [...pod.initContainers, ...pod.containers]) {
        const exposed = JSON.stringify([c.env, c.args, c.command, c.startupProbe, c.livenessProbe, c.readinessProbe]);
        assert.ok(!/pw-xyz|KEY-xyz|CERT-xyz|CA-xyz/.test(exposed), `${c.name} exposes a secret value`);
      }
    });
  });

  describe("for random valid settings (fast-check)", function () {
    const quantity = (units: string[], max: number) =>
      fc.tuple(fc.integer({ min: 1, max }), fc.constantFrom(...units)).map(([n, u]) => `${n}${u}`);
    const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
    const labelKey = fc
      .tuple(
        fc.option(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?(\.[a-z]{2,5})?$/), { nil: undefined }),
        fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/),
      )
      .map(([prefix, label]) => (prefix ? `${prefix}/${label}` : label));
    const labelValue = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?)?$/);
    const selector = fc.option(
      fc
        .uniqueArray(fc.tuple(labelKey, labelValue), { minLength: 1, maxLength: 3, selector: ([k]) => k })
        .map((pairs) => Object.fromEntries(pairs)),
      { nil: undefined },
    );
    // Tolerations the API server accepts: Exists without a value, Equal with a key; tolerationSeconds only with NoExecute.
    const toleration = fc.oneof(
      fc.record({
        key: labelKey,
        operator: fc.constant("Equal"),
        value: labelValue,
        effect: fc.constantFrom("NoSchedule", "PreferNoSchedule"),
      }),
      fc.record({ key: labelKey, operator: fc.constant("Exists") }),
      fc.record({
        key: labelKey,
        operator: fc.constant("Exists"),
        effect: fc.constant("NoExecute"),
        tolerationSeconds: fc.nat({ max: 86400 }),
      }),
      fc.constant({ operator: "Exists" }),
    );
    const argsArb = fc
      .record(
        {
          name: fc.stringMatching(/^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/),
          namespace: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/),
          replicas: fc.integer({ min: 1, max: 99 }),
          // Reduced below replicas in the map.
          primaryOrdinal: fc.option(fc.nat({ max: 98 }), { nil: undefined }),
          flavor: fc.constantFrom("mysql" as const, "mariadb" as const),
          storageSize: quantity(["Mi", "Gi", "Ti", "G"], 2000).filter((q) => !/^[0-9]+$/.test(q)),
          storageClass: fc.option(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/), { nil: undefined }),
          storageAccessMode: fc.constantFrom("ReadWriteOnce" as const, "ReadWriteOncePod" as const),
          memoryGi: fc.integer({ min: 1, max: 64 }),
          cpuMillis: fc.integer({ min: 1, max: 16000 }),
          app: fc.option(fc.tuple(identifier, fc.option(identifier, { nil: undefined })), { nil: undefined }),
          existingSecret: fc.option(
            fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?)?$/),
            { nil: undefined },
          ),
          maxReadLagSeconds: fc.integer({ min: 1, max: 86400 }),
          backupParallelism: fc.integer({ min: 1, max: 64 }),
          requireTls: fc.option(fc.boolean(), { nil: undefined }),
          tlsSecret: fc.option(
            fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/).map((n) => `tls.${n}`),
            { nil: undefined },
          ),
          networkPolicy: fc.option(fc.boolean(), { nil: undefined }),
          clientPodSelector: selector,
          clientNamespaceSelector: selector,
          passwordRotation: fc.option(fc.nat(), { nil: undefined }),
          spreadAcrossZones: fc.option(fc.boolean(), { nil: undefined }),
          hardSpread: fc.option(fc.boolean(), { nil: undefined }),
          priorityClassName: fc.option(
            fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?)?$/),
            { nil: undefined },
          ),
          tolerations: fc.option(fc.array(toleration, { maxLength: 3 }), { nil: undefined }),
          semiSync: fc.option(fc.boolean(), { nil: undefined }),
          semiSyncTimeoutMs: fc.option(fc.integer({ min: 100, max: 3_600_000 }), { nil: undefined }),
          failover: fc.option(fc.boolean(), { nil: undefined }),
          failoverLeaseSeconds: fc.option(fc.integer({ min: 5, max: 120 }), { nil: undefined }),
          metrics: fc.option(fc.boolean(), { nil: undefined }),
          // Image references in distribution/reference's grammar (path components of [a-z0-9] joined by "." "_" "__" or dashes).
          exporterImage: fc.option(
            fc.stringMatching(
              /^[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}(\/[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}){0,2}(:[a-z0-9][-a-z0-9._]{0,10})?$/,
            ),
            { nil: undefined },
          ),
          serviceMonitor: fc.option(fc.boolean(), { nil: undefined }),
        },
        { requiredKeys: ["name", "replicas", "flavor", "storageSize", "storageAccessMode", "memoryGi", "cpuMillis"] },
      )
      // One Secret named twice is refused (tested in args.test.ts); so is a ServiceMonitor without metrics.
      .filter(
        (r) =>
          r.existingSecret === undefined || (r.existingSecret !== r.tlsSecret && r.existingSecret !== `${r.name}-tls`),
      )
      .filter((r) => !(r.serviceMonitor === true && r.metrics === false))
      // Selectors without the NetworkPolicy, and a rotation of an existing Secret, are refused (they would do nothing).
      .filter(
        (r) =>
          r.networkPolicy !== false || (r.clientPodSelector === undefined && r.clientNamespaceSelector === undefined),
      )
      .filter((r) => r.existingSecret === undefined || !r.passwordRotation)
      // Failover (on by default) without semi-sync is refused (args.test.ts): it could promote a replica missing commits.
      .filter((r) => !(r.semiSync === false && r.failover !== false))
      .map((r) => {
        const args: MySqlClusterArgs = {
          namespace: r.namespace,
          replicas: r.replicas,
          primaryOrdinal: r.primaryOrdinal === undefined ? undefined : r.primaryOrdinal % r.replicas,
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
          requireTls: r.requireTls,
          tlsSecret: r.tlsSecret,
          networkPolicy: r.networkPolicy,
          clientPodSelector: r.clientPodSelector,
          clientNamespaceSelector: r.clientNamespaceSelector,
          passwordRotation: r.passwordRotation,
          spreadAcrossZones: r.spreadAcrossZones,
          hardSpread: r.hardSpread,
          priorityClassName: r.priorityClassName,
          tolerations: r.tolerations,
          semiSync: r.semiSync,
          semiSyncTimeoutMs: r.semiSyncTimeoutMs,
          failover: r.failover,
          failoverLeaseSeconds: r.failoverLeaseSeconds,
          metrics: r.metrics,
          exporterImage: r.exporterImage,
          serviceMonitor: r.serviceMonitor,
        };
        if (r.app) {
          const [database, user] = r.app;
          // System names are rejected on purpose; keep the generated ones clear of them.
          args.appDatabase = `db_${database}`;
          if (user !== undefined) args.appUser = `u_${user}`;
        }
        return { name: r.name, args };
      });

    it("renders objects that validate, with a pod meeting the restricted Pod Security Standard and read-only root filesystems", function () {
      fc.assert(
        fc.property(argsArb, ({ name, args }) => {
          const resolved = resolveArgs(name, args);
          const objects = renderObjects(resolved) as AnyObject[];
          checkAll(objects);
          const sts = objects.find((o) => o.kind === "StatefulSet")!;
          assert.strictEqual(sts.spec.replicas, args.replicas);
          const secrets = objects.filter((o) => o.kind === "Secret").map((o) => o.metadata.name);
          assert.deepStrictEqual(secrets, [
            ...(args.existingSecret === undefined ? [`${name}-credentials`] : []),
            ...(args.tlsSecret === undefined ? [`${name}-tls`] : []),
          ]);
          assert.strictEqual(
            objects.some((o) => o.kind === "NetworkPolicy"),
            args.networkPolicy !== false,
          );
          checkContainerInputs(objects, resolved);
          // The production objects follow their settings.
          const pod = sts.spec.template.spec;
          const metrics = args.metrics !== false;
          assert.deepStrictEqual(
            objects.filter((o) => o.kind === "PodDisruptionBudget").map((o) => o.spec),
            [{ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: sts.spec.selector }],
          );
          // Each pod's data claim at the current size, before the StatefulSet creates the pod.
          const claims = objects.filter(
            (o) => o.kind === "PersistentVolumeClaim" && o.metadata.name.startsWith("data-"),
          );
          assert.deepStrictEqual(
            claims.map((c) => [c.metadata.name, c.spec.resources.requests.storage]),
            Array.from({ length: resolved.replicas }, (_, n) => [`data-${name}-${n}`, resolved.storageSize]),
          );
          for (const c of claims)
            assert.ok(objects.indexOf(c) < objects.indexOf(sts), `${c.metadata.name} after the StatefulSet`);
          assert.deepStrictEqual(
            objects.filter((o) => o.kind === "Service").map((o) => o.metadata.name),
            [name, `${name}-write`, `${name}-read`, ...(metrics ? [`${name}-metrics`] : [])],
          );
          // The write Service selects the pod its agent labels primary, which no pod template carries;
          // the topology names the stack's primary.
          const primary = args.primaryOrdinal ?? 0;
          const write = objects.find((o) => o.kind === "Service" && o.metadata.name === `${name}-write`)!;
          assert.deepStrictEqual(write.spec.selector, {
            ...sts.spec.selector.matchLabels,
            [FAILOVER_MARKS.roleLabel]: "primary",
          });
          assert.ok(!(FAILOVER_MARKS.roleLabel in sts.spec.template.metadata.labels));
          assert.deepStrictEqual(
            objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${name}-topology`)?.data,
            { "primary-ordinal": String(primary) },
          );
          assert.strictEqual(
            objects.some((o) => o.kind === "ServiceMonitor"),
            args.serviceMonitor === true,
          );
          assert.deepStrictEqual(
            pod.containers.map((c: AnyObject) => c.name),
            ["mysql", "sidecar", ...(metrics ? ["exporter"] : [])],
          );
          const policy = objects.find((o) => o.kind === "NetworkPolicy");
          if (policy)
            assert.strictEqual(
              policy.spec.ingress.some((r: AnyObject) => r.ports.some((p: AnyObject) => p.port === 9104)),
              metrics,
            );
          assert.strictEqual(
            objects.find((o) => o.kind === "Secret" && o.metadata.name === `${name}-credentials`)?.stringData[
              "exporter-password"
            ] !== undefined,
            metrics && args.existingSecret === undefined,
          );
          const cnf: string = objects.find(
            (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith(`${name}-config-`),
          )!.data["server.cnf"];
          const timeouts = [...cnf.matchAll(/^(?:loose_)?rpl_semi_sync_(?:master|source)_timeout = (\d+)$/gm)].map(
            (m) => Number(m[1]),
          );
          // With failover a commit never falls back to asynchronous (config-files.ts, SEMI_SYNC_NO_FALLBACK_MS).
          assert.deepStrictEqual(
            timeouts,
            args.semiSync === false
              ? []
              : [args.failover === false ? (args.semiSyncTimeoutMs ?? 10000) : SEMI_SYNC_NO_FALLBACK_MS],
          );
          assert.strictEqual(pod.priorityClassName, args.priorityClassName);
          assert.deepStrictEqual(pod.tolerations, args.tolerations);
          const anti = pod.affinity.podAntiAffinity;
          assert.deepStrictEqual(Object.keys(anti), [
            args.hardSpread
              ? "requiredDuringSchedulingIgnoredDuringExecution"
              : "preferredDuringSchedulingIgnoredDuringExecution",
          ]);
          assert.strictEqual(pod.topologySpreadConstraints?.length ?? 0, args.spreadAcrossZones ? 1 : 0);
        }),
        { numRuns: 50 },
      );
    });

    it("never lets a password or the TLS key out of its Secret", function () {
      fc.assert(
        fc.property(argsArb, ({ name, args }) => {
          const resolved = resolveArgs(name, args);
          const objects = renderObjects(resolved, PASSWORD_OF, TLS_MATERIAL) as AnyObject[];
          for (const obj of objects) {
            const mine = obj.kind === "Secret";
            assert.ok(
              mine || !/pw-xyz|KEY-xyz/.test(JSON.stringify(obj)),
              `${obj.kind} ${obj.metadata.name} contains a secret value`,
            );
          }
          const tls = objects.find((o) => o.kind === "Secret" && o.metadata.name === `${name}-tls`);
          if (tls) assert.ok(!/pw-xyz/.test(JSON.stringify(tls)), "the TLS Secret holds a password");
          const credentials = objects.find((o) => o.kind === "Secret" && o.metadata.name === `${name}-credentials`);
          if (credentials)
            assert.ok(!/KEY-xyz/.test(JSON.stringify(credentials)), "the credentials Secret holds the TLS key");
        }),
        { numRuns: 50 },
      );
    });
  });
});
