// The dialect section of lib.sh and the functions that parse what the
// servers and backup tools print (replication_state, errant_gtids,
// backup_position), run on fixture inputs of both flavors with an empty PATH:
// the sidecar runs them in percona/percona-xtrabackup:8.4 (UBI 9 minimal),
// where awk and sed are not confirmed, so they must need no command at all.
// The dialect functions must print what flavors.ts says (FlavorSpec.dialect).

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { configMapData } from "../../../components/mysql-cluster/config-files";
import { CONTRACT_FILE } from "../../../components/mysql-cluster/contract";
import { FLAVORS, FLAVOR_SPECS, Flavor } from "../../../components/mysql-cluster/flavors";

/** SHOW REPLICA STATUS plus the heartbeat lag, as MariaDB 10.11's client prints them with --vertical (captured). */
const MARIADB_STATUS = `*************************** 1. row ***************************
                Slave_IO_State: 
                   Master_Host: db-0.db-headless.ns.svc.cluster.local
                   Master_User: replicator
                   Master_Port: 3306
                 Connect_Retry: 5
               Master_Log_File: 
           Read_Master_Log_Pos: 4
                Relay_Log_File: p-relay-bin.000001
                 Relay_Log_Pos: 4
         Relay_Master_Log_File: 
              Slave_IO_Running: Yes
             Slave_SQL_Running: Yes
               Replicate_Do_DB: 
           Replicate_Ignore_DB: 
            Replicate_Do_Table: 
        Replicate_Ignore_Table: 
       Replicate_Wild_Do_Table: 
   Replicate_Wild_Ignore_Table: 
                    Last_Errno: 0
                    Last_Error: 
                  Skip_Counter: 0
           Exec_Master_Log_Pos: 0
               Relay_Log_Space: 256
               Until_Condition: None
                Until_Log_File: 
                 Until_Log_Pos: 0
            Master_SSL_Allowed: No
            Master_SSL_CA_File: 
            Master_SSL_CA_Path: 
               Master_SSL_Cert: 
             Master_SSL_Cipher: 
                Master_SSL_Key: 
         Seconds_Behind_Master: NULL
 Master_SSL_Verify_Server_Cert: No
                 Last_IO_Errno: 0
                 Last_IO_Error: 
                Last_SQL_Errno: 0
                Last_SQL_Error: 
   Replicate_Ignore_Server_Ids: 
              Master_Server_Id: 0
                Master_SSL_Crl: 
            Master_SSL_Crlpath: 
                    Using_Gtid: Slave_Pos
                   Gtid_IO_Pos: 
       Replicate_Do_Domain_Ids: 
   Replicate_Ignore_Domain_Ids: 
                 Parallel_Mode: optimistic
                     SQL_Delay: 0
           SQL_Remaining_Delay: NULL
       Slave_SQL_Running_State: 
              Slave_DDL_Groups: 0
Slave_Non_Transactional_Groups: 0
    Slave_Transactional_Groups: 0
          Replicate_Rewrite_DB: 
*************************** 1. row ***************************
Cluster_heartbeat_lag: 0`;

/**
 * The same for MySQL 8.4, column by column as the manual's SHOW REPLICA STATUS
 * example shows them (https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html),
 * with a two-server Executed_Gtid_Set continued on a second line.
 */
