// The component's inputs: the typed Args users pass, the defaults applied in
// this one place, and the validation that turns bad input into one clear error
// at preview time, before any object is created.

import { FLAVORS, FLAVOR_SPECS, Flavor } from "./flavors";
import { clusterNames } from "./names";
import { parseQuantity } from "./quantity";

export interface MySqlClusterArgs {
  /** Namespace every object is created in. Default "default". */
  namespace?: string;
  /** Number of pods: one primary (ordinal primaryOrdinal), the rest are read-only replicas. Default 3. */
  replicas?: number;
  /**
   * Ordinal of the pod that takes writes. Default 0. A new cluster starts with 0; changing it
   * on a running cluster is a planned switchover (no acknowledged commit lost; the write
   * Service follows). Must be below replicas.
   */
  primaryOrdinal?: number;
  /** "mysql" (MySQL 8.4 LTS + XtraBackup 8.4) or "mariadb" (MariaDB 11.4 LTS). Default "mysql". */
  flavor?: Flavor;
  /** Server image. Default: the flavor's (mysql:8.4 or mariadb:11.4). */
  image?: string;
  /** Image for the clone init step and the sidecar. Default: the flavor's (percona/percona-xtrabackup:8.4 or mariadb:11.4). */
  backupImage?: string;
  /** Size of each pod's data volume (a Kubernetes quantity). Default "10Gi". Can grow later, never shrink. */
  storageSize?: string;
  /** StorageClass of the data volumes. Default: the cluster's default class. Fixed at creation. */
  storageClass?: string;
  /** Access mode of the data volumes: "ReadWriteOnce" or "ReadWriteOncePod". Default "ReadWriteOnce". Fixed at creation. */
  storageAccessMode?: "ReadWriteOnce" | "ReadWriteOncePod";
  /** CPU request of the database container. Default "500m". */
  cpuRequest?: string;
  /** CPU limit of the database container. Default: none. */
  cpuLimit?: string;
  /** Memory request of the database container. Default "1Gi". */
  memoryRequest?: string;
  /** Memory limit of the database container; the InnoDB buffer pool is half of it. Default "1Gi". */
  memoryLimit?: string;
  /** Database created for the application. Default: none. */
  appDatabase?: string;
  /** Application user, granted everything on appDatabase only. Needs appDatabase. Default: none. */
  appUser?: string;
  /** Name of an existing Secret holding the passwords (keys as in README) instead of generated ones. Fixed at creation. Default: generate. */
  existingSecret?: string;
  /** The cluster's DNS domain, for the fully qualified endpoints. Default "cluster.local". */
  clusterDomain?: string;
  /** A replica lagging more than this many seconds (or with replication stopped) is taken out of the read Service. Default 10. */
  maxReadLagSeconds?: number;
  /** Threads the hot backup uses to copy data files, and the receiver to unpack them, when a replica is cloned or backed up. Default 4. */
  backupParallelism?: number;
  /** Refuse every unencrypted client connection (require_secure_transport). Replication and backups always use TLS. Default true. */
  requireTls?: boolean;
  /** Name of an existing Secret with tls.crt, tls.key and ca.crt instead of the generated CA and certificate. Default: generate. */
  tlsSecret?: string;
  /** Create a NetworkPolicy that admits only the cluster's own pods and the named clients. Default true. */
  networkPolicy?: boolean;
  /** Labels ("key=value,key2=value2") of client pods allowed to reach the database port. Default: none. */
  clientPodSelector?: string;
  /** Labels ("key=value,...") of namespaces whose pods may reach the database port. Default: none (only clientPodSelector in the cluster's namespace). */
  clientNamespaceSelector?: string;
  /** Bump to generate new passwords; the pods apply them without downtime. Default 0. */
  passwordRotation?: number;
  /** Spread pods across zones (topology.kubernetes.io/zone) as well as nodes. Default false. */
  spreadAcrossZones?: boolean;
  /** Make the spread a scheduling requirement instead of a preference (pods stay Pending rather than share a node or zone). Default false. */
  hardSpread?: boolean;
  /** PriorityClass of the pods. Default: none. */
  priorityClassName?: string;
  /** Tolerations of the pods, as a JSON array of Kubernetes Toleration objects. Default: none. */
  tolerations?: string;
  /** Semi-synchronous replication: the primary acknowledges a commit only once a replica has it. Default true. */
  semiSync?: boolean;
  /** How long a commit waits for a replica before the primary falls back to asynchronous replication, in ms. Default 10000. */
  semiSyncTimeoutMs?: number;
  /** Run a Prometheus exporter sidecar and a metrics Service. Default true. */
  metrics?: boolean;
  /** Exporter image. Default "prom/mysqld-exporter:v0.16.0". */
  exporterImage?: string;
  /** Create a ServiceMonitor for the Prometheus Operator (needs its CRDs). Default false. */
  serviceMonitor?: boolean;
  /**
   * Extra labels of the ServiceMonitor, for a Prometheus whose serviceMonitorSelector
   * picks ServiceMonitors by label (kube-prometheus-stack: `release: <its release name>`).
   * Needs serviceMonitor. Default: none.
   */
  serviceMonitorLabels?: Record<string, string>;
  /** Cron schedule (UTC, e.g. "0 3 * * *") of backups taken from a replica into the backup volume. Default: no backups. */
  backupSchedule?: string;
  /** How many complete backups to keep; older ones are deleted after each successful backup. Default 7. */
  backupRetention?: number;
  /** Size of the backup volume (a Kubernetes quantity); it must hold backupRetention backups of the data. Default "50Gi". */
  backupStorageSize?: string;
  /** StorageClass of the backup volume. Default: the cluster's default class. */
  backupStorageClass?: string;
  /** Name of a PVC in the namespace holding backups (another cluster's "<name>-backups"): a new cluster starts from one. Default: none. */
  restoreFromClaim?: string;
  /** Which backup restoreFromClaim restores: "latest" or a backup's name (its UTC time, e.g. "20261125T030000Z"). Default "latest". */
  restoreBackup?: string;
}

