// Stack settings (`pulumi config set <key> <value>`) and how each becomes a
// component argument. One table serves the stack program, `npm run render`
// (which reads Pulumi.<stack>.yaml without the CLI) and the test that keeps
// Pulumi.yaml and the README in step with it. Given every key of the stack,
// argsFromConfig also refuses keys the program would silently ignore.

import { DEFAULTS, MySqlClusterArgs, MySqlClusterConfigError, parseLabelSelector, resolveArgs } from "./args";

/** The project's name (Pulumi.yaml), which is the namespace of its config keys ("mysql-cluster:replicas"). */
export const PROJECT = "mysql-cluster";
/**
 * Config namespaces of the providers and engine this program uses, whose keys
 * (e.g. "kubernetes:context", "pulumi:disable-default-providers") are theirs to read.
 */
export const PROVIDER_NAMESPACES = ["kubernetes", "random", "tls", "pulumi"];

export interface StackSetting {
  key: string;
  type: "string" | "integer" | "boolean";
  default?: string | number | boolean;
  description: string;
}

export const STACK_SETTINGS: StackSetting[] = [
  { key: "clusterName", type: "string", default: "mysql", description: "Name of the cluster; every Kubernetes name derives from it (StatefulSet, Services, Secret). Fixed at creation." },
  { key: "namespace", type: "string", default: DEFAULTS.namespace, description: "Kubernetes namespace of every object. Fixed at creation." },
  { key: "replicas", type: "integer", default: DEFAULTS.replicas, description: "Number of pods: 1 primary plus replicas-1 read-only replicas (1 to 99). Change it to scale." },
  { key: "primaryOrdinal", type: "integer", default: DEFAULTS.primaryOrdinal, description: "Ordinal of the pod that takes writes. 0 at creation; change it on a running cluster for a planned switchover (the write endpoint follows)." },
  { key: "flavor", type: "string", default: DEFAULTS.flavor, description: "\"mysql\" (MySQL 8.4 LTS + XtraBackup 8.4) or \"mariadb\" (MariaDB 11.4 LTS). Fixed at creation." },
  { key: "image", type: "string", description: "Server image; default mysql:8.4 or mariadb:11.4 by flavor. A change rolls the pods, primary last." },
  { key: "backupImage", type: "string", description: "Image of the clone step and sidecar; default percona/percona-xtrabackup:8.4 or mariadb:11.4 by flavor." },
  { key: "storageSize", type: "string", default: DEFAULTS.storageSize, description: "Data volume size per pod (Kubernetes quantity). Can grow (volume expansion), never shrink." },
  { key: "storageClass", type: "string", description: "StorageClass of the data volumes; default: the cluster's default class. Fixed at creation." },
  { key: "storageAccessMode", type: "string", default: DEFAULTS.storageAccessMode, description: "\"ReadWriteOnce\" or \"ReadWriteOncePod\". Fixed at creation." },
  { key: "cpuRequest", type: "string", default: DEFAULTS.cpuRequest, description: "CPU request of the database container." },
  { key: "cpuLimit", type: "string", description: "CPU limit of the database container; default none." },
  { key: "memoryRequest", type: "string", default: DEFAULTS.memoryRequest, description: "Memory request of the database container (at least 256Mi)." },
  { key: "memoryLimit", type: "string", default: DEFAULTS.memoryLimit, description: "Memory limit of the database container; the InnoDB buffer pool is half of it." },
  { key: "appDatabase", type: "string", description: "Database created for the application; default none." },
  { key: "appUser", type: "string", description: "Application user with every privilege on appDatabase only; needs appDatabase. Default none." },
  { key: "existingSecret", type: "string", description: "Use this existing Secret's passwords instead of generating them (keys in the README). Fixed at creation." },
  { key: "clusterDomain", type: "string", default: DEFAULTS.clusterDomain, description: "The cluster's DNS domain, for the fully qualified endpoints." },
  { key: "maxReadLagSeconds", type: "integer", default: DEFAULTS.maxReadLagSeconds, description: "A replica lagging more than this (or with replication stopped) leaves the read Service until it catches up." },
  { key: "backupParallelism", type: "integer", default: DEFAULTS.backupParallelism, description: "Threads the hot backup uses to copy data files, and the receiver to unpack them, when a replica is cloned or backed up (1 to 64)." },
  { key: "requireTls", type: "boolean", default: DEFAULTS.requireTls, description: "Refuse unencrypted client connections. Replication and clone streams always use TLS." },
  { key: "tlsSecret", type: "string", description: "Existing Secret with tls.crt, tls.key and ca.crt to use instead of the generated CA and certificate. Fixed at creation." },
  { key: "networkPolicy", type: "boolean", default: DEFAULTS.networkPolicy, description: "Create a NetworkPolicy admitting only the cluster's pods and the named clients (needs a policy engine)." },
  { key: "clientPodSelector", type: "string", description: "Labels (key=value,...) of the client pods allowed to reach the database port." },
  { key: "clientNamespaceSelector", type: "string", description: "Labels (key=value,...) of namespaces whose pods may reach the database port (with clientPodSelector: only those pods there)." },
  { key: "spreadAcrossZones", type: "boolean", default: DEFAULTS.spreadAcrossZones, description: "Spread pods across zones as well as nodes." },
  { key: "hardSpread", type: "boolean", default: DEFAULTS.hardSpread, description: "Require the spread (pods stay Pending rather than share a node or zone) instead of preferring it." },
  { key: "priorityClassName", type: "string", description: "PriorityClass of the pods; default none." },
  { key: "tolerations", type: "string", description: "Tolerations of the pods as a JSON array, e.g. [{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"db\",\"effect\":\"NoSchedule\"}]." },
  { key: "semiSync", type: "boolean", default: DEFAULTS.semiSync, description: "Semi-synchronous replication: a commit is acknowledged only once a replica has it." },
  { key: "semiSyncTimeoutMs", type: "integer", default: DEFAULTS.semiSyncTimeoutMs, description: "How long a commit waits for a replica before the primary falls back to asynchronous replication (ms)." },
  { key: "metrics", type: "boolean", default: DEFAULTS.metrics, description: "Run a Prometheus mysqld exporter sidecar and a metrics Service (port 9104)." },
  { key: "backupSchedule", type: "string", description: "Cron schedule (UTC) of backups taken from a replica into the backup volume, e.g. \"0 3 * * *\". Unset: no backups." },
  { key: "backupRetention", type: "integer", default: DEFAULTS.backupRetention, description: "Complete backups kept; older ones are deleted after each successful backup." },
  { key: "backupStorageSize", type: "string", default: DEFAULTS.backupStorageSize, description: "Size of the backup volume; it must hold backupRetention copies of the data." },
  { key: "backupStorageClass", type: "string", description: "StorageClass of the backup volume; default the cluster's default class." },
  { key: "restoreFromClaim", type: "string", description: "PVC in the namespace holding backups (e.g. another cluster's \"<name>-backups\"): a new cluster starts from one of them." },
  { key: "restoreBackup", type: "string", default: DEFAULTS.restoreBackup, description: "Which backup restoreFromClaim restores: \"latest\" or a backup's name (UTC time, e.g. 20261125T030000Z)." },
  { key: "exporterImage", type: "string", default: DEFAULTS.exporterImage, description: "Image of the metrics exporter." },
  { key: "serviceMonitor", type: "boolean", default: DEFAULTS.serviceMonitor, description: "Create a ServiceMonitor for the Prometheus Operator (needs its CRDs)." },
  { key: "serviceMonitorLabels", type: "string", description: "Extra labels (key=value,...) of the ServiceMonitor, for a Prometheus that selects by label, e.g. release=kube-prometheus-stack. Needs serviceMonitor." },
  { key: "passwordRotation", type: "integer", default: DEFAULTS.passwordRotation, description: "Raise by one to generate new passwords; the pods apply them without downtime." },
];