const MYSQL_STATUS = `*************************** 1. row ***************************
             Replica_IO_State: Waiting for source to send event
                  Source_Host: db-0.db-headless.ns.svc.cluster.local
                  Source_User: replicator
                  Source_Port: 3306
                Connect_Retry: 5
              Source_Log_File: binlog.000003
          Read_Source_Log_Pos: 1559
               Relay_Log_File: relay-bin.000002
                Relay_Log_Pos: 1775
        Relay_Source_Log_File: binlog.000003
           Replica_IO_Running: Yes
          Replica_SQL_Running: Yes
              Replicate_Do_DB: 
          Replicate_Ignore_DB: 
           Replicate_Do_Table: 
       Replicate_Ignore_Table: 
      Replicate_Wild_Do_Table: 
  Replicate_Wild_Ignore_Table: 
                   Last_Errno: 0
                   Last_Error: 
                 Skip_Counter: 0
          Exec_Source_Log_Pos: 1559
              Relay_Log_Space: 1985
              Until_Condition: None
               Until_Log_File: 
                Until_Log_Pos: 0
           Source_SSL_Allowed: Yes
           Source_SSL_CA_File: /etc/mysql-tls/ca.crt
           Source_SSL_CA_Path: 
              Source_SSL_Cert: 
            Source_SSL_Cipher: 
               Source_SSL_Key: 
        Seconds_Behind_Source: 0
Source_SSL_Verify_Server_Cert: Yes
                Last_IO_Errno: 0
                Last_IO_Error: 
               Last_SQL_Errno: 0
               Last_SQL_Error: 
  Replicate_Ignore_Server_Ids: 
             Source_Server_Id: 100
                  Source_UUID: 3e11fa47-71ca-11e1-9e33-c80aa9429562
             Source_Info_File: mysql.slave_master_info
                    SQL_Delay: 0
          SQL_Remaining_Delay: NULL
    Replica_SQL_Running_State: Replica has read all relay log; waiting for more updates
           Source_Retry_Count: 10
                  Source_Bind: 
      Last_IO_Error_Timestamp: 
     Last_SQL_Error_Timestamp: 
               Source_SSL_Crl: 
           Source_SSL_Crlpath: 
           Retrieved_Gtid_Set: 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5
            Executed_Gtid_Set: 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,
4f22ab58-82db-22f2-af44-d91bb0530673:1-3
                Auto_Position: 1
         Replicate_Rewrite_DB: 
                 Channel_Name: 
           Source_TLS_Version: 
       Source_public_key_path: 
        Get_Source_public_key: 0
            Network_Namespace: 
*************************** 1. row ***************************
Cluster_heartbeat_lag: 0`;

const STATUS: Record<Flavor, string> = { mariadb: MARIADB_STATUS, mysql: MYSQL_STATUS };

