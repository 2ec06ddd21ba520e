// The ConfigMap's content: the server configuration shared by every pod
// (rendered from the args), the role files, and the pod scripts, read from
// the real files in this directory so they can be linted and run on their own.

import * as fs from "fs";
import * as path from "path";
import { ResolvedArgs } from "./args";
import { BINLOG_EXPIRE_SECONDS, CONTRACT_FILE, FILES, MOUNTS, PATHS, PORTS, renderShellContract } from "./contract";
import { FLAVOR_SPECS } from "./flavors";
import { parseQuantity } from "./quantity";

const SCRIPTS_DIR = path.join(__dirname, "scripts");
const CONF_DIR = path.join(__dirname, "conf");

/** InnoDB buffer pool: half the memory limit, in whole MiB, at least 128 MiB. */
export function bufferPoolBytes(memoryLimit: string): number {
  const limit = parseQuantity(memoryLimit) ?? 0;
  return Math.max(128, Math.floor(limit / 2 / 2 ** 20)) * 2 ** 20;
}

/**
 * With failover a commit waits for a replica without a time limit (the
 * largest timeout both servers accept, about 49 days): a primary cut off
 * from every replica must not acknowledge what a promoted replica lacks.
 * MariaDB: https://mariadb.com/kb/en/semisynchronous-replication/#rpl_semi_sync_master_timeout
 * MySQL: https://dev.mysql.com/doc/refman/8.4/en/replication-options-source.html#sysvar_rpl_semi_sync_source_timeout
 */
export const SEMI_SYNC_NO_FALLBACK_MS = 4_294_967_295;

/**
 * Semi-synchronous replication, enabled on every pod (each side only acts in
 * its role). With no replica connected the primary does not wait at first, so
 * a lone primary (or one whose first replica is still cloning) stays
 * writable; with failover on, the agent makes it wait once a replica has
 * connected (failover-agent.sh, strict_semi_sync). Without failover a commit
 * waits up to semiSyncTimeoutMs, then the primary falls back to asynchronous.
 */
function semiSyncConfig(args: ResolvedArgs): string {
  const timeout = args.failover ? SEMI_SYNC_NO_FALLBACK_MS : args.semiSyncTimeoutMs;
  if (args.flavor === "mariadb") {
    return [
      "# semi-synchronous replication (setting semiSync)",
      "rpl_semi_sync_master_enabled = ON",
      "rpl_semi_sync_slave_enabled = ON",
      `rpl_semi_sync_master_timeout = ${timeout}`,
      "rpl_semi_sync_master_wait_no_slave = OFF",
      "rpl_semi_sync_master_wait_point = AFTER_SYNC",
    ].join("\n");
  }
  return [
    "# semi-synchronous replication (setting semiSync)",
    "plugin_load_add = semisync_source.so",
    "plugin_load_add = semisync_replica.so",
    "loose_rpl_semi_sync_source_enabled = ON",
    "loose_rpl_semi_sync_replica_enabled = ON",
    `loose_rpl_semi_sync_source_timeout = ${timeout}`,
    "loose_rpl_semi_sync_source_wait_no_replica = OFF",
    "loose_rpl_semi_sync_source_wait_point = AFTER_SYNC",
  ].join("\n");
}

export function serverConfig(args: ResolvedArgs): string {
  return `# Shared by every pod; init-config.sh appends the role file and the server id.
[mysqld]
datadir = ${PATHS.dataDir}
socket = ${PATHS.socket}
pid_file = ${PATHS.pid}
tmpdir = ${MOUNTS.tmp}
port = ${PORTS.mysql}
bind_address = *
skip_name_resolve = ON
character_set_server = utf8mb4
max_connections = 500
innodb_buffer_pool_size = ${bufferPoolBytes(args.memoryLimit)}
# Durability: a commit acknowledged to a client is on disk, in the binlog too.
innodb_flush_log_at_trx_commit = 1
sync_binlog = 1
# Every pod writes a binlog (replicas log what they apply), so any pod can
# serve as a clone source and GTID positions agree across the cluster.
log_bin = binlog
binlog_format = ROW
binlog_expire_logs_seconds = ${BINLOG_EXPIRE_SECONDS}
relay_log = relay-bin
relay_log_recovery = ON
# TLS for clients and replication; the files come from the TLS Secret.
ssl_cert = ${PATHS.tlsCert}
ssl_key = ${PATHS.tlsKey}
ssl_ca = ${PATHS.tlsCa}
require_secure_transport = ${args.requireTls ? "ON" : "OFF"}
${FLAVOR_SPECS[args.flavor].serverConfig}
${args.semiSync ? semiSyncConfig(args) : "# semi-synchronous replication: off (setting semiSync)"}

[client]
socket = ${PATHS.socket}
`;
}

/**
 * Every file the ConfigMap holds, by key (which is also the file name under /scripts): server.cnf,
 * the files of conf/, the scripts, and contract.sh, the contract the scripts share with the builders.
 */
export function configMapData(args: ResolvedArgs): Record<string, string> {
  const data: Record<string, string> = { [FILES.serverConfig]: serverConfig(args) };
  for (const file of fs.readdirSync(CONF_DIR).sort()) data[file] = fs.readFileSync(path.join(CONF_DIR, file), "utf8");
  for (const file of fs.readdirSync(SCRIPTS_DIR).sort()) {
    if (file.endsWith(".sh")) data[file] = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
  }
  // Generated, never a file in scripts/: one there would be a second copy of the contract.
  if (CONTRACT_FILE in data)
    throw new Error(`scripts/${CONTRACT_FILE} must not exist: it is rendered from contract.ts`);
  data[CONTRACT_FILE] = renderShellContract();
  return data;
}