/** Edit distance between two keys, ignoring case (so "AppDatabase" is a near miss of "appDatabase"). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}

/** The declared setting closest to `key`, when it is a near miss (a few characters off, or only the case differs). */
export function closestSetting(key: string): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const setting of STACK_SETTINGS) {
    const d = distance(key, setting.key);
    if (!best || d < best.d) best = { key: setting.key, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 4)) ? best.key : undefined;
}

/** Whether a config namespace looks like a misspelling of the project's ("mysql", "MySQL-Cluster", "mysql-clustr"). */
function resemblesProject(namespace: string, project: string): boolean {
  const plain = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  const [ns, own] = [plain(namespace), plain(project)];
  // Containment only from 4 characters on, and few edits for a short name: a project "db" must not claim "aws".
  const contains = Math.min(ns.length, own.length) >= 4 && (own.includes(ns) || ns.includes(own));
  return contains || distance(ns, own) <= Math.floor(own.length / 4);
}

/**
 * Problems with the stack's config keys ("<namespace>:<key>"): a key of this
 * project that no setting declares (a typo such as "replica" would otherwise
 * deploy the default), and a key under a namespace that looks like a
 * misspelling of this project's ("mysql:replicas") or is this program's
 * usual one in a renamed project. Keys under any other
 * namespace are left alone: they are other programs' and providers' (a Pulumi
 * ESC environment a stack imports puts its whole pulumiConfig, "aws:region"
 * and the like, into every stack that uses it, and refusing them would block
 * `pulumi up` for every such stack). Values are never shown: a key under
 * another namespace may hold a secret.
 */
