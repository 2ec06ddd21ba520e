// The contract between the builders (TypeScript) and the pod scripts (bash):
// every mount path, port, Secret key, file name and exit code both sides name,
// declared once here. The builders import it; the scripts get it as
// contract.sh, a file of `readonly NAME=value` lines rendered from SHELL_CONTRACT
// into the scripts ConfigMap, which lib.sh sources first. A unit test
// (tests/components/mysql-cluster/contract.test.ts) fails when a script writes
// one of these values literally instead of its name.

/** Ports: the server, the backup stream and the metrics passthrough (the sidecar's). */
export const PORTS = { mysql: 3306, backup: 3307, metrics: 9104 } as const;

/** The exporter's own port, on the pod's loopback only; the sidecar's metrics port passes GET /metrics on to it. */
export const EXPORTER_LOCAL_PORT = 9105;

/** Keys of the TLS Secret (files under MOUNTS.tls); a tlsSecret must hold the same keys. */
export const TLS_KEYS = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

/** Keys of the credentials Secret (files under MOUNTS.secrets); an existingSecret must hold the same keys. */
export const SECRET_KEYS = {
  root: "root-password",
  replication: "replication-password",
  backup: "backup-password",
  monitor: "monitor-password",
  exporter: "exporter-password",
  app: "app-password",
} as const;

/**
 * Keys of the object-store Secret the user creates and names in backupStoreSecret
 * (files under MOUNTS["store-secret"]): the S3 credentials and the key backups are
 * encrypted with (rclone crypt's password).
 */
export const STORE_SECRET_KEYS = {
  accessKeyId: "access-key-id",
  secretAccessKey: "secret-access-key",
  encryptionKey: "encryption-key",
} as const;

/**
 * The object store's layout under the cluster's prefix (scripts/store-lib.sh's vault:):
 * base/<UTC name>/data.tar and base/<UTC name>/manifest, written last (a base backup
 * without a manifest does not exist).
 */
export const STORE_LAYOUT = {
  base: "base",
  data: "data.tar",
  manifest: "manifest",
  /** Archived binary logs (archive-binlogs.sh): each file's bytes, named <server id>-<created>-<file>. */
  binlogData: "binlogs/data",
  /** One small object per archived file, written after its data: <microseconds>-<data object's name>. */
  binlogIndex: "binlogs/index",
} as const;

/**
 * How long the servers keep binary logs (server.cnf binlog_expire_logs_seconds): 7 days. With
 * archiving, the primary's archiver turns the server's own expiry off and purges only what it
 * has archived and is this old (archive-binlogs.sh), so an unarchived log is never purged.
 */
export const BINLOG_EXPIRE_SECONDS = 604800;

/**
 * Under MOUNTS.tools, beside rclone: the rclone image's CA bundle, copied with it so that
 * rclone verifies an https endpoint whatever image it runs in (SSL_CERT_FILE).
 */
export const TOOLS_CA_BUNDLE = "ca-certificates.crt";

/** Where each volume is mounted, by volume name. */
export const MOUNTS = {
  /** The data PVC. */
  data: "/var/lib/mysql",
  /** The scripts ConfigMap: the scripts, server.cnf and contract.sh. */
  scripts: "/scripts",
  /** The assembled server configuration (init-config.sh writes it). */
  conf: "/etc/mysql-cluster",
  /** Memory-backed, shared by the pod's containers: the socket, the pid file, the readiness verdict; no secret. */
  run: "/run/mysqld",
  /** Root's option file and the backup tool's: memory-backed, only in init-data and the sidecar. */
  private: "/run/mysql-private",
  /** The exporter's login: memory-backed, only in init-data and the sidecar (writers) and the exporter. */
  "exporter-login": "/run/mysql-exporter",
  tmp: "/tmp",
  /** The credentials Secret, one file per key (SECRET_KEYS). */
  secrets: "/etc/mysql-secrets",
  /** The TLS Secret (TLS_KEYS). */
  tls: "/etc/mysql-tls",
  /** The topology ConfigMap: which ordinal is the primary. */
  topology: "/etc/mysql-topology",
  /** The backup PVC, in the scheduled backup's pod. */
  backups: "/backups",
  /** A backup PVC to restore from (setting restoreFromClaim). */
  restore: "/restore",
  /** The object-store tool (rclone), copied by the `tools` init container; memory-backed. */
  tools: "/tools",
  /** The backupStoreSecret (STORE_SECRET_KEYS), only in the containers that talk to the store. */
  "store-secret": "/etc/store-secret",
  /** The failover agent's API credentials (token, CA, namespace), in the sidecar only; the in-cluster default path. */
  "api-credentials": "/var/run/secrets/kubernetes.io/serviceaccount",
} as const;

