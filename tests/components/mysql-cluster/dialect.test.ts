// The MySQL dialect check: every flavor-specific name the pod scripts and the
// server configuration use (found by dialect-scan.ts, with the flavor whose
// branch uses it) must be in components/mysql-cluster/dialect.ts for that
// flavor, which cites the manual page of each. MySQL never runs here, so this
// is what stands between a MariaDB-only name in a MySQL branch (as
// @@global.gtid_binlog_pos was) and a real cluster.

import * as assert from "assert";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { configMapData } from "../../../components/mysql-cluster/config-files";
import { DIALECT, DialectEntry, dialectOf, MYSQL_READ_IN_MANUAL } from "../../../components/mysql-cluster/dialect";
import { FLAVORS, Flavor } from "../../../components/mysql-cluster/flavors";
import { scanConfig, scanScript, UsedName } from "../../support/dialect-scan";

const OTHER: Record<Flavor, Flavor> = { mysql: "mariadb", mariadb: "mysql" };

/** Every flavor-specific name used, for `flavor`, in the ConfigMap's scripts and config files (semi-sync on, so its settings are in). */
function usedBy(flavor: Flavor, files = configMapData(resolveArgs("db", { flavor, semiSync: true }))): UsedName[] {
  const used: UsedName[] = [];
  for (const [file, text] of Object.entries(files)) {
    const names = file.endsWith(".sh")
      ? scanScript(file, text)
      : file.endsWith(".cnf")
        ? scanConfig(file, text, flavor)
        : [];
    used.push(...names.filter((u) => u.flavor === flavor));
  }
  return used;
}

/** Whether `entries` hold `used` (a variable may be listed as an option and the other way round: both are server settings). */
function holds(entries: DialectEntry[], used: UsedName): boolean {
  const settings = ["variable", "option"];
  return entries.some(
    (e) =>
      e.name === used.name && (e.kind === used.kind || (settings.includes(e.kind) && settings.includes(used.kind))),
  );
}

/** The used names the flavor's list lacks, as "kind name (file:line)". */
function unknown(flavor: Flavor, used: UsedName[]): string[] {
  const mine = dialectOf(flavor);
  const theirs = dialectOf(OTHER[flavor]);
  const missing = used.filter((u) => !holds(mine, u) && !(u.loose && holds(theirs, u)));
  return [...new Set(missing.map((u) => `${u.kind} ${u.name} (${u.at})`))].sort();
}

