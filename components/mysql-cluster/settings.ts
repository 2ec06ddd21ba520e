// The settings schema: every setting of the component and the stack, declared
// once: its kind, default, description, check and the README's text of what
// it accepts. From this table come the MySqlClusterArgs / ResolvedArgs types
// (mysql-cluster-args.ts, generated), the defaults and validation (args.ts),
// the stack-config parsing (stack-config.ts), Pulumi.yaml and the README's
// settings table (tools/settings-files.ts; tests fail when a generated file
// is stale). Rules between settings are in args.ts.

import {
  Checker,
  all,
  cronSchedule,
  dns1035Label,
  dnsDomain,
  dnsLabel,
  dnsSubdomain,
  imageReference,
  labelMap,
  matching,
  noneOf,
  oneOf,
  quantity,
  sqlIdentifier,
  storeEndpoint,
  storePrefix,
  bucketName,
  tolerationList,
  trueOrFalse,
  wholeNumber,
} from "./checks";
import { PORTS, STORE_SECRET_KEYS, TLS_KEYS } from "./contract";
import { FLAVORS, FlavorSpec } from "./flavors";

/**
 * What a value is. Pulumi.yaml declares labels and tolerations as strings:
 * the stack gives "k=v,..." and JSON text, which stack-config.ts parses into
 * the map and the array the component takes.
 */
export type SettingKind = "string" | "integer" | "boolean" | "labels" | "tolerations";

/** The values of the settings checked so far, for a check that depends on an earlier setting (primaryOrdinal on replicas). */
export interface CheckContext {
  value(key: string): unknown;
  /** Whether that setting passed its own check. */
  valid(key: string): boolean;
}

export interface SettingSpec {
  kind: SettingKind;
  /** One text: the Args JSDoc, Pulumi.yaml's description. */
  description: string;
  default?: string | number | boolean;
  /** A default that depends on the flavor (the images). */
  flavorDefault?: (flavor: FlavorSpec) => string;
  /** What an unset setting without a default means, for the README and the JSDoc ("none", "cluster default"). */
  unset?: string;
  check: Checker | ((context: CheckContext) => Checker);
  /** Turns a given value into "unset" (an empty backupSchedule, an empty label map). */
  unsetWhen?: (value: unknown) => boolean;
  /** The README's accepted-values column (markdown). */
  accepted: string;
  /** False for clusterName: the component takes it as its name argument, not in its Args. */
  arg?: false;
}

export const MAX_REPLICAS = 99;
/** Where scheduled backups go (backupTarget). */
export const BACKUP_TARGETS = ["claim", "store", "both"] as const;
/**
 * The default storeToolImage: rclone's own image. Tag 1.75 is what rclone's release
 * workflow pushes for v1.75.x ({{major}}.{{minor}}); its facts are in image-facts.ts.
 */
export const STORE_TOOL_IMAGE = "rclone/rclone:1.75";
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
export const RESERVED_USERS = [
  "root",
  "replicator",
  "backup",
  "monitor",
  "exporter",
  "probe",
  "mysql",
  "mariadb.sys",
  "mysql.sys",
  "mysql.session",
  "mysql.infoschema",
  "public",
];
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

const MiB = 2 ** 20;
const TOLERATION_EXAMPLE = '[{"key":"dedicated","operator":"Equal","value":"db","effect":"NoSchedule"}]';