/** Args with every default applied and every value checked. */
export interface ResolvedArgs {
  name: string;
  namespace: string;
  replicas: number;
  primaryOrdinal: number;
  flavor: Flavor;
  image: string;
  backupImage: string;
  storageSize: string;
  storageClass?: string;
  storageAccessMode: "ReadWriteOnce" | "ReadWriteOncePod";
  cpuRequest: string;
  cpuLimit?: string;
  memoryRequest: string;
  memoryLimit: string;
  appDatabase?: string;
  appUser?: string;
  existingSecret?: string;
  clusterDomain: string;
  maxReadLagSeconds: number;
  backupParallelism: number;
  requireTls: boolean;
  tlsSecret?: string;
  networkPolicy: boolean;
  clientPodSelector?: Record<string, string>;
  clientNamespaceSelector?: Record<string, string>;
  passwordRotation: number;
  spreadAcrossZones: boolean;
  hardSpread: boolean;
  priorityClassName?: string;
  tolerations?: Record<string, unknown>[];
  semiSync: boolean;
  semiSyncTimeoutMs: number;
  metrics: boolean;
  exporterImage: string;
  serviceMonitor: boolean;
  serviceMonitorLabels?: Record<string, string>;
  backupSchedule?: string;
  backupRetention: number;
  backupStorageSize: string;
  backupStorageClass?: string;
  restoreFromClaim?: string;
  restoreBackup: string;
}

export const DEFAULTS = {
  namespace: "default",
  replicas: 3,
  primaryOrdinal: 0,
  backupRetention: 7,
  backupStorageSize: "50Gi",
  restoreBackup: "latest",
  flavor: "mysql" as Flavor,
  storageSize: "10Gi",
  storageAccessMode: "ReadWriteOnce" as const,
  cpuRequest: "500m",
  memoryRequest: "1Gi",
  memoryLimit: "1Gi",
  clusterDomain: "cluster.local",
  maxReadLagSeconds: 10,
  backupParallelism: 4,
  requireTls: true,
  networkPolicy: true,
  passwordRotation: 0,
  spreadAcrossZones: false,
  hardSpread: false,
  semiSync: true,
  semiSyncTimeoutMs: 10000,
  metrics: true,
  exporterImage: "prom/mysqld-exporter:v0.16.0",
  serviceMonitor: false,
};

export const MAX_REPLICAS = 99;
/**
 * StatefulSet pods carry a controller-revision-hash label "<name>-<10 chars>",
 * and label values stop at 63 characters, so the name stops at 52.
 */
export const MAX_NAME_LENGTH = 52;
/** The backup CronJob "<name>-backup" may have at most 52 characters (its Jobs add 11). */
export const MAX_NAME_LENGTH_WITH_BACKUPS = 45;
/**
 * Database users the cluster or its probes log in as (scripts/ensure-users.sh,
 * probe.sh, the exporter), and the servers' built-in accounts and roles; the
 * application user must not take one of them. A test reads every user name the
 * scripts use and checks it is listed here.
 */
export const RESERVED_USERS = ["root", "replicator", "backup", "monitor", "exporter", "probe", "mysql", "mariadb.sys", "mysql.sys",
  "mysql.session", "mysql.infoschema", "public"];
