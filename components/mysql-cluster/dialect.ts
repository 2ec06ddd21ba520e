// The committed list of every flavor-specific name the pod scripts and the
// server configuration use: system variables, server options, statements,
// CHANGE ... TO options, functions, privileges, SHOW REPLICA STATUS columns and
// error numbers, for MySQL 8.4 and MariaDB 11.4, each with the manual page it
// comes from. tests/components/mysql-cluster/dialect.test.ts finds every such
// name in the scripts and config (with the flavor that runs it) and fails on
// any this list does not hold for that flavor; tests/e2e/dialect.test.ts checks
// the MariaDB entries against a real server. Nothing here runs MySQL: its
// entries rest on the manual, and MYSQL_READ_IN_MANUAL says which of them were
// read there (the others cite the page where the manual documents them).

import { Flavor } from "./flavors";

export type DialectKind =
  | "variable"
  | "option"
  | "statement"
  | "change-option"
  | "function"
  | "privilege"
  | "status-column"
  | "status-variable"
  | "error";

export interface DialectEntry {
  kind: DialectKind;
  /** As the scripts write it: lower-case variables and options (dashes as "_"), upper-case SQL, numbers for errors. */
  name: string;
  /** The MySQL 8.4 manual page, when MySQL has this name. */
  mysql?: string;
  /** The MariaDB Knowledge Base page, when MariaDB has this name. */
  mariadb?: string;
  /** Variables: the scope SHOW VARIABLES shows it in (default global). */
  scope?: "global" | "session";
  /** MySQL variables a plugin provides (loaded by plugin_load_add in server.cnf). */
  plugin?: string;
  /** Errors: the symbol the error reference (and perror) gives the number. */
  symbol?: string;
  /** Statements and the like: a complete statement that uses the name, for a parse check. */
  example?: string;
  note?: string;
}