/** Every setting, in the order of the README's table. */
export const SETTINGS = {
  clusterName: {
    kind: "string",
    arg: false,
    default: "mysql",
    description:
      "Name of the cluster; every Kubernetes name derives from it (StatefulSet, Services, Secrets). Fixed at creation.",
    check: dns1035Label(
      MAX_NAME_LENGTH,
      `a DNS label of at most ${MAX_NAME_LENGTH} characters (lower-case letters, digits and "-", starting with a letter), so that pod names "<name>-N" stay valid`,
    ),
    accepted:
      "DNS label, starts with a letter, at most 52 characters (pod names and the StatefulSet's revision label must stay valid), " +
      "45 with `backupSchedule` (the CronJob's Job names)",
  },
  namespace: {
    kind: "string",
    default: "default",
    description: "Kubernetes namespace every object is created in. Fixed at creation.",
    check: dnsLabel(63),
    accepted: "DNS label",
  },
  replicas: {
    kind: "integer",
    default: 3,
    description:
      "Number of pods: one primary (ordinal primaryOrdinal) plus replicas-1 read-only replicas. Change it to scale.",
    check: wholeNumber(
      1,
      MAX_REPLICAS,
      `a whole number from 1 to ${MAX_REPLICAS} (1 primary plus replicas-1 read replicas)`,
    ),
    accepted: "whole number 1–99",
  },
  primaryOrdinal: {
    kind: "integer",
    default: 0,
    description:
      "Ordinal of the pod the stack asks to take writes. A new cluster starts there; changing it on a running cluster is a planned " +
      "switchover (the primary hands over directly, no acknowledged commit lost; the write Service follows). After an automatic " +
      "failover the primary stays where it is until this setting changes. Must be below replicas.",
    // Compared with replicas only when that is valid: a bad replicas is its own (one) problem.
    check: (s) => {
      const last = s.valid("replicas") ? (s.value("replicas") as number) - 1 : undefined;
      return wholeNumber(
        0,
        last ?? Infinity,
        `the ordinal of an existing pod: a whole number from 0 to replicas-1 (${last ?? "?"}); ` +
          "to scale down past the primary, switch it to a lower ordinal first",
      );
    },
    accepted:
      "whole number 0 to `replicas`−1: the pod that takes writes; `0` when the cluster is created, " +
      "change it later for a planned switchover (the write endpoint follows; a failover does not change it)",
  },
  flavor: {
    kind: "string",
    default: "mysql",
    description: '"mysql" (MySQL 8.4 LTS + XtraBackup 8.4) or "mariadb" (MariaDB 11.4 LTS). Fixed at creation.',
    check: oneOf(FLAVORS),
    accepted: "`mysql` (MySQL 8.4 LTS + Percona XtraBackup 8.4) or `mariadb` (MariaDB 11.4 LTS)",
  },
  image: {
    kind: "string",
    flavorDefault: (flavor) => flavor.serverImage,
    description: "Server image; by default the flavor's. A change rolls the pods, primary last.",
    check: imageReference("mysql:8.4"),
    accepted:
      "image reference `[registry[:port]/]name[:tag][@digest]` " +
      "(the container runtimes' grammar: lower-case path components, no spaces, quotes, `;` or `$(`; a digest `sha256:` + 64, `sha384:` + 96 or `sha512:` + 128 lower-case hex digits)",
  },
  backupImage: {
    kind: "string",
    flavorDefault: (flavor) => flavor.backupImage,
    description: "Image of the clone init step and the sidecar; by default the flavor's.",
    check: imageReference("percona/percona-xtrabackup:8.4"),
    accepted: "image reference",
  },
  storageSize: {
    kind: "string",
    default: "10Gi",
    description:
      "Size of each pod's data volume (a Kubernetes quantity). Can grow later (volume expansion), never shrink.",
    check: quantity(
      MiB,
      MAX_STORAGE_BYTES,
      'a Kubernetes quantity of at least 1Mi and at most 1Ei, e.g. "10Gi", "500Gi" or "1e10"',
    ),
    accepted: "Kubernetes quantity 1Mi–1Ei (`10Gi`, `500G`, `1e10`)",
  },
  storageClass: {
    kind: "string",
    unset: "cluster default",
    description: "StorageClass of the data volumes; unset for the cluster's default class. Fixed at creation.",
    check: dnsSubdomain("the name of a StorageClass (a DNS subdomain), or unset for the cluster's default"),
    accepted: "StorageClass name",
  },
  storageAccessMode: {
    kind: "string",
    default: "ReadWriteOnce",
    description: 'Access mode of the data volumes: "ReadWriteOnce" or "ReadWriteOncePod". Fixed at creation.',
    check: oneOf(["ReadWriteOnce", "ReadWriteOncePod"], '"ReadWriteOnce" or "ReadWriteOncePod"'),
    accepted: "`ReadWriteOnce` or `ReadWriteOncePod`",
  },
  cpuRequest: {
    kind: "string",
    default: "500m",
    description: "CPU request of the database container.",
    check: quantity(0, MAX_CPU_CORES, `a CPU quantity above zero, at most ${MAX_CPU_CORES}, e.g. "500m" or "2"`, true),
    accepted: "CPU quantity > 0, at most 10000",
  },
  cpuLimit: {
    kind: "string",
    description: "CPU limit of the database container; unset for no limit.",
    check: quantity(
      0,
      MAX_CPU_CORES,
      `a CPU quantity above zero, at most ${MAX_CPU_CORES}, e.g. "2", or unset for no limit`,
      true,
    ),
    accepted: "CPU quantity ≥ `cpuRequest`, at most 10000",
  },
  memoryRequest: {
    kind: "string",
    default: "1Gi",
    description: "Memory request of the database container (at least 256Mi).",
    check: quantity(256 * MiB, MAX_MEMORY_BYTES, 'a memory quantity of at least 256Mi and at most 64Ti, e.g. "1Gi"'),
    accepted: "memory quantity 256Mi–64Ti",
  },
  memoryLimit: {
    kind: "string",
    default: "1Gi",
    description: "Memory limit of the database container; the InnoDB buffer pool is half of it.",
    check: quantity(
      256 * MiB,
      MAX_MEMORY_BYTES,
      'a memory quantity of at least 256Mi and at most 64Ti (the buffer pool is half of it), e.g. "2Gi"',
    ),
    accepted: "memory quantity ≥ `memoryRequest`, at most 64Ti; the InnoDB buffer pool is half of it",
  },
  appDatabase: {
    kind: "string",
    description: "Database created for the application.",
    check: all(
      sqlIdentifier(64),
      noneOf(RESERVED_DATABASES, `a name other than the system databases ${RESERVED_DATABASES.join(", ")}`),
    ),
    accepted: "1–64 letters, digits, `_`; not a system database",
  },
  appUser: {
    kind: "string",
    description: "Application user, granted every privilege on appDatabase only. Needs appDatabase.",
    check: all(
      sqlIdentifier(32),
      noneOf(
        RESERVED_USERS,
        `a name other than the users the cluster and its probes use and the servers' own: ${RESERVED_USERS.join(", ")}`,
      ),
    ),
    accepted:
      "1–32 letters, digits, `_`; needs `appDatabase`; not a user the cluster or its probes log in as (`root`, `replicator`, `backup`, `monitor`, " +
      "`exporter`, `probe`) nor a server's own (`mysql`, `mysql.sys`, `mariadb.sys`, `public`...)",
  },
  existingSecret: {
    kind: "string",
    unset: "none (generate)",
    description:
      "Name of an existing Secret holding the passwords (keys in the README), used instead of generated ones. Fixed at creation.",
    check: dnsSubdomain("the name of a Secret in the same namespace (a DNS subdomain), or unset to generate passwords"),
    accepted: "name of a Secret with the keys below",
  },
  clusterDomain: {
    kind: "string",
    default: "cluster.local",
    description: "The cluster's DNS domain, for the fully qualified endpoints.",
    // Every endpoint and certificate name ends in it (RFC 1035 2.3.4; Kubernetes' IsDNS1123Subdomain).
    check: dnsDomain('a DNS domain of labels of at most 63 characters, e.g. "cluster.local"'),
    accepted:
      "DNS domain (labels ≤ 63 characters; pod names `<clusterName>-N.<clusterName>.<namespace>.svc.<domain>` ≤ 253)",
  },
  maxReadLagSeconds: {
    kind: "integer",
    default: 10,
    description:
      "A replica lagging more than this many seconds (or with replication stopped) leaves the read Service until it catches up.",
    check: wholeNumber(1, 86400, "a whole number of seconds from 1 to 86400"),
    accepted: "whole number 1–86400",
  },
  backupParallelism: {
    kind: "integer",
    default: 4,
    description:
      "Threads the hot backup uses to copy data files, and the receiver to unpack them, when a replica is cloned or backed up (1 to 64).",
    check: wholeNumber(1, 64),
    accepted: "whole number 1–64",
  },
  requireTls: {
    kind: "boolean",
    default: true,
    description:
      "Refuse every unencrypted client connection (require_secure_transport). Replication and clone streams always use TLS.",
    check: trueOrFalse,
    accepted:
      "`true` or `false`: refuse unencrypted client connections (replication and clone streams use TLS either way)",
  },
  tlsSecret: {
    kind: "string",
    unset: "none (generate)",
    description: `Name of an existing Secret with ${TLS_KEYS.cert}, ${TLS_KEYS.key} and ${TLS_KEYS.ca}, used instead of the generated CA and certificate. Fixed at creation.`,
    check: dnsSubdomain(
      `the name of a Secret with ${TLS_KEYS.cert}, ${TLS_KEYS.key} and ${TLS_KEYS.ca} in the same namespace, or unset to generate them`,
    ),
    accepted: `name of a Secret with \`${TLS_KEYS.cert}\`, \`${TLS_KEYS.key}\`, \`${TLS_KEYS.ca}\``,
  },
  networkPolicy: {
    kind: "boolean",
    default: true,
    description:
      "Create a NetworkPolicy that admits only the cluster's own pods and the named clients (needs a policy engine).",
    check: trueOrFalse,
    accepted: "`true` or `false`",
  },
  clientPodSelector: {
    kind: "labels",
    description: "Labels of the client pods allowed to reach the database port (stack config: key=value,...).",
    check: labelMap("app=shop,tier=web", true),
    accepted: "labels `key=value[,key=value...]` (Kubernetes label syntax, each key once); only with `networkPolicy`",
  },
  clientNamespaceSelector: {
    kind: "labels",
    description:
      "Labels of the namespaces whose pods may reach the database port (stack config: key=value,...); " +
      "with clientPodSelector, only those pods there.",
    check: labelMap("app=shop,tier=web", true),
    accepted: "labels `key=value[,key=value...]`; only with `networkPolicy`",
  },
  passwordRotation: {
    kind: "integer",
    default: 0,
    description: "Raise by one to generate new passwords; the pods apply them without downtime.",
    check: wholeNumber(
      0,
      Number.MAX_SAFE_INTEGER,
      "a whole number from 0 up; raise it by one to rotate every password",
    ),
    accepted:
      "whole number ≥ 0; raise it by one to rotate every password; `0` with `existingSecret` (change that Secret's values instead)",
  },
  spreadAcrossZones: {
    kind: "boolean",
    default: false,
    description: "Spread pods across zones (topology.kubernetes.io/zone) as well as nodes.",
    check: trueOrFalse,
    accepted: "`true` or `false`: add a zone topology spread to the node anti-affinity",
  },
  hardSpread: {
    kind: "boolean",
    default: false,
    description:
      "Make the spread a scheduling requirement instead of a preference (pods stay Pending rather than share a node or zone).",
    check: trueOrFalse,
    accepted: "`true` or `false`: require the spread instead of preferring it",
  },
  priorityClassName: {
    kind: "string",
    description: "PriorityClass of the pods.",
    check: dnsSubdomain("the name of a PriorityClass (a DNS subdomain of at most 253 characters), or unset"),
    accepted: "name of a PriorityClass (DNS subdomain, ≤ 253 characters)",
  },
  tolerations: {
    kind: "tolerations",
    description: `Tolerations of the pods (stack config: a JSON array, e.g. ${TOLERATION_EXAMPLE}).`,
    check: tolerationList(TOLERATION_EXAMPLE),
    accepted:
      "JSON array of tolerations (`key`, `operator` `Exists`/`Equal` (empty: `Equal`), `value`, `effect`, `tolerationSeconds`)",
  },
  semiSync: {
    kind: "boolean",
    default: true,
    description: "Semi-synchronous replication: the primary acknowledges a commit only once a replica has it.",
    check: trueOrFalse,
    accepted: "`true` or `false`: a commit is acknowledged only once a replica has it",
  },
  semiSyncTimeoutMs: {
    kind: "integer",
    default: 10000,
    description:
      "How long a commit waits for a replica before the primary falls back to asynchronous replication, in ms " +
      "(with failover off; with failover on a commit never falls back).",
    check: wholeNumber(100, 3_600_000, "a whole number of milliseconds from 100 to 3600000"),
    accepted: "whole number 100–3600000: how long a commit waits for a replica before falling back to asynchronous",
  },
  failover: {
    kind: "boolean",
    default: true,
    description:
      "Automatic failover: when the primary is lost, the most advanced replica takes the cluster's Lease and the writes, " +
      "with the old primary fenced first. Needs semiSync; a commit then waits for a replica without a time limit.",
    check: trueOrFalse,
    accepted: "`true` or `false`: promote a replica by itself when the primary is lost (needs `semiSync`)",
  },
  failoverLeaseSeconds: {
    kind: "integer",
    default: 10,
    description:
      "Lease duration in seconds: a primary not heard of for this long is replaced; it fences itself after 60% of it.",
    check: wholeNumber(5, 120, "a whole number of seconds from 5 to 120"),
    accepted: "whole number 5–120: how long a silent primary keeps the Lease (it fences itself after 60% of it)",
  },
  metrics: {
    kind: "boolean",
    default: true,
    description: `Run a Prometheus mysqld exporter sidecar and a metrics Service (port ${PORTS.metrics}).`,
    check: trueOrFalse,
    accepted: "`true` or `false`: exporter sidecar and metrics Service",
  },
  exporterImage: {
    kind: "string",
    default: "prom/mysqld-exporter:v0.16.0",
    description: "Image of the metrics exporter.",
    check: imageReference("prom/mysqld-exporter:v0.16.0"),
    accepted: "image reference",
  },
  serviceMonitor: {
    kind: "boolean",
    default: false,
    description: "Create a ServiceMonitor for the Prometheus Operator (needs its CRDs).",
    check: trueOrFalse,
    accepted: "`true` or `false` (needs `metrics` and the Prometheus Operator's CRDs)",
  },
  serviceMonitorLabels: {
    kind: "labels",
    description:
      "Extra labels of the ServiceMonitor (stack config: key=value,...), for a Prometheus whose serviceMonitorSelector " +
      "picks ServiceMonitors by label (kube-prometheus-stack: release=<its release name>). Needs serviceMonitor.",
    check: labelMap("release=kube-prometheus-stack"),
    unsetWhen: (value) =>
      value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0,
    accepted:
      "labels `key=value[,key=value...]` added to the ServiceMonitor, for a Prometheus that selects by label " +
      "(kube-prometheus-stack: `release=<its release name>`); needs `serviceMonitor`",
  },
  backupSchedule: {
    kind: "string",
    unset: "none (no backups)",
    description:
      'Cron schedule (UTC, e.g. "0 3 * * *") of backups taken from a replica into the backup volume; unset for no backups.',
    check: cronSchedule(
      "a cron schedule of five fields separated by spaces, as Kubernetes parses it (minute 0-59, hour 0-23, day of month 1-31, " +
        "month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT, Sunday being 0; each *, ?, a value or a range a-b, in a list, with an optional /step; " +
        'no TZ= prefix: the schedule is UTC; e.g. "0 3 * * *") or @hourly/@daily/@weekly/@monthly/@yearly (also @midnight, @annually), ' +
        "or unset for no backups",
    ),
    unsetWhen: (value) => value === "",
    accepted:
      "cron schedule in UTC as Kubernetes parses it: five fields (e.g. `0 3 * * *`; day of week `0`–`6` or `SUN`–`SAT`, so `7` is refused; no `TZ=`) " +
      "or `@hourly`/`@daily`/`@weekly`/`@monthly`/`@yearly`",
  },
  backupRetention: {
    kind: "integer",
    default: 7,
    description: "How many complete backups to keep; older ones are deleted after each successful backup.",
    check: wholeNumber(1, 1000, "a whole number of backups to keep, from 1 to 1000"),
    accepted: "whole number 1–1000: complete backups kept",
  },
  backupStorageSize: {
    kind: "string",
    default: "50Gi",
    description: "Size of the backup volume (a Kubernetes quantity); it must hold backupRetention copies of the data.",
    check: quantity(MiB, MAX_STORAGE_BYTES, 'a Kubernetes quantity of at least 1Mi and at most 1Ei, e.g. "50Gi"'),
    accepted:
      "Kubernetes quantity 1Mi–1Ei; must hold `backupRetention` copies of the data (backups are stored prepared, uncompressed)",
  },
  backupStorageClass: {
    kind: "string",
    unset: "cluster default",
    description: "StorageClass of the backup volume; unset for the cluster's default class.",
    check: dnsSubdomain("the name of a StorageClass (a DNS subdomain), or unset for the cluster's default"),
    accepted: "StorageClass name",
  },
  backupTarget: {
    kind: "string",
    default: "claim",
    description:
      'Where scheduled backups go: "claim" (the backup PVC), "store" (an S3-compatible object store, encrypted by us; ' +
      'the backup PVC is not created) or "both". "store" and "both" need backupSchedule, backupStoreEndpoint, ' +
      "backupStoreBucket and backupStoreSecret.",
    check: oneOf(BACKUP_TARGETS, '"claim", "store" or "both"'),
    accepted:
      "`claim` (the backup PVC), `store` (the object store only: a scratch volume of the data's size during each backup, no PVC) " +
      "or `both`; `store`/`both` need `backupSchedule`, `backupStoreEndpoint`, `backupStoreBucket`, `backupStoreSecret`",
  },
  backupStoreEndpoint: {
    kind: "string",
    description:
      "URL of the S3-compatible object store (AWS S3, GCS interoperability, MinIO, Ceph RGW), " +
      'e.g. "https://s3.eu-west-1.amazonaws.com".',
    check: storeEndpoint(
      'an http:// or https:// URL with a host and optionally a port and path, no user, password, query or fragment, e.g. "https://s3.eu-west-1.amazonaws.com"',
    ),
    accepted: "`http://` or `https://` URL: host, optional port and path; no credentials, query or fragment",
  },
  backupStoreBucket: {
    kind: "string",
    description: "Bucket in the object store; it must exist (the backups never create it).",
    check: bucketName(
      'an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit, ' +
        'no "..", not an IP address, not starting with "xn--" or "sthree-" nor ending with "-s3alias" or "--ol-s3"',
    ),
    accepted: "S3 bucket name (3–63 of `a-z 0-9 . -`, AWS's rules); the bucket must exist",
  },
  backupStorePrefix: {
    kind: "string",
    unset: "`clusterName`",
    description:
      "Path inside the bucket this cluster's backups are kept under; unset for clusterName. Two clusters must not share one.",
    check: storePrefix(
      'path segments of letters, digits, ".", "_" and "-" separated by single "/" (no "." or ".." segment, ' +
        'no leading or trailing "/"), at most 256 characters, e.g. "prod/shop-db"',
    ),
    accepted: "path segments of `A-Z a-z 0-9 . _ -` separated by `/`, ≤ 256 characters; one prefix per cluster",
  },
  backupStoreRegion: {
    kind: "string",
    default: "us-east-1",
    description:
      "Region the object store signs requests for (AWS: the bucket's region; most other services ignore it).",
    check: matching(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, "_" or "-", e.g. "eu-west-1"'),
    accepted: "1–64 of `A-Z a-z 0-9 _ -`",
  },
  backupStoreSecret: {
    kind: "string",
    description:
      `Name of a Secret in the namespace, created by you, with ${STORE_SECRET_KEYS.accessKeyId}, ` +
      `${STORE_SECRET_KEYS.secretAccessKey} and ${STORE_SECRET_KEYS.encryptionKey} (the key backups are encrypted with; ` +
      "keep a copy outside the cluster: without it no backup can be read).",
    check: dnsSubdomain("the name of a Secret in the cluster's namespace (a DNS subdomain)"),
    accepted: `name of a Secret with \`${STORE_SECRET_KEYS.accessKeyId}\`, \`${STORE_SECRET_KEYS.secretAccessKey}\`, \`${STORE_SECRET_KEYS.encryptionKey}\``,
  },
  binlogArchiveMaxAgeSeconds: {
    kind: "integer",
    default: 300,
    description:
      'The recovery point bound of continuous binary log archiving, which is on whenever backupTarget is "store" or ' +
      '"both": the primary uploads its binary logs, encrypted, to the object store, closing the open one when its ' +
      "oldest event not yet archived is half this old, so no committed transaction older than this is only on the cluster.",
    check: wholeNumber(30, 3600, "a whole number of seconds from 30 to 3600"),
    accepted:
      "whole number 30–3600: the recovery point bound, in seconds, of binary log archiving to the object store " +
      "(on whenever `backupTarget` is `store` or `both`)",
  },
  storeToolImage: {
    kind: "string",
    default: STORE_TOOL_IMAGE,
    description:
      "Image the object-store tool (rclone) is copied from into the pods that upload or restore; only its static binary is used.",
    check: imageReference(STORE_TOOL_IMAGE),
    accepted: "image reference (an `rclone/rclone` image: its `/usr/local/bin/rclone` is copied)",
  },
  restoreFromClaim: {
    kind: "string",
    description:
      'Name of a PVC in the namespace holding backups (e.g. another cluster\'s "<name>-backups"): a new cluster starts from one of them.',
    check: dnsSubdomain(
      'the name of a PersistentVolumeClaim in the cluster\'s namespace (a DNS subdomain), e.g. "olddb-backups"',
    ),
    accepted:
      "name of a PVC in the namespace holding backups (e.g. another cluster's `<name>-backups`): a **new** cluster starts from a backup in it; " +
      "needs `replicas: 1` (see Restore in [Operations](#operations))",
  },
  restoreFromStore: {
    kind: "string",
    description:
      "A prefix in the object store (backupStoreEndpoint, backupStoreBucket, backupStoreSecret), e.g. another cluster's " +
      "backupStorePrefix: a new cluster starts from one of the backups under it. Not with restoreFromClaim.",
    check: storePrefix(
      'a prefix in the bucket: path segments of letters, digits, ".", "_" and "-" separated by single "/", e.g. "olddb"',
    ),
    accepted:
      "prefix in the same store and bucket (e.g. another cluster's `backupStorePrefix`): a **new** cluster starts from a backup under it; " +
      "needs `replicas: 1`, `backupStoreEndpoint`, `backupStoreBucket`, `backupStoreSecret`; not with `restoreFromClaim`",
  },
  restoreBackup: {
    kind: "string",
    default: "latest",
    description:
      'Which backup restoreFromClaim or restoreFromStore restores: "latest" or a backup\'s name (its UTC start time, e.g. 20261125T030000Z).',
    check: matching(
      /^(latest|[0-9]{8}T[0-9]{6}Z)$/,
      '"latest" or a backup\'s name, its UTC start time like "20261125T030000Z"',
    ),
    accepted:
      "`latest` or a backup's name (its UTC start time, e.g. `20261125T030000Z`); only with `restoreFromClaim` or `restoreFromStore`",
  },
} satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

/** Every setting as a [key, spec] pair, in declaration order. */
export const SETTING_ENTRIES = Object.entries(SETTINGS) as [SettingKey, SettingSpec][];