export const RESERVED_DATABASES = ["mysql", "sys", "information_schema", "performance_schema", "cluster_meta"];
/** The largest storageSize / backupStorageSize: 1Ei, far beyond any volume, well inside the API server's 2^63-1. */
export const MAX_STORAGE_BYTES = 2 ** 60;
/**
 * The largest memoryLimit: 64Ti. The buffer pool is half of it in whole MiB, and
 * below this bound that is an integer JavaScript prints without an exponent
 * (server.cnf must never read "5.76e+25"); no machine offers more memory to a pod.
 */
export const MAX_MEMORY_BYTES = 64 * 2 ** 40;
/** The largest CPU request or limit, in cores: beyond any node, and small enough to stay an exact number. */
export const MAX_CPU_CORES = 10_000;

/** Thrown for invalid settings; its message names each bad setting and what it accepts. */
export class MySqlClusterConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid MySqlCluster settings:\n  - ${problems.join("\n  - ")}`);
    this.name = "MySqlClusterConfigError";
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A DNS-1123 subdomain of at most 253 characters, as the API server checks object names (IsDNS1123Subdomain). */
function isDnsSubdomain(value: unknown): value is string {
  return typeof value === "string" && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/**
 * An image reference as the container runtimes parse it: distribution/reference's
 * grammar (github.com/distribution/reference regexp.go, ReferenceRegexp), i.e.
 * [domain[:port]/]path-component[/path-component...][:tag][@digest], with the
 * name at most 255 characters (reference.go NameTotalLengthMax). Anything else
 * (spaces, ";", "$(", quotes, invisible characters) is not an image. A digest is
 * then checked by digest.Parse (reference.go Parse; opencontainers/go-digest
 * algorithm.go): only sha256, sha384 and sha512, in lower-case hex of exactly
 * 64, 96 or 128 digits. The API server stores any image string, but the kubelet
 * refuses such a digest (InvalidImageName), so pods would never start.
 */
const IMAGE_NAME_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const IMAGE_DOMAIN = "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
const IMAGE_REFERENCE = new RegExp(
  `^((?:${IMAGE_DOMAIN}/)?${IMAGE_NAME_COMPONENT}(?:/${IMAGE_NAME_COMPONENT})*)` +
  "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?" +
  "(?:@(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}))?$",
);

export function isImageReference(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const match = IMAGE_REFERENCE.exec(value);
  return match !== null && match[1].length <= 255;
}

/** The @ descriptors robfig/cron v3 accepts (parser.go parseDescriptor) that Kubernetes documents; "@every <duration>" is refused. */
const CRON_SHORTHAND = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;
/** Each cron field's range and names, as robfig/cron v3 spec.go's bounds: day of week is 0-6 (7 is refused). */
const CRON_FIELDS: { min: number; max: number; names?: string[] }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

/**
 * Whether the API server accepts `schedule` as a CronJob's spec.schedule, and it
 * means what it says. Kubernetes (pkg/apis/batch/validation/validation.go,
 * validateScheduleFormat) parses it with robfig/cron v3's ParseStandard
 * (parser.go): five whitespace-separated fields, or a descriptor; each field a
 * comma-separated list of "*", "?" (same as "*"), a value, or a range a-b, each
 * with an optional /step (step >= 1); values are whole numbers within the
 * field's bounds (day of week 0-6) or, for month and day of week, the
 * three-letter names in any case. "TZ=" / "CRON_TZ=" prefixes are refused by
 * Kubernetes for new CronJobs (any "TZ" in the schedule: "use timeZone field
 * instead"). Stricter than the parser where it would accept nonsense: empty
 * list items (",5"), "*-5", signed numbers ("+5") and "@every" are refused,
 * and so are leading or trailing spaces (kept verbatim in the manifest).
 */
export function isCronSchedule(schedule: string): boolean {
  if (typeof schedule !== "string" || schedule !== schedule.trim() || schedule.includes("TZ")) return false;
  if (CRON_SHORTHAND.test(schedule)) return true;
  const fields = schedule.split(/[ \t]+/);
  if (fields.length !== 5) return false;
  return fields.every((field, i) => {
    const { min, max, names } = CRON_FIELDS[i];
    const value = (text: string): number | undefined => {
      const named = names?.indexOf(text.toUpperCase()) ?? -1;
      if (named >= 0) return min + named;
      return /^[0-9]+$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined;
    };
    return field.split(",").every((item) => {
      const [range, step, extra] = item.split("/");
      if (extra !== undefined || (step !== undefined && !/^0*[1-9][0-9]*$/.test(step))) return false;
      if (range === "*" || range === "?") return true;
      const [from, to, more] = range.split("-");
      if (more !== undefined) return false;
      const a = value(from);
      const b = to === undefined ? a : value(to);
      return a !== undefined && b !== undefined && a <= b;
    });
  });
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A label or annotation key: [DNS subdomain prefix (<= 253) "/"] name (<= 63), as apimachinery's IsQualifiedName. */
export function isQualifiedName(key: unknown): key is string {
  if (typeof key !== "string") return false;
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  return LABEL_NAME.test(name) && (prefix === undefined || (prefix.length > 0 && isDnsSubdomain(prefix)));
}

/** A label value: empty, or at most 63 characters as apimachinery's IsValidLabelValue. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === "string" && LABEL_VALUE.test(value);
}

/**
 * "k=v,k2=v2" as a label map, or undefined when it is not one. Spaces after a
 * comma are allowed (only the parsed keys and values reach the manifest), but
 * not around the whole value, like every other setting; a key given twice is
 * refused, not silently overwritten.
 */
export function parseLabelSelector(text: string): Record<string, string> | undefined {
  if (typeof text !== "string" || text !== text.trim()) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const [key, value, ...rest] = pair.trim().split("=");
    if (rest.length > 0 || value === undefined || !isQualifiedName(key) || !isLabelValue(value) || key in labels) return undefined;
    labels[key] = value;
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}

/** How the errors describe Kubernetes label syntax. */
const LABEL_RULES = "keys: an optional DNS-subdomain prefix and \"/\", then up to 63 letters, digits, \"-\", \"_\" or \".\", starting and ending with a letter or digit; values: the same without a prefix, or empty";

/** Labels given as a map (TypeScript) or as "k=v,..." (stack config), checked as the API server checks labels; undefined when invalid. */
function labelMap(value: unknown): Record<string, string> | undefined {
  if (typeof value === "string") return parseLabelSelector(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([k, v]) => isQualifiedName(k) && isLabelValue(v))) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

const TOLERATION_FIELDS = new Set(["key", "operator", "value", "effect", "tolerationSeconds"]);

const TOLERATION_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Whether one toleration passes the API server's checks (its ValidateTolerations). */
function validToleration(t: unknown): boolean {
  if (t === null || typeof t !== "object" || Array.isArray(t)) return false;
  const r = t as Record<string, unknown>;
  if (!Object.keys(r).every((k) => TOLERATION_FIELDS.has(k))) return false;
  const { key = "", value = "", effect = "", tolerationSeconds } = r;
  // An empty operator means Equal, as the API server reads it (ValidateTolerations: case TolerationOpEqual, "").
  const operator = r.operator === undefined || r.operator === "" ? "Equal" : r.operator;
  if (typeof key !== "string" || typeof operator !== "string" || typeof value !== "string" || typeof effect !== "string") return false;
  if (key !== "" && !isQualifiedName(key)) return false;
  if (operator !== "Exists" && operator !== "Equal") return false;
  if (key === "" && operator !== "Exists") return false; // only Exists may match every key
  if (operator === "Exists" ? value !== "" : !TOLERATION_VALUE.test(value)) return false;
  if (!["", "NoSchedule", "PreferNoSchedule", "NoExecute"].includes(effect)) return false;
  if (tolerationSeconds !== undefined && (!Number.isInteger(tolerationSeconds) || effect !== "NoExecute")) return false;
  return true;
}

/** A JSON array of tolerations the API server accepts, or undefined when it is not one. */
export function parseTolerations(text: string): Record<string, unknown>[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every(validToleration)) return undefined;
  return parsed as Record<string, unknown>[];
}

/** The value as the error shows it: strings quoted, with every character outside printable ASCII escaped (so invisible ones show). */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (value !== null && typeof value === "object") {
    try {
      return shown(JSON.stringify(value)).slice(1, -1);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

export interface ResolveOptions {
  /** What the cluster's name is called in errors: "name" for the component, "clusterName" for the stack. */
  nameSetting?: string;
}

/** Applies the defaults and checks every setting; throws one MySqlClusterConfigError listing every problem. */
export function resolveArgs(name: string, args: MySqlClusterArgs = {}, options: ResolveOptions = {}): ResolvedArgs {
  const problems: string[] = [];
  const nameSetting = options.nameSetting ?? "name";
  const bad = (setting: string, value: unknown, accepted: string) => {
    // A value that would be right but for spaces around it gets told so: the spaces are easy to miss in the quotes.
    const spaces = typeof value === "string" && value !== value.trim() ? " (without leading or trailing spaces)" : "";
    problems.push(`setting "${setting}": got ${shown(value)}; expected ${accepted}${spaces}`);
  };

  if (typeof name !== "string" || !DNS_1035_LABEL.test(name) || name.length > MAX_NAME_LENGTH) {
    bad(nameSetting, name, `a DNS label of at most ${MAX_NAME_LENGTH} characters (lower-case letters, digits and "-", starting with a letter), so that pod names "<name>-N" stay valid`);
  }

  const namespace = args.namespace ?? DEFAULTS.namespace;
  if (typeof namespace !== "string" || !DNS_LABEL.test(namespace) || namespace.length > 63) {
    bad("namespace", namespace, "a DNS label of at most 63 characters (lower-case letters, digits and \"-\")");
  }

  const replicas = args.replicas ?? DEFAULTS.replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    bad("replicas", replicas, `a whole number from 1 to ${MAX_REPLICAS} (1 primary plus replicas-1 read replicas)`);
  }

  const primaryOrdinal = args.primaryOrdinal ?? DEFAULTS.primaryOrdinal;
  // Compared with replicas only when that is valid: a bad replicas is its own (one) problem.
  const replicasValid = typeof replicas === "number" && Number.isInteger(replicas) && replicas >= 1 && replicas <= MAX_REPLICAS;
  if (typeof primaryOrdinal !== "number" || !Number.isInteger(primaryOrdinal) || primaryOrdinal < 0 ||
      (replicasValid && primaryOrdinal >= replicas)) {
    bad("primaryOrdinal", primaryOrdinal, `the ordinal of an existing pod: a whole number from 0 to replicas-1 (${replicasValid ? replicas - 1 : "?"}); to scale down past the primary, switch it to a lower ordinal first`);
  }

  const flavor = args.flavor ?? DEFAULTS.flavor;
  const knownFlavor = FLAVORS.includes(flavor);
  if (!knownFlavor) bad("flavor", flavor, `one of ${FLAVORS.map((f) => `"${f}"`).join(", ")}`);
  const spec = FLAVOR_SPECS[knownFlavor ? flavor : DEFAULTS.flavor];

  const imageAccepted = "an image reference [registry[:port]/]name[:tag][@digest] (lower-case path components; no spaces, quotes or other characters), e.g. ";
  const image = args.image ?? spec.serverImage;
  if (!isImageReference(image)) bad("image", image, `${imageAccepted}"mysql:8.4"`);
  const backupImage = args.backupImage ?? spec.backupImage;
  if (!isImageReference(backupImage)) bad("backupImage", backupImage, `${imageAccepted}"percona/percona-xtrabackup:8.4"`);

  const storageSize = args.storageSize ?? DEFAULTS.storageSize;
  const storageBytes = typeof storageSize === "string" ? parseQuantity(storageSize) : undefined;
  if (storageBytes === undefined || storageBytes < 2 ** 20 || storageBytes > MAX_STORAGE_BYTES) {
    bad("storageSize", storageSize, "a Kubernetes quantity of at least 1Mi and at most 1Ei, e.g. \"10Gi\", \"500Gi\" or \"1e10\"");
  }

  if (args.storageClass !== undefined && !isDnsSubdomain(args.storageClass)) {
    bad("storageClass", args.storageClass, "the name of a StorageClass (a DNS subdomain), or unset for the cluster's default");
  }

  const storageAccessMode = args.storageAccessMode ?? DEFAULTS.storageAccessMode;
  if (storageAccessMode !== "ReadWriteOnce" && storageAccessMode !== "ReadWriteOncePod") {
    bad("storageAccessMode", storageAccessMode, "\"ReadWriteOnce\" or \"ReadWriteOncePod\"");
  }

  const cpuRequest = args.cpuRequest ?? DEFAULTS.cpuRequest;
  const cpuRequestCores = typeof cpuRequest === "string" ? parseQuantity(cpuRequest) : undefined;
  if (cpuRequestCores === undefined || cpuRequestCores <= 0 || cpuRequestCores > MAX_CPU_CORES) {
    bad("cpuRequest", cpuRequest, `a CPU quantity above zero, at most ${MAX_CPU_CORES}, e.g. "500m" or "2"`);
  }
  if (args.cpuLimit !== undefined) {
    const cpuLimitCores = typeof args.cpuLimit === "string" ? parseQuantity(args.cpuLimit) : undefined;
    if (cpuLimitCores === undefined || cpuLimitCores <= 0 || cpuLimitCores > MAX_CPU_CORES) {
      bad("cpuLimit", args.cpuLimit, `a CPU quantity above zero, at most ${MAX_CPU_CORES}, e.g. "2", or unset for no limit`);
    }
    else if (cpuRequestCores !== undefined && cpuLimitCores < cpuRequestCores) bad("cpuLimit", args.cpuLimit, `at least cpuRequest (${cpuRequest})`);
  }

  const memoryRequest = args.memoryRequest ?? DEFAULTS.memoryRequest;
  const memoryRequestBytes = typeof memoryRequest === "string" ? parseQuantity(memoryRequest) : undefined;
  if (memoryRequestBytes === undefined || memoryRequestBytes < 256 * 2 ** 20 || memoryRequestBytes > MAX_MEMORY_BYTES) {
    bad("memoryRequest", memoryRequest, "a memory quantity of at least 256Mi and at most 64Ti, e.g. \"1Gi\"");
  }
  const memoryLimit = args.memoryLimit ?? DEFAULTS.memoryLimit;
  const memoryLimitBytes = typeof memoryLimit === "string" ? parseQuantity(memoryLimit) : undefined;
  if (memoryLimitBytes === undefined || memoryLimitBytes < 256 * 2 ** 20 || memoryLimitBytes > MAX_MEMORY_BYTES) {
    bad("memoryLimit", memoryLimit, "a memory quantity of at least 256Mi and at most 64Ti (the buffer pool is half of it), e.g. \"2Gi\"");
  } else if (memoryRequestBytes !== undefined && memoryLimitBytes < memoryRequestBytes) {
    bad("memoryLimit", memoryLimit, `at least memoryRequest (${memoryRequest})`);
  }

  const { appDatabase, appUser } = args;
  if (appDatabase !== undefined) {
    if (typeof appDatabase !== "string" || !SQL_IDENTIFIER.test(appDatabase) || appDatabase.length > 64) {
      bad("appDatabase", appDatabase, "1 to 64 letters, digits or \"_\", not starting with a digit");
    } else if (RESERVED_DATABASES.includes(appDatabase.toLowerCase())) {
      bad("appDatabase", appDatabase, `a name other than the system databases ${RESERVED_DATABASES.join(", ")}`);
    }
  }
  if (appUser !== undefined) {
    if (typeof appUser !== "string" || !SQL_IDENTIFIER.test(appUser) || appUser.length > 32) {
      bad("appUser", appUser, "1 to 32 letters, digits or \"_\", not starting with a digit");
    } else if (RESERVED_USERS.includes(appUser.toLowerCase())) {
      bad("appUser", appUser, `a name other than the users the cluster and its probes use and the servers' own: ${RESERVED_USERS.join(", ")}`);
    }
    if (appDatabase === undefined) bad("appUser", appUser, "appDatabase to be set too: the application user gets its own database");
  }

  if (args.existingSecret !== undefined && !isDnsSubdomain(args.existingSecret)) {
    bad("existingSecret", args.existingSecret, "the name of a Secret in the same namespace (a DNS subdomain), or unset to generate passwords");
  }

  const clusterDomain = args.clusterDomain ?? DEFAULTS.clusterDomain;
  // Every endpoint and certificate name ends in it: a DNS name has labels of at
  // most 63 characters and at most 253 in all (RFC 1035 2.3.4; Kubernetes'
  // IsDNS1123Subdomain), the longest being pod N-1's "<name>-N.<name>.<namespace>.svc.<domain>".
  if (typeof clusterDomain !== "string" || !DNS_SUBDOMAIN.test(clusterDomain) || clusterDomain.split(".").some((label) => label.length > 63)) {
    bad("clusterDomain", clusterDomain, "a DNS domain of labels of at most 63 characters, e.g. \"cluster.local\"");
  } else if (typeof name === "string" && typeof namespace === "string" && replicasValid) {
    const longest = `${name}-${replicas - 1}.${name}.${namespace}.svc.${clusterDomain}`;
    if (longest.length > 253) {
      bad("clusterDomain", clusterDomain, `a domain short enough that pod names such as "${longest}" (${longest.length} characters) stay within 253 characters`);
    }
  }

  const maxReadLagSeconds = args.maxReadLagSeconds ?? DEFAULTS.maxReadLagSeconds;
  if (typeof maxReadLagSeconds !== "number" || !Number.isInteger(maxReadLagSeconds) || maxReadLagSeconds < 1 || maxReadLagSeconds > 86400) {
    bad("maxReadLagSeconds", maxReadLagSeconds, "a whole number of seconds from 1 to 86400");
  }

  const backupParallelism = args.backupParallelism ?? DEFAULTS.backupParallelism;
  if (typeof backupParallelism !== "number" || !Number.isInteger(backupParallelism) || backupParallelism < 1 || backupParallelism > 64) {
    bad("backupParallelism", backupParallelism, "a whole number from 1 to 64");
  }

  const requireTls = args.requireTls ?? DEFAULTS.requireTls;
  if (typeof requireTls !== "boolean") bad("requireTls", requireTls, "true or false");
  const networkPolicy = args.networkPolicy ?? DEFAULTS.networkPolicy;
  if (typeof networkPolicy !== "boolean") bad("networkPolicy", networkPolicy, "true or false");

  if (args.tlsSecret !== undefined && !isDnsSubdomain(args.tlsSecret)) {
    bad("tlsSecret", args.tlsSecret, "the name of a Secret with tls.crt, tls.key and ca.crt in the same namespace, or unset to generate them");
  }

  // One Secret cannot be both: the generated one would overwrite the user's.
  if (args.existingSecret && args.existingSecret === (args.tlsSecret ?? `${name}-tls`)) {
    bad("existingSecret", args.existingSecret, "a Secret other than the TLS Secret");
  }
  if (args.tlsSecret && !args.existingSecret && args.tlsSecret === `${name}-credentials`) {
    bad("tlsSecret", args.tlsSecret, `a Secret other than the generated credentials Secret "${name}-credentials"`);
  }

  const selector = (setting: "clientPodSelector" | "clientNamespaceSelector") => {
    const text = args[setting];
    if (text === undefined) return undefined;
    const labels = typeof text === "string" ? parseLabelSelector(text) : undefined;
    if (!labels) bad(setting, text, `labels as "key=value" pairs separated by commas, each key once, e.g. "app=shop,tier=web" (${LABEL_RULES})`);
    else if (networkPolicy === false) {
      bad(setting, text, "unset when networkPolicy is false: without the NetworkPolicy every pod may connect, so the selector would restrict nothing (set networkPolicy to true to admit only these clients)");
    }
    return labels;
  };
  const clientPodSelector = selector("clientPodSelector");
  const clientNamespaceSelector = selector("clientNamespaceSelector");

  const passwordRotation = args.passwordRotation ?? DEFAULTS.passwordRotation;
  if (typeof passwordRotation !== "number" || !Number.isInteger(passwordRotation) || passwordRotation < 0 || passwordRotation > Number.MAX_SAFE_INTEGER) {
    bad("passwordRotation", passwordRotation, "a whole number from 0 up; raise it by one to rotate every password");
  } else if (passwordRotation !== 0 && args.existingSecret !== undefined) {
    bad("passwordRotation", passwordRotation, "0 with existingSecret: the passwords are the existing Secret's, so nothing would rotate; change its values instead (the pods apply them without a restart)");
  }

  const flag = (setting: "spreadAcrossZones" | "hardSpread" | "semiSync" | "metrics" | "serviceMonitor") => {
    const value = args[setting] ?? DEFAULTS[setting];
    if (typeof value !== "boolean") bad(setting, value, "true or false");
    return value;
  };
  const spreadAcrossZones = flag("spreadAcrossZones");
  const hardSpread = flag("hardSpread");
  const semiSync = flag("semiSync");
  const metrics = flag("metrics");
  const serviceMonitor = flag("serviceMonitor");
  if (serviceMonitor === true && metrics === false) bad("serviceMonitor", serviceMonitor, "false when metrics is false: there is nothing to scrape");

  if (args.priorityClassName !== undefined && !isDnsSubdomain(args.priorityClassName)) {
    bad("priorityClassName", args.priorityClassName, "the name of a PriorityClass (a DNS subdomain of at most 253 characters), or unset");
  }
  let tolerations: Record<string, unknown>[] | undefined;
  if (args.tolerations !== undefined) {
    tolerations = typeof args.tolerations === "string" ? parseTolerations(args.tolerations) : undefined;
    if (!tolerations) {
      bad("tolerations", args.tolerations, "a JSON array of tolerations, e.g. [{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"db\",\"effect\":\"NoSchedule\"}]");
    }
  }

  const semiSyncTimeoutMs = args.semiSyncTimeoutMs ?? DEFAULTS.semiSyncTimeoutMs;
  if (typeof semiSyncTimeoutMs !== "number" || !Number.isInteger(semiSyncTimeoutMs) || semiSyncTimeoutMs < 100 || semiSyncTimeoutMs > 3_600_000) {
    bad("semiSyncTimeoutMs", semiSyncTimeoutMs, "a whole number of milliseconds from 100 to 3600000");
  }
  const exporterImage = args.exporterImage ?? DEFAULTS.exporterImage;
  if (!isImageReference(exporterImage)) bad("exporterImage", exporterImage, `${imageAccepted}"prom/mysqld-exporter:v0.16.0"`);

  let serviceMonitorLabels: Record<string, string> | undefined;
  if (args.serviceMonitorLabels !== undefined) {
    const labels = labelMap(args.serviceMonitorLabels);
    const own = clusterNames({ name: typeof name === "string" ? name : "" }).labels;
    if (!labels) {
      bad("serviceMonitorLabels", args.serviceMonitorLabels, `labels as "key=value" pairs separated by commas, each key once (in TypeScript a map), e.g. "release=kube-prometheus-stack" (${LABEL_RULES})`);
    } else if (Object.keys(labels).some((key) => key in own)) {
      bad("serviceMonitorLabels", args.serviceMonitorLabels, `keys other than the cluster's own labels ${Object.keys(own).join(", ")}`);
    } else if (Object.keys(labels).length > 0 && serviceMonitor !== true) {
      bad("serviceMonitorLabels", args.serviceMonitorLabels, "unset unless serviceMonitor is true: they label the ServiceMonitor, which only serviceMonitor creates");
    } else if (Object.keys(labels).length > 0) {
      serviceMonitorLabels = labels;
    }
  }

  const backupSchedule = args.backupSchedule === "" ? undefined : args.backupSchedule;
  if (backupSchedule !== undefined && !isCronSchedule(backupSchedule)) {
    bad("backupSchedule", backupSchedule, "a cron schedule of five fields separated by spaces, as Kubernetes parses it (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT, Sunday being 0; each *, ?, a value or a range a-b, in a list, with an optional /step; no TZ= prefix: the schedule is UTC; e.g. \"0 3 * * *\") or @hourly/@daily/@weekly/@monthly/@yearly (also @midnight, @annually), or unset for no backups");
  } else if (backupSchedule !== undefined && typeof name === "string" && name.length > MAX_NAME_LENGTH_WITH_BACKUPS) {
    bad(nameSetting, name, `with backupSchedule, a name of at most ${MAX_NAME_LENGTH_WITH_BACKUPS} characters: the CronJob "<name>-backup" may have at most 52`);
  }
  const backupRetention = args.backupRetention ?? DEFAULTS.backupRetention;
  if (typeof backupRetention !== "number" || !Number.isInteger(backupRetention) || backupRetention < 1 || backupRetention > 1000) {
    bad("backupRetention", backupRetention, "a whole number of backups to keep, from 1 to 1000");
  }
  const backupStorageSize = args.backupStorageSize ?? DEFAULTS.backupStorageSize;
  const backupStorageBytes = parseQuantity(backupStorageSize) ?? 0;
  if (backupStorageBytes < 2 ** 20 || backupStorageBytes > MAX_STORAGE_BYTES) {
    bad("backupStorageSize", backupStorageSize, "a Kubernetes quantity of at least 1Mi and at most 1Ei, e.g. \"50Gi\"");
  }
  if (args.backupStorageClass !== undefined && !isDnsSubdomain(args.backupStorageClass)) {
    bad("backupStorageClass", args.backupStorageClass, "the name of a StorageClass (a DNS subdomain), or unset for the cluster's default");
  }
  if (args.restoreFromClaim !== undefined && !isDnsSubdomain(args.restoreFromClaim)) {
    bad("restoreFromClaim", args.restoreFromClaim, "the name of a PersistentVolumeClaim in the cluster's namespace (a DNS subdomain), e.g. \"olddb-backups\"");
  } else if (args.restoreFromClaim !== undefined && replicasValid && replicas !== 1) {
    // The claim is in the pod template, so every pod would mount it: a
    // ReadWriteOnce claim attaches to one node only, and the other pods fail with
    // Multi-Attach errors (it also blocks the source cluster's backup Job).
    bad("restoreFromClaim", args.restoreFromClaim, `replicas: 1 while restoring (got replicas ${replicas}): every pod mounts the claim, and a ReadWriteOnce claim attaches to one node only; restore with replicas 1, then unset restoreFromClaim and scale up`);
  }
  const restoreBackup = args.restoreBackup ?? DEFAULTS.restoreBackup;
  if (typeof restoreBackup !== "string" || !(restoreBackup === "latest" || /^[0-9]{8}T[0-9]{6}Z$/.test(restoreBackup))) {
    bad("restoreBackup", restoreBackup, "\"latest\" or a backup's name, its UTC start time like \"20261125T030000Z\"");
  } else if (restoreBackup !== DEFAULTS.restoreBackup && args.restoreFromClaim === undefined) {
    bad("restoreBackup", restoreBackup, "only together with restoreFromClaim, which names the volume holding the backups");
  }

  if (problems.length > 0) throw new MySqlClusterConfigError(problems);

  return {
    name,
    namespace,
    replicas,
    primaryOrdinal,
    flavor,
    image,
    backupImage,
    storageSize,
    storageClass: args.storageClass,
    storageAccessMode,
    cpuRequest,
    cpuLimit: args.cpuLimit,
    memoryRequest,
    memoryLimit,
    appDatabase,
    appUser,
    existingSecret: args.existingSecret,
    clusterDomain,
    maxReadLagSeconds,
    backupParallelism,
    requireTls,
    tlsSecret: args.tlsSecret,
    networkPolicy,
    clientPodSelector,
    clientNamespaceSelector,
    passwordRotation,
    spreadAcrossZones,
    hardSpread,
    priorityClassName: args.priorityClassName,
    tolerations,
    semiSync,
    semiSyncTimeoutMs,
    metrics,
    exporterImage,
    serviceMonitor,
    serviceMonitorLabels,
    backupSchedule,
    backupRetention,
    backupStorageSize,
    backupStorageClass: args.backupStorageClass,
    restoreFromClaim: args.restoreFromClaim,
    restoreBackup,
  };
}
