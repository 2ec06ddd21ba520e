// The two database flavors differ only in images, program names and a few
// SQL words. Everything else (scripts, objects, probes) is shared, so what the
// MariaDB runs on this machine prove covers as much of the MySQL flavor as it can.

export type Flavor = "mysql" | "mariadb";

export const FLAVORS: readonly Flavor[] = ["mysql", "mariadb"];

export interface FlavorSpec {
  /** Image that runs the database server and the first-start initialisation. */
  serverImage: string;
  /** Image that runs the clone init step and the backup/replication sidecar. */
  backupImage: string;
  /** Server program, started explicitly (no image entrypoint). */
  serverCommand: string;
  /** SQL client program. */
  clientCommand: string;
  /** Administration client, for credential-free liveness pings. */
  adminCommand: string;
  /** Physical hot-backup program. */
  backupCommand: string;
  /** Extractor for the backup's xbstream format. */
  streamCommand: string;
  /** The flavor-specific lines of the server configuration. */
  serverConfig: string;
  /** What the replication scripts say differently; lib.sh's dialect section prints the same (tested). */
  dialect: FlavorDialect;
}

/**
 * The facts the pod scripts decide on that differ between the flavors, one
 * per function in the dialect section of scripts/lib.sh. dialect.ts lists
 * every flavor-specific name with the manual page it comes from.
 */
export interface FlavorDialect {
  /** SHOW REPLICA STATUS columns replication_state reads (replica_status_columns). */
  replicaStatusColumns: { io: string; sql: string; source: string; errno: string };
  /** Last_IO_Errno of a replica whose source purged binary logs it needs (purged_binlog_errno). */
  purgedBinlogErrno: number;
  /** Server option keeping replication threads stopped at server start (skip_replica_start_option). */
  skipReplicaStart: string;
  /**
   * The variable a former primary reads its resume position from (own_gtid_position):
   * MariaDB's gtid_binlog_pos; MySQL's gtid_executed, for the log only, since
   * auto-positioning needs no position.
   */
  ownPositionVariable: string;
}

export const FLAVOR_SPECS: Record<Flavor, FlavorSpec> = {
  mysql: {
    serverImage: "mysql:8.4",
    // The mysql:8.4 image has no physical backup tool and no transport
    // (image-facts.ts), so clone and sidecar run in XtraBackup's image.
    backupImage: "percona/percona-xtrabackup:8.4",
    serverCommand: "mysqld",
    clientCommand: "mysql",
    adminCommand: "mysqladmin",
    backupCommand: "xtrabackup",
    streamCommand: "xbstream",
    serverConfig: [
      "gtid_mode = ON",
      "enforce_gtid_consistency = ON",
      "log_replica_updates = ON",
      "replica_parallel_workers = 4",
      "replica_preserve_commit_order = ON",
      // Reconnect after 10 s without a heartbeat, not the default 60.
      "replica_net_timeout = 10",
      // The sidecar starts replication (configure-replication.sh): a clone of a
      // replica carries that replica's source in mysql.slave_master_info and
      // would otherwise start replicating before its GTIDs are declared.
      "skip_replica_start = ON",
      "mysqlx = OFF",
    ].join("\n"),
    dialect: {
      replicaStatusColumns: {
        io: "Replica_IO_Running",
        sql: "Replica_SQL_Running",
        source: "Source_Host",
        errno: "Last_IO_Errno",
      },
      purgedBinlogErrno: 13114,
      skipReplicaStart: "skip_replica_start",
      ownPositionVariable: "gtid_executed",
    },
  },
  mariadb: {
    serverImage: "mariadb:11.4",
    // The mariadb image ships mariadb-backup, mbstream and socat in versions
    // that match its server, so one image serves every container.
    backupImage: "mariadb:11.4",
    serverCommand: "mariadbd",
    clientCommand: "mariadb",
    adminCommand: "mariadb-admin",
    backupCommand: "mariadb-backup",
    streamCommand: "mbstream",
    serverConfig: [
      "gtid_strict_mode = ON",
      "log_slave_updates = ON",
      // 8, not 4: at 16 sysbench clients 4 fell behind in one run of three (BENCHMARKS.md).
      "slave_parallel_threads = 8",
      "slave_parallel_mode = optimistic",
      // Reconnect after 10 s without a heartbeat, not the default 60.
      "slave_net_timeout = 10",
      // The sidecar starts replication (configure-replication.sh), after every
      // restart: a clone of a replica carries that replica's master.info.
      "skip_slave_start = ON",
    ].join("\n"),
    dialect: {
      replicaStatusColumns: {
        io: "Slave_IO_Running",
        sql: "Slave_SQL_Running",
        source: "Master_Host",
        errno: "Last_IO_Errno",
      },
      purgedBinlogErrno: 1236,
      skipReplicaStart: "skip_slave_start",
      ownPositionVariable: "gtid_binlog_pos",
    },
  },
};