/** File names inside those mounts that both sides name. */
export const FILES = {
  /** Under MOUNTS.data: a complete, usable data directory, or nothing. */
  dataDir: "data",
  /**
   * Under MOUNTS.data: a base backup downloaded whole from the object store (restoreFromStore,
   * fetch-backup.sh), which init-data renames into its staging directory.
   */
  restoreDownload: "restore.download",
  /** Under MOUNTS.run. */
  socket: "mysqld.sock",
  /** Under MOUNTS.run. */
  pid: "mysqld.pid",
  /** Under MOUNTS["exporter-login"]: the exporter's option file. */
  exporterLogin: "exporter.cnf",
  /** Under MOUNTS.scripts: the rendered server configuration (a ConfigMap key). */
  serverConfig: "server.cnf",
  /** Under MOUNTS.topology: the primary's ordinal (the topology ConfigMap's key). */
  primaryOrdinal: "primary-ordinal",
  /** Under MOUNTS["api-credentials"]: the bound service-account token, the API server's CA, the namespace. */
  apiToken: "token",
  apiCa: "ca.crt",
  apiNamespace: "namespace",
} as const;

/** The failover agent's marks on Kubernetes objects (failover-agent.sh, builders/failover.ts). */
export const FAILOVER_MARKS = {
  /** On each pod, set by its agent: "primary" or "replica"; the write Service selects "primary". */
  roleLabel: "mysql-cluster/role",
  /** On the Lease, written by the component: the pod the stack asks to be the primary (primaryOrdinal). */
  switchoverRequest: "mysql-cluster/switchover-to",
  /** On the Lease, written by the agents: the request last acted on, so an up after a failover moves nothing. */
  switchoverDone: "mysql-cluster/switchover-done",
  /** On the Lease, written by the agents: the holder before the current one (the pod to take out of the write Service). */
  previousHolder: "mysql-cluster/previous-holder",
} as const;

/** Exit statuses with a meaning between scripts. */
export const EXIT_CODES = {
  /** configure-replication.sh: only a re-clone can bring this replica back (purged binary logs, errant GTIDs). */
  reclone: 3,
} as const;

/** Full paths composed from the above, for the TypeScript side (server.cnf, the exporter's command). */
export const PATHS = {
  dataDir: `${MOUNTS.data}/${FILES.dataDir}`,
  socket: `${MOUNTS.run}/${FILES.socket}`,
  pid: `${MOUNTS.run}/${FILES.pid}`,
  exporterLogin: `${MOUNTS["exporter-login"]}/${FILES.exporterLogin}`,
  tlsCert: `${MOUNTS.tls}/${TLS_KEYS.cert}`,
  tlsKey: `${MOUNTS.tls}/${TLS_KEYS.key}`,
  tlsCa: `${MOUNTS.tls}/${TLS_KEYS.ca}`,
} as const;

/** The ConfigMap key (and file name under MOUNTS.scripts) of the rendered shell contract; lib.sh sources it by this name. */
export const CONTRACT_FILE = "contract.sh";

export interface ShellConstant {
  /** The shell variable. */
  name: string;
  value: string | number;
  /** What it is, written above its line in contract.sh. */
  about: string;
}