describe("MySQL / MariaDB dialect check", function () {
  for (const flavor of FLAVORS) {
    it(`every flavor-specific name the scripts and server config use for ${flavor} is in dialect.ts's ${flavor} list`, function () {
      const used = usedBy(flavor);
      assert.ok(used.length > 80, `the scan found only ${used.length} names: is it still reading the scripts?`);
      assert.deepStrictEqual(unknown(flavor, used), []);
    });

    it(`lists no ${flavor} name that nothing uses (the list is what the scripts need, kept current)`, function () {
      const used = usedBy(flavor);
      const stale = dialectOf(flavor).filter((e) => !used.some((u) => holds([e], u)));
      assert.deepStrictEqual(
        stale.map((e) => `${e.kind} ${e.name}`),
        [],
      );
    });
  }

  it("cites the MySQL 8.4 manual and the MariaDB Knowledge Base for every entry", function () {
    for (const e of DIALECT) {
      assert.ok(e.mysql || e.mariadb, `${e.name} names no flavor`);
      if (e.mysql)
        assert.match(
          e.mysql,
          /^https:\/\/dev\.mysql\.com\/doc\/(refman|mysql-errors)\/8\.4\/en\/\S+$/,
          `${e.name}: ${e.mysql}`,
        );
      if (e.mariadb) assert.match(e.mariadb, /^https:\/\/mariadb\.com\/kb\/en\/\S+$/, `${e.name}: ${e.mariadb}`);
    }
    for (const key of Object.keys(MYSQL_READ_IN_MANUAL)) {
      const [kind, ...name] = key.split(" ");
      assert.ok(
        dialectOf("mysql").some((e) => e.kind === kind && e.name === name.join(" ")),
        `MYSQL_READ_IN_MANUAL names ${key}, which the list lacks`,
      );
    }
  });

  it("gives every error its symbol, and every MariaDB statement, CHANGE option and function a statement to parse", function () {
    for (const e of DIALECT) {
      if (e.kind === "error") assert.match(e.symbol ?? "", /^ER_[A-Z_]+$/, `error ${e.name}`);
      if (e.mariadb && ["statement", "change-option", "function"].includes(e.kind))
        assert.ok(e.example?.includes(e.name), `${e.kind} ${e.name} has no example using it`);
    }
  });

  it("lists each flavor's own purged-binlog errno and none of the other's", function () {
    const errors = (f: Flavor) =>
      dialectOf(f)
        .filter((e) => e.kind === "error")
        .map((e) => e.name);
    assert.ok(errors("mysql").includes("13114") && !errors("mysql").includes("1236"));
    assert.ok(errors("mariadb").includes("1236") && !errors("mariadb").includes("13114"));
  });

  describe("the scan (dialect-scan.ts)", function () {
    const scan = (script: string) =>
      scanScript("t.sh", script)
        .map((u) => `${u.flavor} ${u.kind} ${u.name}`)
        .sort();

    it("catches a MariaDB variable read for both flavors, as configure-replication.sh did before this check", function () {
      // main's configure-replication.sh, lines 102-104.
      const script = "  primary_ready_to_follow || exit 0\n  gtid=$(sql_root -e 'SELECT @@global.gtid_binlog_pos')\n";
      const files = { "configure-replication.sh": script };
      assert.deepStrictEqual(unknown("mysql", usedBy("mysql", files)), [
        "variable gtid_binlog_pos (configure-replication.sh:2)",
      ]);
      assert.deepStrictEqual(unknown("mariadb", usedBy("mariadb", files)), []);
    });

    it("catches an unknown variable in a mysql branch, and not in a mariadb branch", function () {
      const script = [
        "f() {",
        "  case $FLAVOR in",
        "    mariadb) sql_root -e 'SELECT @@global.gtid_binlog_pos' ;;",
        "    *) sql_root -e 'SELECT @@global.gtid_binlog_pos' ;;",
        "  esac",
        "}",
      ].join("\n");
      assert.deepStrictEqual(unknown("mysql", usedBy("mysql", { "x.sh": script })), [
        "variable gtid_binlog_pos (x.sh:4)",
      ]);
      assert.deepStrictEqual(unknown("mariadb", usedBy("mariadb", { "x.sh": script })), []);
    });

    it("catches MariaDB's purged-binlog errno compared for MySQL (defect 18)", function () {
      assert.deepStrictEqual(unknown("mysql", usedBy("mysql", { "x.sh": "[[ $errno == 1236 ]] && exit 3\n" })), [
        "error 1236 (x.sh:1)",
      ]);
    });

    it("reads arms: named, default after a named arm, one-line cases, nested cases, and [[ $FLAVOR == x ]] && a || b", function () {
      assert.deepStrictEqual(
        scan(
          [
            "case ${FLAVOR:-} in",
            "  mysql) x='STOP REPLICA' ;;",
            "  *) sql -e 'STOP SLAVE'",
            "     case $mode in a) sql -e 'SHOW REPLICA STATUS' ;; esac",
            "     ;;",
            "esac",
            "case $FLAVOR in mariadb) sql -e 'SET GLOBAL gtid_slave_pos = 1' ;; *) sql -e 'SET GLOBAL gtid_purged = 1' ;; esac",
            'echo "$([[ $FLAVOR == mariadb ]] && echo --skip-slave-start || echo --skip-replica-start)"',
            "sql -e 'SELECT @@global.read_only'  # @@global.gtid_binlog_pos in a comment is not code",
          ].join("\n"),
        ),
        [
          "mariadb option skip_slave_start",
          "mariadb statement SHOW REPLICA STATUS",
          "mariadb statement STOP SLAVE",
          "mariadb variable gtid_slave_pos",
          "mariadb variable read_only",
          "mysql option skip_replica_start",
          "mysql statement STOP REPLICA",
          "mysql variable gtid_purged",
          "mysql variable read_only",
        ],
      );
    });

    it("reads a die arm after both flavors' arms as no flavor's", function () {
      assert.deepStrictEqual(
        scan("case $FLAVOR in\n  mariadb) a ;;\n  mysql) b ;;\n  *) sql -e 'SELECT @@global.nothing' ;;\nesac\n"),
        [],
      );
    });

    it("finds statements, CHANGE options, functions, privileges, status columns and errnos", function () {
      assert.deepStrictEqual(
        scan(
          [
            "case $FLAVOR in",
            "  mysql)",
            "    sql <<SQL",
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'h', SOURCE_AUTO_POSITION = 1;",
            "RESET BINARY LOGS AND GTIDS;",
            "SELECT WAIT_FOR_EXECUTED_GTID_SET('x', 5);",
            "GRANT BACKUP_ADMIN, REPLICATION CLIENT ON *.* TO 'b'@'localhost';",
            "SQL",
            "    printf '%s\\n' 'Replica_IO_Running Source_Host'",
            '    [[ $errno == "13114" ]] ;;',
            "esac",
          ].join("\n"),
        ),
        [
          "mysql change-option SOURCE_AUTO_POSITION",
          "mysql change-option SOURCE_HOST",
          "mysql error 13114",
          "mysql function WAIT_FOR_EXECUTED_GTID_SET",
          "mysql privilege BACKUP_ADMIN",
          "mysql privilege REPLICATION CLIENT",
          "mysql statement CHANGE REPLICATION SOURCE TO",
          "mysql statement RESET BINARY LOGS AND GTIDS",
          "mysql status-column Replica_IO_Running",
          "mysql status-column Source_Host",
        ],
      );
    });

    it("names a statement by its words with underscores (IO_THREAD) and without its LIKE argument, and finds status variables", function () {
      assert.deepStrictEqual(
        scan(
          [
            "case $FLAVOR in",
            "  mariadb) sql -e \"STOP SLAVE IO_THREAD; SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'\" ;;",
            "  mysql) sql -e \"STOP REPLICA IO_THREAD; SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_source_clients'\" ;;",
            "esac",
          ].join("\n"),
        ),
        [
          "mariadb statement SHOW GLOBAL STATUS",
          "mariadb statement STOP SLAVE IO_THREAD",
          "mariadb status-variable Rpl_semi_sync_master_clients",
          "mysql statement SHOW GLOBAL STATUS",
          "mysql statement STOP REPLICA IO_THREAD",
          "mysql status-variable Rpl_semi_sync_source_clients",
        ],
      );
    });

    it("reads server.cnf's settings, loose_ ones marked (the other flavor's name is fine there)", function () {
      const used = scanConfig(
        "my.cnf",
        "[client]\nsocket = /s\n[mysqld]\n# c\ngtid-mode = ON\nloose_super_read_only = ON\n",
        "mariadb",
      );
      assert.deepStrictEqual(
        used.map((u) => [u.name, u.loose ?? false]),
        [
          ["gtid_mode", false],
          ["super_read_only", true],
        ],
      );
      assert.deepStrictEqual(unknown("mariadb", used), ["variable gtid_mode (my.cnf:5)"]);
    });
  });
});