describe("lib.sh dialect and parsing functions (no commands on PATH)", function () {
  let work: string;
  let lib: string;

  before(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dialect-fn-"));
    lib = path.join(work, "lib.sh");
    const data = configMapData(resolveArgs("db", { flavor: "mariadb" }));
    for (const file of ["lib.sh", CONTRACT_FILE]) fs.writeFileSync(path.join(work, file), data[file]);
    fs.mkdirSync(path.join(work, "empty"));
  });

  after(function () {
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Runs `script` after sourcing lib.sh, as pod db-1 of FLAVOR, with PATH pointing at an empty directory. */
  function run(
    flavor: Flavor,
    script: string,
    env: Record<string, string> = {},
  ): { code: number | null; out: string; err: string } {
    const r = spawnSync("/bin/bash", ["--norc", "-c", `set -euo pipefail; source "$LIB"; ${script}`], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: path.join(work, "empty"), LIB: lib, POD_NAME: "db-1", FLAVOR: flavor, ...env },
      encoding: "utf8",
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  function ok(flavor: Flavor, script: string, env: Record<string, string> = {}): string {
    const r = run(flavor, script, env);
    assert.strictEqual(r.code, 0, `exit ${r.code}: ${r.err}`);
    assert.strictEqual(r.err, "", "wrote to stderr (a command not found?)");
    return r.out;
  }

  /** replication_state with a stand-in client that prints `status` whatever it is asked. */
  function state(flavor: Flavor, status: string): string {
    return ok(flavor, `client() { printf '%s\\n' "$STATUS"; }; replication_state client`, { STATUS: status }).trim();
  }

  for (const flavor of FLAVORS) {
    const spec = FLAVOR_SPECS[flavor].dialect;

    describe(flavor, function () {
      it("prints the dialect flavors.ts records (columns, purged-binlog errno, skip-start option)", function () {
        assert.strictEqual(
          ok(flavor, "replica_status_columns").trim(),
          [
            spec.replicaStatusColumns.io,
            spec.replicaStatusColumns.sql,
            spec.replicaStatusColumns.source,
            spec.replicaStatusColumns.errno,
          ].join(" "),
        );
        assert.strictEqual(ok(flavor, "purged_binlog_errno").trim(), String(spec.purgedBinlogErrno));
        assert.strictEqual(ok(flavor, "skip_replica_start_option").trim(), spec.skipReplicaStart);
      });

      it("own_gtid_position reads the flavor's variable and joins a multi-line set", function () {
        const out = ok(
          flavor,
          `client() { [[ $* == *"@@global.$VAR"* ]] || return 1; printf 'a:1-5,\\nb:1-3\\n'; }; own_gtid_position client`,
          { VAR: spec.ownPositionVariable },
        );
        assert.strictEqual(out, "a:1-5,b:1-3\n");
      });

      it("replication_state reads a running replica's threads, lag, source and errno", function () {
        assert.strictEqual(state(flavor, STATUS[flavor]), "Yes Yes 0 db-0.db-headless.ns.svc.cluster.local 0");
      });

      it("replication_state reports stopped threads and the purged-binlog errno", function () {
        const c = spec.replicaStatusColumns;
        const stopped = STATUS[flavor]
          .replace(`${c.io}: Yes`, `${c.io}: No`)
          .replace(`${c.sql}: Yes`, `${c.sql}: No`)
          .replace(/Last_IO_Errno: 0/, `Last_IO_Errno: ${spec.purgedBinlogErrno}`)
          .replace(
            /Last_IO_Error: $/m,
            "Last_IO_Error: Got fatal error 1236 from source when reading data from binary log: 'x: y'",
          )
          .replace("Cluster_heartbeat_lag: 0", "Cluster_heartbeat_lag: 17");
        assert.strictEqual(
          state(flavor, stopped),
          `No No 17 db-0.db-headless.ns.svc.cluster.local ${spec.purgedBinlogErrno}`,
        );
      });

      it("replication_state says none for a server that is no replica and has no heartbeat yet", function () {
        assert.strictEqual(state(flavor, ""), "none none none none 0");
      });

      it("replication_state reads only the flavor's own column names", function () {
        const other = STATUS[flavor === "mysql" ? "mariadb" : "mysql"];
        assert.strictEqual(state(flavor, other).split(" ").slice(0, 2).join(" "), "none none");
      });

      it("replication_state fails when the client fails", function () {
        assert.notStrictEqual(run(flavor, "client() { return 1; }; replication_state client").code, 0);
      });
    });
  }

  it("no pod script calls awk or sed (the backup image runs most of them; neither is confirmed there)", function () {
    const calls: string[] = [];
    for (const [file, text] of Object.entries(configMapData(resolveArgs("db", { flavor: "mysql" })))) {
      if (!file.endsWith(".sh")) continue;
      text.split("\n").forEach((line, i) => {
        const code = line.replace(/(^|\s)#.*$/, "");
        if (/(^|[\s|;&($`])(awk|sed)(\s|$)/.test(code)) calls.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepStrictEqual(calls, []);
  });

  describe("errant_gtids (MariaDB: this server's own entries the other lacks)", function () {
    const cases: [string, string, string][] = [
      ["0-101-5", "0-101-5", ""],
      ["0-101-6", "0-101-5", "0-101-6"],
      ["0-100-9,0-101-6", "0-100-9", "0-101-6"],
      ["0-101-6,1-101-2", "0-101-6", "1-101-2"],
      ["0-100-3,0-101-4", "0-100-3,0-101-4,1-102-7", ""],
      ["0-101-10", "0-101-9", "0-101-10"],
      ["0-101-9", "0-101-10", ""],
      ["0-102-5", "", ""],
      ["0-101-1", "", "0-101-1"],
      ["", "", ""],
    ];
    for (const [mine, theirs, errant] of cases) {
      it(`mine "${mine}", theirs "${theirs}": "${errant}"`, function () {
        assert.strictEqual(ok("mariadb", `errant_gtids "$MINE" "$THEIRS"`, { MINE: mine, THEIRS: theirs }), errant);
      });
    }
  });

  describe("executed_gtids", function () {
    it("joins the set the client prints (MySQL's spans lines) and drops spaces", function () {
      assert.strictEqual(
        ok("mysql", `client() { printf 'a:1-5,\\n b:1-3\\n'; }; executed_gtids client`),
        "a:1-5,b:1-3",
      );
    });
    // The scripts' clients run with --batch and without --raw, which prints a
    // newline inside a value as the two characters "\n" (MySQL 8.4 manual,
    // mysql-command-options.html#option_mysql_raw), and MySQL's gtid_executed
    // holds ",\n" between its servers' sets.
    it("drops the \\n the client's batch mode prints for MySQL's newlines", function () {
      assert.strictEqual(
        ok("mysql", `client() { printf '%s\\n' 'a:1-5,\\nb:1-3'; }; executed_gtids client`),
        "a:1-5,b:1-3",
      );
      assert.strictEqual(
        ok("mysql", `client() { printf '%s\\n' 'a:1-5,\\nb:1-3'; }; own_gtid_position client`),
        "a:1-5,b:1-3\n",
      );
    });
    it("fails when the client fails", function () {
      assert.notStrictEqual(run("mariadb", "client() { return 1; }; executed_gtids client").code, 0);
    });
  });

  describe("backup_position", function () {
    function position(files: Record<string, string>): { code: number | null; out: string } {
      const dir = fs.mkdtempSync(path.join(work, "backup-"));
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
      const r = run("mariadb", `backup_position "$DIR"`, { DIR: dir });
      return { code: r.code, out: r.out };
    }

    it("takes a MariaDB replica's gtid_slave_pos from xtrabackup_slave_info", function () {
      assert.deepStrictEqual(
        position({
          xtrabackup_slave_info:
            "SET GLOBAL gtid_slave_pos = '0-100-42,1-100-7';\nCHANGE MASTER TO master_use_gtid = slave_pos\n",
          xtrabackup_binlog_info: "binlog.000002\t3456\t0-101-9\n",
        }),
        { code: 0, out: "0-100-42,1-100-7\n" },
      );
    });

    it("takes the third column of xtrabackup_binlog_info from a primary (MariaDB)", function () {
      assert.deepStrictEqual(position({ xtrabackup_binlog_info: "binlog.000002\t3456\t0-100-42\n" }), {
        code: 0,
        out: "0-100-42\n",
      });
    });

    it("takes a MySQL set from xtrabackup_binlog_info, continued lines and a missing final newline included", function () {
      assert.deepStrictEqual(
        position({
          xtrabackup_slave_info:
            "SET GLOBAL gtid_purged='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';\nCHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION=1;\n",
          xtrabackup_binlog_info:
            "binlog.000003\t1559\t3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n4f22ab58-82db-22f2-af44-d91bb0530673:1-3",
        }),
        { code: 0, out: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4f22ab58-82db-22f2-af44-d91bb0530673:1-3\n" },
      );
    });

    it("falls back to the binlog position when the slave info holds an empty gtid_slave_pos", function () {
      assert.deepStrictEqual(
        position({
          xtrabackup_slave_info: "SET GLOBAL gtid_slave_pos = '';\n",
          xtrabackup_binlog_info: "binlog.000001\t328\t0-100-3\n",
        }),
        { code: 0, out: "0-100-3\n" },
      );
    });

    // MariaDB 11.1 renamed mariadb-backup's files (MDEV-18931), so the 11.4
    // image writes only mariadb_backup_*; the local runner's 10.11 still
    // writes xtrabackup_*, which is why no e2e run caught it.
    // https://mariadb.com/kb/en/files-created-by-mariabackup/
    it("takes a MariaDB 11.4 replica's gtid_slave_pos from mariadb_backup_slave_info", function () {
      assert.deepStrictEqual(
        position({
          mariadb_backup_slave_info:
            "SET GLOBAL gtid_slave_pos = '0-100-42';\nCHANGE MASTER TO master_use_gtid = slave_pos;\n",
          mariadb_backup_binlog_info: "mariadb-bin.000002\t3456\t0-101-9\n",
        }),
        { code: 0, out: "0-100-42\n" },
      );
    });

    it("takes a MariaDB 11.4 primary's GTIDs from mariadb_backup_binlog_info", function () {
      assert.deepStrictEqual(position({ mariadb_backup_binlog_info: "mariadb-bin.000096\t568\t0-1-2\n" }), {
        code: 0,
        out: "0-1-2\n",
      });
    });

    it("fails when the backup records no position", function () {
      assert.strictEqual(position({ xtrabackup_binlog_info: "binlog.000001\t328\n" }).code, 1);
      assert.strictEqual(position({}).code, 1);
    });
  });
});