/** Every contract value the scripts use, by the shell name they use it under. */
export const SHELL_CONTRACT: readonly ShellConstant[] = [
  { name: "DATA_ROOT", value: MOUNTS.data, about: "the data PVC" },
  { name: "DATA_DIR_NAME", value: FILES.dataDir, about: "under DATA_ROOT: a complete, usable data directory" },
  { name: "SCRIPTS", value: MOUNTS.scripts, about: "the scripts ConfigMap" },
  { name: "SERVER_CNF_NAME", value: FILES.serverConfig, about: "under SCRIPTS: the rendered server configuration" },
  { name: "CONF_DIR", value: MOUNTS.conf, about: "the assembled server configuration" },
  { name: "RUN_DIR", value: MOUNTS.run, about: "memory-backed, shared by the pod's containers: no secret here" },
  { name: "SOCKET_NAME", value: FILES.socket, about: "under RUN_DIR: the server's socket" },
  { name: "PID_NAME", value: FILES.pid, about: "under RUN_DIR: the server's pid file" },
  { name: "PRIVATE_DIR", value: MOUNTS.private, about: "memory-backed, only in init-data and the sidecar" },
  { name: "EXPORTER_DIR", value: MOUNTS["exporter-login"], about: "memory-backed: the exporter's login" },
  { name: "EXPORTER_CNF_NAME", value: FILES.exporterLogin, about: "under EXPORTER_DIR: the exporter's option file" },
  { name: "TMP_DIR", value: MOUNTS.tmp, about: "scratch space" },
  { name: "SECRETS_DIR", value: MOUNTS.secrets, about: "the credentials Secret, one file per key" },
  { name: "TLS_DIR", value: MOUNTS.tls, about: "the TLS Secret" },
  { name: "TLS_CERT_NAME", value: TLS_KEYS.cert, about: "under TLS_DIR: the cluster's certificate" },
  { name: "TLS_KEY_NAME", value: TLS_KEYS.key, about: "under TLS_DIR: its private key" },
  { name: "TLS_CA_NAME", value: TLS_KEYS.ca, about: "under TLS_DIR: the CA" },
  { name: "TOPOLOGY_DIR", value: MOUNTS.topology, about: "the topology ConfigMap" },
  { name: "PRIMARY_ORDINAL_NAME", value: FILES.primaryOrdinal, about: "under TOPOLOGY_DIR: the primary's ordinal" },
  { name: "BACKUPS_DIR", value: MOUNTS.backups, about: "the backup PVC, in the scheduled backup's pod" },
  { name: "RESTORE_DIR", value: MOUNTS.restore, about: "a backup PVC to restore from (setting restoreFromClaim)" },
  { name: "TOOLS_DIR", value: MOUNTS.tools, about: "the object-store tool (rclone), from the tools init container" },
  { name: "STORE_SECRET_DIR", value: MOUNTS["store-secret"], about: "the object-store Secret (upload/restore only)" },
  { name: "STORE_KEY_ID_NAME", value: STORE_SECRET_KEYS.accessKeyId, about: "under STORE_SECRET_DIR" },
  { name: "STORE_SECRET_KEY_NAME", value: STORE_SECRET_KEYS.secretAccessKey, about: "under STORE_SECRET_DIR" },
  { name: "STORE_ENCRYPTION_KEY_NAME", value: STORE_SECRET_KEYS.encryptionKey, about: "under STORE_SECRET_DIR" },
  { name: "STORE_BASE", value: STORE_LAYOUT.base, about: "in the store: the base backups' directory" },
  { name: "STORE_DATA_NAME", value: STORE_LAYOUT.data, about: "in a base backup: the data as one tar" },
  { name: "STORE_MANIFEST_NAME", value: STORE_LAYOUT.manifest, about: "in a base backup: written last" },
  { name: "STORE_BINLOG_DATA", value: STORE_LAYOUT.binlogData, about: "in the store: archived binary logs" },
  { name: "STORE_BINLOG_INDEX", value: STORE_LAYOUT.binlogIndex, about: "in the store: their index entries" },
  { name: "BINLOG_EXPIRE_SECONDS", value: BINLOG_EXPIRE_SECONDS, about: "server.cnf binlog_expire_logs_seconds" },
  { name: "RESTORE_DOWNLOAD_NAME", value: FILES.restoreDownload, about: "under DATA_ROOT: a downloaded base backup" },
  { name: "TOOLS_CA_BUNDLE", value: TOOLS_CA_BUNDLE, about: "under TOOLS_DIR: the rclone image's CA bundle" },
  { name: "MYSQL_PORT", value: PORTS.mysql, about: "the server" },
  { name: "BACKUP_PORT", value: PORTS.backup, about: "the backup stream (the sidecar)" },
  { name: "METRICS_PORT", value: PORTS.metrics, about: "GET /metrics only (the sidecar, serve-metrics.sh)" },
  { name: "EXPORTER_LOCAL_PORT", value: EXPORTER_LOCAL_PORT, about: "the exporter itself, on the pod's loopback" },
  { name: "SECRET_KEY_ROOT", value: SECRET_KEYS.root, about: "root's password" },
  { name: "SECRET_KEY_REPLICATION", value: SECRET_KEYS.replication, about: "the replicator user's password" },
  { name: "SECRET_KEY_BACKUP", value: SECRET_KEYS.backup, about: "the backup user's password (and stream token)" },
  { name: "SECRET_KEY_MONITOR", value: SECRET_KEYS.monitor, about: "the monitor user's password" },
  { name: "SECRET_KEY_EXPORTER", value: SECRET_KEYS.exporter, about: "the metrics exporter's password" },
  { name: "SECRET_KEY_APP", value: SECRET_KEYS.app, about: "the application user's password" },
  { name: "SA_DIR", value: MOUNTS["api-credentials"], about: "the API credentials (sidecar only)" },
  { name: "SA_TOKEN_NAME", value: FILES.apiToken, about: "under SA_DIR: the bound service-account token" },
  { name: "SA_CA_NAME", value: FILES.apiCa, about: "under SA_DIR: the API server's CA" },
  { name: "SA_NAMESPACE_NAME", value: FILES.apiNamespace, about: "under SA_DIR: the pod's namespace" },
  { name: "ROLE_LABEL", value: FAILOVER_MARKS.roleLabel, about: "the pod label the write Service selects on" },
  { name: "REQUEST_ANNOTATION", value: FAILOVER_MARKS.switchoverRequest, about: "on the Lease: the stack's primary" },
  { name: "DONE_ANNOTATION", value: FAILOVER_MARKS.switchoverDone, about: "on the Lease: the request acted on" },
  { name: "PREVIOUS_ANNOTATION", value: FAILOVER_MARKS.previousHolder, about: "on the Lease: the holder before" },
  { name: "EXIT_RECLONE", value: EXIT_CODES.reclone, about: "configure-replication.sh: only a re-clone helps" },
];

/** Whether a value can stand unquoted in `readonly NAME=value`: no character the shell would read specially. */
const PLAIN = /^[A-Za-z0-9_./:-]+$/;

/** contract.sh: SHELL_CONTRACT as `readonly NAME=value` lines, for lib.sh to source. */
export function renderShellContract(): string {
  const lines = [
    "# shellcheck shell=bash disable=SC2034  # constants for the scripts that source lib.sh",
    "# Generated from components/mysql-cluster/contract.ts (SHELL_CONTRACT); do not edit.",
    "# The paths, ports, Secret keys, file names and exit codes the builders and",
    "# the scripts share. lib.sh sources this file first.",
  ];
  for (const { name, value, about } of SHELL_CONTRACT) {
    const text = String(value);
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || !PLAIN.test(text))
      throw new Error(`contract ${name}=${text}: names are upper case, values plain`);
    lines.push(`readonly ${name}=${text}  # ${about}`);
  }
  return lines.join("\n") + "\n";
}