export function configKeyProblems(fullKeys: string[], project = PROJECT): string[] {
  const problems: string[] = [];
  for (const fullKey of fullKeys) {
    const colon = fullKey.indexOf(":");
    const [namespace, key] = colon >= 0 ? [fullKey.slice(0, colon), fullKey.slice(colon + 1)] : [project, fullKey];
    if (namespace === project) {
      if (STACK_SETTINGS.some((s) => s.key === key)) continue;
      const near = closestSetting(key);
      problems.push(`setting "${key}": not a setting of this stack${near ? `; did you mean "${near}"?` : ""} (the settings are declared in Pulumi.yaml and listed in the README)`);
    } else if (!PROVIDER_NAMESPACES.includes(namespace) && (resemblesProject(namespace, project) || resemblesProject(namespace, PROJECT))) {
      // (PROJECT too: a renamed project's stack file still holds the keys under the old name, which Pulumi does not rewrite.)
      const near = closestSetting(key);
      problems.push(`setting "${fullKey}": its namespace "${namespace}" is not this project's ("${project}:<setting>"), so the program would not read it` +
        (near ? `; did you mean "${project}:${near}"?` : ""));
    }
  }
  return problems;
}

/**
 * Stack config as the component's name and args. `get` returns the raw string
 * value of a setting, or undefined. With `allKeys` (every config key of the
 * stack, "<namespace>:<key>", as pulumi.runtime.allConfig() gives them), the
 * keys and every value are checked here, and one MySqlClusterConfigError lists
 * every problem, the cluster's name being called "clusterName" as in the stack.
 * `project` is the project's name as Pulumi.yaml has it (pulumi.getProject()):
 * the namespace of the stack's own keys, which a renamed project changes.
 */
export function argsFromConfig(get: (key: string) => string | undefined, allKeys?: string[], project = PROJECT): { name: string; args: MySqlClusterArgs } {
  const values: Record<string, unknown> = {};
  for (const setting of STACK_SETTINGS) {
    const raw = get(setting.key);
    if (raw === undefined || raw === "") continue;
    // A value that is not a number is passed on as it is, so that validation
    // reports it by setting name with what is accepted. Numbers and booleans
    // may have spaces around them: only the parsed value is used.
    const text = raw.trim();
    if (setting.type === "integer" && /^-?\d+(\.\d+)?$/.test(text)) values[setting.key] = Number(text);
    else if (setting.type === "boolean" && (text === "true" || text === "false")) values[setting.key] = text === "true";
    else if (setting.key === "serviceMonitorLabels") values[setting.key] = parseLabelSelector(raw) ?? raw;
    else values[setting.key] = raw;
  }
  const { clusterName, ...rest } = values;
  const result = { name: (clusterName as string | undefined) ?? "mysql", args: rest as MySqlClusterArgs };
  if (allKeys !== undefined) {
    const problems = configKeyProblems(allKeys, project);
    try {
      resolveArgs(result.name, result.args, { nameSetting: "clusterName" });
    } catch (error) {
      if (!(error instanceof MySqlClusterConfigError)) throw error;
      problems.push(...error.problems);
    }
    if (problems.length > 0) throw new MySqlClusterConfigError(problems);
  }
  return result;
}