export const DIALECT: readonly DialectEntry[] = [
  {
    kind: "variable",
    name: "bind_address",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_bind_address",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#bind_address",
  },
  {
    kind: "variable",
    name: "character_set_server",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_character_set_server",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#character_set_server",
  },
  {
    kind: "variable",
    name: "datadir",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_datadir",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#datadir",
  },
  {
    kind: "variable",
    name: "max_connections",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_max_connections",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#max_connections",
  },
  {
    kind: "variable",
    name: "pid_file",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_pid_file",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#pid_file",
  },
  {
    kind: "variable",
    name: "port",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_port",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#port",
  },
  {
    kind: "variable",
    name: "skip_name_resolve",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_skip_name_resolve",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#skip_name_resolve",
  },
  {
    kind: "variable",
    name: "socket",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_socket",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#socket",
  },
  {
    kind: "variable",
    name: "tmpdir",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_tmpdir",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#tmpdir",
  },
  {
    kind: "variable",
    name: "require_secure_transport",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_require_secure_transport",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#require_secure_transport",
  },
  {
    kind: "variable",
    name: "event_scheduler",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_event_scheduler",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#event_scheduler",
  },
  {
    kind: "variable",
    name: "read_only",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_read_only",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#read_only",
  },
  {
    kind: "variable",
    name: "skip_networking",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_skip_networking",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#skip_networking",
  },
  {
    kind: "variable",
    name: "ssl_ca",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_ssl_ca",
    mariadb: "https://mariadb.com/kb/en/ssl-tls-system-variables/#ssl_ca",
  },
  {
    kind: "variable",
    name: "ssl_cert",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_ssl_cert",
    mariadb: "https://mariadb.com/kb/en/ssl-tls-system-variables/#ssl_cert",
  },
  {
    kind: "variable",
    name: "ssl_key",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_ssl_key",
    mariadb: "https://mariadb.com/kb/en/ssl-tls-system-variables/#ssl_key",
  },
  {
    kind: "variable",
    name: "innodb_buffer_pool_size",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/innodb-parameters.html#sysvar_innodb_buffer_pool_size",
    mariadb: "https://mariadb.com/kb/en/innodb-system-variables/#innodb_buffer_pool_size",
  },
  {
    kind: "variable",
    name: "innodb_flush_log_at_trx_commit",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/innodb-parameters.html#sysvar_innodb_flush_log_at_trx_commit",
    mariadb: "https://mariadb.com/kb/en/innodb-system-variables/#innodb_flush_log_at_trx_commit",
  },
  {
    kind: "variable",
    name: "sync_binlog",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#sysvar_sync_binlog",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#sync_binlog",
  },
  {
    kind: "variable",
    name: "binlog_format",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#sysvar_binlog_format",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#binlog_format",
  },
  {
    kind: "variable",
    name: "log_bin_basename",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#sysvar_log_bin_basename",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#log_bin_basename",
  },
  {
    kind: "variable",
    name: "binlog_expire_logs_seconds",
    mysql:
      "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#sysvar_binlog_expire_logs_seconds",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#binlog_expire_logs_seconds",
  },
  {
    kind: "variable",
    name: "sql_log_bin",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#sysvar_sql_log_bin",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#sql_log_bin",
    scope: "session",
  },
  {
    kind: "variable",
    name: "log_bin",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#option_mysqld_log-bin",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#log_bin",
  },
  {
    kind: "variable",
    name: "relay_log",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_relay_log",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#relay_log",
  },
  {
    kind: "variable",
    name: "relay_log_recovery",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_relay_log_recovery",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#relay_log_recovery",
  },
  {
    kind: "variable",
    // Bounds the wait of SET GLOBAL read_only for a metadata lock (failover-lib.sh, fence_server).
    name: "lock_wait_timeout",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_lock_wait_timeout",
    mariadb: "https://mariadb.com/kb/en/server-system-variables/#lock_wait_timeout",
  },
  {
    kind: "variable",
    name: "super_read_only",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_super_read_only",
  },
  {
    kind: "variable",
    name: "gtid_mode",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-gtids.html#sysvar_gtid_mode",
  },
  {
    kind: "variable",
    name: "enforce_gtid_consistency",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-gtids.html#sysvar_enforce_gtid_consistency",
  },
  {
    kind: "variable",
    name: "gtid_executed",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-gtids.html#sysvar_gtid_executed",
  },
  {
    kind: "variable",
    name: "gtid_purged",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-gtids.html#sysvar_gtid_purged",
  },
  {
    kind: "variable",
    name: "log_replica_updates",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#sysvar_log_replica_updates",
  },
  {
    kind: "variable",
    name: "replica_parallel_workers",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_replica_parallel_workers",
  },
  {
    kind: "variable",
    name: "replica_preserve_commit_order",
    mysql:
      "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_replica_preserve_commit_order",
  },
  {
    kind: "variable",
    name: "replica_net_timeout",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_replica_net_timeout",
  },
  {
    kind: "variable",
    name: "skip_replica_start",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_skip_replica_start",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_source_enabled",
    mysql:
      "https://dev.mysql.com/doc/refman/8.4/en/replication-options-source.html#sysvar_rpl_semi_sync_source_enabled",
    plugin: "semisync_source.so",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_source_timeout",
    mysql:
      "https://dev.mysql.com/doc/refman/8.4/en/replication-options-source.html#sysvar_rpl_semi_sync_source_timeout",
    plugin: "semisync_source.so",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_source_wait_no_replica",
    mysql:
      "https://dev.mysql.com/doc/refman/8.4/en/replication-options-source.html#sysvar_rpl_semi_sync_source_wait_no_replica",
    plugin: "semisync_source.so",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_source_wait_point",
    mysql:
      "https://dev.mysql.com/doc/refman/8.4/en/replication-options-source.html#sysvar_rpl_semi_sync_source_wait_point",
    plugin: "semisync_source.so",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_replica_enabled",
    mysql:
      "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_rpl_semi_sync_replica_enabled",
    plugin: "semisync_replica.so",
  },
  {
    kind: "option",
    name: "plugin_load_add",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-options.html#option_mysqld_plugin-load-add",
  },
  {
    kind: "option",
    name: "mysqlx",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/x-plugin-options-system-variables.html#option_mysqld_mysqlx",
  },
  {
    kind: "option",
    name: "initialize_insecure",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-options.html#option_mysqld_initialize-insecure",
  },
  {
    kind: "option",
    name: "skip_replica_start",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-replica.html#sysvar_skip_replica_start",
  },
  { kind: "variable", name: "gtid_strict_mode", mariadb: "https://mariadb.com/kb/en/gtid/#gtid_strict_mode" },
  { kind: "variable", name: "gtid_binlog_pos", mariadb: "https://mariadb.com/kb/en/gtid/#gtid_binlog_pos" },
  { kind: "variable", name: "gtid_binlog_state", mariadb: "https://mariadb.com/kb/en/gtid/#gtid_binlog_state" },
  { kind: "variable", name: "gtid_slave_pos", mariadb: "https://mariadb.com/kb/en/gtid/#gtid_slave_pos" },
  {
    kind: "variable",
    name: "log_slave_updates",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#log_slave_updates",
  },
  {
    kind: "variable",
    name: "slave_parallel_threads",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#slave_parallel_threads",
  },
  {
    kind: "variable",
    name: "slave_parallel_mode",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#slave_parallel_mode",
  },
  {
    kind: "variable",
    name: "slave_net_timeout",
    mariadb: "https://mariadb.com/kb/en/replication-and-binary-log-system-variables/#slave_net_timeout",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_master_enabled",
    mariadb: "https://mariadb.com/kb/en/semisync/#rpl_semi_sync_master_enabled",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_slave_enabled",
    mariadb: "https://mariadb.com/kb/en/semisync/#rpl_semi_sync_slave_enabled",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_master_timeout",
    mariadb: "https://mariadb.com/kb/en/semisync/#rpl_semi_sync_master_timeout",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_master_wait_no_slave",
    mariadb: "https://mariadb.com/kb/en/semisync/#rpl_semi_sync_master_wait_no_slave",
  },
  {
    kind: "variable",
    name: "rpl_semi_sync_master_wait_point",
    mariadb: "https://mariadb.com/kb/en/semisync/#rpl_semi_sync_master_wait_point",
  },
  {
    kind: "option",
    name: "skip_slave_start",
    mariadb: "https://mariadb.com/kb/en/mariadbd-options/#-skip-slave-start",
    note: "an option only in 10.11 (not in SHOW GLOBAL VARIABLES)",
  },
  {
    kind: "statement",
    name: "SHOW REPLICA STATUS",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html",
    mariadb: "https://mariadb.com/kb/en/show-replica-status/",
    example: "SHOW REPLICA STATUS",
  },
  {
    kind: "statement",
    name: "START REPLICA",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/start-replica.html",
    mariadb: "https://mariadb.com/kb/en/start-replica/",
    example: "START REPLICA",
  },
  {
    kind: "statement",
    name: "STOP REPLICA",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/stop-replica.html",
    mariadb: "https://mariadb.com/kb/en/stop-replica/",
    example: "STOP REPLICA",
  },
  {
    kind: "statement",
    name: "STOP REPLICA IO_THREAD",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/stop-replica.html",
  },
  {
    kind: "statement",
    name: "STOP SLAVE IO_THREAD",
    mariadb: "https://mariadb.com/kb/en/stop-replica/",
    example: "STOP SLAVE IO_THREAD",
  },
  {
    kind: "statement",
    name: "SHOW GLOBAL STATUS",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-status.html",
    mariadb: "https://mariadb.com/kb/en/show-status/",
    example: "SHOW GLOBAL STATUS LIKE 'Uptime'",
  },
  {
    kind: "statement",
    name: "SHUTDOWN",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/shutdown.html",
    mariadb: "https://mariadb.com/kb/en/shutdown/",
    example: "SHUTDOWN",
  },
  {
    kind: "statement",
    name: "SHOW BINARY LOGS",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-binary-logs.html",
    mariadb: "https://mariadb.com/kb/en/show-binary-logs/",
    example: "SHOW BINARY LOGS",
    note: "archive-binlogs.sh reads the first two columns (Log_name, File_size); MySQL 8.4 adds Encrypted after them",
  },
  {
    kind: "statement",
    name: "SHOW BINLOG EVENTS IN",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-binlog-events.html",
    mariadb: "https://mariadb.com/kb/en/show-binlog-events/",
    example: "SHOW BINLOG EVENTS IN 'binlog.000001' LIMIT 12",
    note:
      "columns Log_name, Pos, Event_type, Server_id, End_log_pos, Info in both; the position before a file is MariaDB's " +
      "Gtid_list event, MySQL's Previous_gtids (archive-lib.sh archive_head; the MySQL form is not run here)",
  },
  {
    kind: "statement",
    name: "FLUSH BINARY LOGS",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/flush.html#flush-binary-logs",
    mariadb: "https://mariadb.com/kb/en/flush/",
    example: "FLUSH BINARY LOGS",
  },
  {
    kind: "statement",
    name: "PURGE BINARY LOGS TO",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/purge-binary-logs.html",
    mariadb: "https://mariadb.com/kb/en/purge-binary-logs/",
    example: "PURGE BINARY LOGS TO 'binlog.000001'",
  },
  {
    kind: "statement",
    name: "FLUSH PRIVILEGES",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/flush.html",
    mariadb: "https://mariadb.com/kb/en/flush/",
    example: "FLUSH PRIVILEGES",
  },
  {
    kind: "statement",
    name: "CHANGE REPLICATION SOURCE TO",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  { kind: "statement", name: "RESET REPLICA ALL", mysql: "https://dev.mysql.com/doc/refman/8.4/en/reset-replica.html" },
  {
    kind: "statement",
    name: "RESET BINARY LOGS AND GTIDS",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/reset-binary-logs-and-gtids.html",
  },
  {
    kind: "statement",
    name: "CHANGE MASTER TO",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_CONNECT_RETRY = 5",
  },
  {
    kind: "statement",
    name: "START SLAVE",
    mariadb: "https://mariadb.com/kb/en/start-replica/",
    example: "START SLAVE",
  },
  { kind: "statement", name: "STOP SLAVE", mariadb: "https://mariadb.com/kb/en/stop-replica/", example: "STOP SLAVE" },
  {
    kind: "statement",
    name: "RESET SLAVE ALL",
    mariadb: "https://mariadb.com/kb/en/reset-replica/",
    example: "RESET SLAVE ALL",
  },
  {
    kind: "change-option",
    name: "SOURCE_HOST",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_PORT",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_USER",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_PASSWORD",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_SSL",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_SSL_CA",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_SSL_VERIFY_SERVER_CERT",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_AUTO_POSITION",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_CONNECT_RETRY",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "SOURCE_HEARTBEAT_PERIOD",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  },
  {
    kind: "change-option",
    name: "MASTER_HOST",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_HOST = 'h'",
  },
  {
    kind: "change-option",
    name: "MASTER_PORT",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_PORT = 3306",
  },
  {
    kind: "change-option",
    name: "MASTER_USER",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_USER = 'replicator'",
  },
  {
    kind: "change-option",
    name: "MASTER_PASSWORD",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_PASSWORD = 'p'",
  },
  {
    kind: "change-option",
    name: "MASTER_SSL",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_SSL = 1",
  },
  {
    kind: "change-option",
    name: "MASTER_SSL_CA",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_SSL_CA = '/ca.crt'",
  },
  {
    kind: "change-option",
    name: "MASTER_SSL_VERIFY_SERVER_CERT",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_SSL_VERIFY_SERVER_CERT = 1",
  },
  {
    kind: "change-option",
    name: "MASTER_USE_GTID",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_USE_GTID = slave_pos",
  },
  {
    kind: "change-option",
    name: "MASTER_CONNECT_RETRY",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_CONNECT_RETRY = 5",
  },
  {
    kind: "change-option",
    name: "MASTER_HEARTBEAT_PERIOD",
    mariadb: "https://mariadb.com/kb/en/change-master-to/",
    example: "CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD = 2",
  },
  {
    kind: "function",
    name: "GTID_SUBTRACT",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/gtid-functions.html#function_gtid-subtract",
  },
  {
    kind: "function",
    name: "GTID_SUBSET",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/gtid-functions.html#function_gtid-subset",
  },
  {
    kind: "function",
    name: "WAIT_FOR_EXECUTED_GTID_SET",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/gtid-functions.html#function_wait-for-executed-gtid-set",
  },
  {
    kind: "function",
    name: "MASTER_GTID_WAIT",
    mariadb: "https://mariadb.com/kb/en/master_gtid_wait/",
    example: "SELECT MASTER_GTID_WAIT('0-1-1', 0)",
  },
  {
    kind: "privilege",
    name: "PROCESS",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html",
    mariadb: "https://mariadb.com/kb/en/grant/",
  },
  {
    kind: "privilege",
    name: "RELOAD",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html",
    mariadb: "https://mariadb.com/kb/en/grant/",
  },
  {
    kind: "privilege",
    name: "LOCK TABLES",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html",
    mariadb: "https://mariadb.com/kb/en/grant/",
  },
  {
    kind: "privilege",
    name: "SELECT",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html",
    mariadb: "https://mariadb.com/kb/en/grant/",
  },
  {
    kind: "privilege",
    name: "ALL PRIVILEGES",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html",
    mariadb: "https://mariadb.com/kb/en/grant/",
  },
  {
    kind: "privilege",
    name: "REPLICATION SLAVE",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html",
    mariadb: "https://mariadb.com/kb/en/grant/",
  },
  {
    kind: "privilege",
    name: "REPLICATION CLIENT",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html#priv_replication-client",
  },
  {
    kind: "privilege",
    name: "BACKUP_ADMIN",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html#priv_backup-admin",
  },
  { kind: "privilege", name: "BINLOG MONITOR", mariadb: "https://mariadb.com/kb/en/grant/#binlog-monitor" },
  { kind: "privilege", name: "SLAVE MONITOR", mariadb: "https://mariadb.com/kb/en/grant/#slave-monitor" },
  {
    kind: "status-column",
    name: "Replica_IO_Running",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html",
  },
  {
    kind: "status-column",
    name: "Replica_SQL_Running",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html",
  },
  {
    kind: "status-column",
    name: "Source_Host",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html",
  },
  {
    kind: "status-column",
    name: "Last_IO_Errno",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html",
  },
  {
    kind: "status-column",
    name: "Retrieved_Gtid_Set",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html",
  },
  { kind: "status-column", name: "Slave_IO_Running", mariadb: "https://mariadb.com/kb/en/show-replica-status/" },
  { kind: "status-column", name: "Slave_SQL_Running", mariadb: "https://mariadb.com/kb/en/show-replica-status/" },
  { kind: "status-column", name: "Master_Host", mariadb: "https://mariadb.com/kb/en/show-replica-status/" },
  { kind: "status-column", name: "Last_IO_Errno", mariadb: "https://mariadb.com/kb/en/show-replica-status/" },
  { kind: "status-column", name: "Gtid_IO_Pos", mariadb: "https://mariadb.com/kb/en/show-replica-status/" },
  {
    kind: "status-variable",
    name: "Rpl_semi_sync_source_clients",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-monitoring.html",
    plugin: "semisync_source.so",
  },
  {
    kind: "status-variable",
    name: "Rpl_semi_sync_master_clients",
    mariadb: "https://mariadb.com/kb/en/semisync/#rpl_semi_sync_master_clients",
  },
  {
    kind: "error",
    name: "13114",
    mysql:
      "https://dev.mysql.com/doc/mysql-errors/8.4/en/server-error-reference.html#error_er_server_source_fatal_error_reading_binlog",
    symbol: "ER_SERVER_SOURCE_FATAL_ERROR_READING_BINLOG",
  },
  {
    kind: "error",
    name: "1045",
    mysql: "https://dev.mysql.com/doc/mysql-errors/8.4/en/server-error-reference.html#error_er_access_denied_error",
    symbol: "ER_ACCESS_DENIED_ERROR",
  },
  {
    kind: "error",
    name: "1236",
    mariadb: "https://mariadb.com/kb/en/mariadb-error-codes/",
    symbol: "ER_MASTER_FATAL_ERROR_READING_BINLOG",
  },
  {
    kind: "error",
    name: "1045",
    mariadb: "https://mariadb.com/kb/en/mariadb-error-codes/",
    symbol: "ER_ACCESS_DENIED_ERROR",
  },
  {
    kind: "option",
    name: "skip_log_bin",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/replication-options-binary-log.html#option_mysqld_log-bin",
    mariadb: "https://mariadb.com/kb/en/mariadbd-options/#-skip-log-bin",
  },
  {
    kind: "option",
    name: "skip_grant_tables",
    mysql: "https://dev.mysql.com/doc/refman/8.4/en/server-options.html#option_mysqld_skip-grant-tables",
    mariadb: "https://mariadb.com/kb/en/mariadbd-options/#-skip-grant-tables",
  },
];

/** The entries of one flavor. */
export function dialectOf(flavor: Flavor): DialectEntry[] {
  return DIALECT.filter((e) => e[flavor] !== undefined);
}

/**
 * MySQL 8.4 facts whose text was read in the manual (or, where noted, a
 * vendor's page quoting the server) while writing this list; every other
 * MySQL entry cites the page documenting it but was not re-read, and none was
 * run (there is no MySQL server here).
 */
export const MYSQL_READ_IN_MANUAL: Readonly<Record<string, string>> = {
  "statement START REPLICA": "https://dev.mysql.com/doc/refman/8.4/en/start-replica.html",
  "statement RESET BINARY LOGS AND GTIDS":
    "https://dev.mysql.com/doc/refman/8.4/en/reset-binary-logs-and-gtids.html (replaces RESET MASTER, no longer supported)",
  "statement RESET REPLICA ALL":
    "https://dev.mysql.com/doc/refman/8.4/en/reset.html (RESET REPLICA; ALL per reset-replica.html, not re-read)",
  "statement SHOW REPLICA STATUS": "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html",
  "status-column Replica_IO_Running":
    "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html (example output)",
  "status-column Replica_SQL_Running":
    "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html (example output)",
  "status-column Source_Host": "https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html (example output)",
  "statement CHANGE REPLICATION SOURCE TO": "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html",
  "change-option SOURCE_HOST": "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_PORT": "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_USER": "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_PASSWORD": "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_AUTO_POSITION":
    "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_HEARTBEAT_PERIOD":
    "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_CONNECT_RETRY":
    "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_SSL": "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "change-option SOURCE_SSL_CA": "https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (syntax)",
  "function WAIT_FOR_EXECUTED_GTID_SET": "https://dev.mysql.com/doc/refman/8.4/en/gtid-functions.html",
  "status-variable Rpl_semi_sync_source_clients":
    "https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-monitoring.html (the number of semisynchronous replicas connected to the source)",
  "variable rpl_semi_sync_source_enabled":
    "https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-interface.html",
  "variable rpl_semi_sync_replica_enabled":
    "https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-interface.html",
  "variable rpl_semi_sync_source_timeout":
    "https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-interface.html",
  "variable skip_replica_start":
    "https://dev.mysql.com/doc/mysql-replication-excerpt/8.0/en/channels-startup-options.html (skip_replica_start system variable; 8.0 text)",
  "error 13114":
    "https://www.percona.com/blog/mysql-replication-how-to-deal-with-the-got-fatal-error-1236-or-my-013114-error (Last_IO_Errno 13114 from SHOW REPLICA STATUS; perror: ER_SERVER_SOURCE_FATAL_ERROR_READING_BINLOG; a vendor's page, not the 8.4 error reference)",
  "variable replica_parallel_workers":
    "https://docs.percona.com/percona-monitoring-and-management/advisors/checks/sql-processing-not-multi-threaded.html (quotes the manual: from 8.0.26)",
};
