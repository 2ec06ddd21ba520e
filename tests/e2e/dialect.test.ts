// The flavor dialect on real MariaDB servers (10.11 stands in for 11.4):
// - replication starts only when the sidecar starts it (skip_slave_start):
//   a clone taken from a replica, and replicas restarted later, replicate
//   again with no duplicate-key stop and every acknowledged write;
// - every MariaDB entry of components/mysql-cluster/dialect.ts holds on the
//   server: variables in SHOW GLOBAL VARIABLES, options in the server's
//   --help, columns in SHOW REPLICA STATUS, statements, CHANGE MASTER options,
//   functions and privileges parse (PREPARE parses without running), error
//   numbers carry the listed symbol (perror of the same installation).

import * as assert from "assert";
import { execFileSync } from "child_process";
import { dialectOf } from "../../components/mysql-cluster/dialect";
import { E2E_ARGS, startAcknowledgedWriter, TestCluster } from "./helpers";

const STARTED_BY_SIDECAR = /replication threads stopped \(io=No sql=No\); starting them/g;

describe("the MariaDB dialect on real servers", function () {
  this.timeout(900_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("dial", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.query(0, "CREATE TABLE acked (id INT PRIMARY KEY)");
  });
  after(async () => cluster?.down());

  /** Replication state of `ordinal` as the monitor user sees it, with the applier's error number. */
  async function applier(ordinal: number): Promise<{ io: string; sql: string; sqlErrno: number }> {
    const { io, sql, sqlErrno } = await cluster.replicaStatus(ordinal);
    return { io, sql, sqlErrno };
  }

  async function holdsAll(ordinal: number, ids: number[]): Promise<void> {
    await cluster.runner.waitFor(
      `pod ${ordinal} to hold all ${ids.length} acknowledged rows`,
      async () => {
        const [{ n }] = await cluster.query<{ n: number }[]>(
          ordinal,
          `SELECT COUNT(*) AS n FROM acked WHERE id <= ${Math.max(0, ...ids)}`,
        );
        return Number(n) >= ids.length;
      },
      120_000,
    );
  }

  it("a clone taken from a replica under writes replicates once the sidecar sets it up, with no duplicate-key stop", async () => {
    const writer = startAcknowledgedWriter(cluster, "acked");
    try {
      await cluster.scale(4);
    } finally {
      await writer.stop();
    }
    assert.match(
      cluster.runner.logs(3, "clone-data"),
      /cloning from dial-2\.dial\./,
      "the clone was not taken from replica 2",
    );
    assert.match(cluster.runner.logs(3, "sidecar"), /starting replication from .* at the clone's GTID/);
    assert.ok(writer.acknowledged.length > 0, "no write was acknowledged during the clone");
    await holdsAll(3, writer.acknowledged);
    await cluster.waitConsistent([1, 2, 3]);
    assert.deepStrictEqual(await applier(3), { io: "Yes", sql: "Yes", sqlErrno: 0 });
  });

  for (const ordinal of [3, 1]) {
    it(`after a restart, replica ${ordinal} does not replicate until the sidecar starts it, then catches up`, async () => {
      const before = (cluster.logsSoFar(ordinal, "sidecar").match(STARTED_BY_SIDECAR) ?? []).length;
      const writer = startAcknowledgedWriter(cluster, "acked");
      try {
        await cluster.runner.restartPod(ordinal);
        await cluster.runner.waitReady(ordinal);
      } finally {
        await writer.stop();
      }
      // The server came up with its threads stopped (skip_slave_start); the
      // sidecar saw them stopped and started them.
      const after = (cluster.logsSoFar(ordinal, "sidecar").match(STARTED_BY_SIDECAR) ?? []).length;
      // The runner appends a pod's logs across restarts.
      assert.ok(
        after > before,
        `the sidecar did not start replication after the restart:\n${cluster.logsSoFar(ordinal, "sidecar").split("\n").slice(-15).join("\n")}`,
      );
      await holdsAll(ordinal, writer.acknowledged);
      await cluster.waitConsistent([1, 2, 3]);
      assert.deepStrictEqual(await applier(ordinal), { io: "Yes", sql: "Yes", sqlErrno: 0 });
    });
  }

  describe("dialect.ts's MariaDB list against the server", function () {
    const list = dialectOf("mariadb");
    const REPLICA = 1;

    it("has every listed variable in SHOW GLOBAL (or, for session ones, SESSION) VARIABLES", async () => {
      const missing: string[] = [];
      for (const scope of ["global", "session"] as const) {
        const names = list.filter((e) => e.kind === "variable" && (e.scope ?? "global") === scope).map((e) => e.name);
        const shown = await cluster.rootSql(
          REPLICA,
          `SHOW ${scope.toUpperCase()} VARIABLES WHERE Variable_name IN (${names.map((n) => `'${n}'`).join(", ")})`,
        );
        const have = new Set(shown.split("\n").map((line) => line.split("\t")[0]));
        missing.push(...names.filter((n) => !have.has(n)).map((n) => `${scope} ${n}`));
      }
      assert.deepStrictEqual(missing, []);
    });

    it("has every listed server option in mariadbd --verbose --help", async () => {
      const help = await cluster.runner.exec(REPLICA, "mysql", ["mariadbd", "--no-defaults", "--verbose", "--help"], {
        timeoutMs: 60_000,
      });
      assert.strictEqual(help.code, 0, help.stderr);
      // The options table: "option-name   value" lines; a --skip-X option is the boolean X (or its own name).
      const options = new Set(
        help.stdout
          .split("\n")
          .map((line) => line.split(/\s+/)[0])
          .filter(Boolean),
      );
      const known = (name: string) => {
        const dashed = name.replace(/_/g, "-");
        return options.has(dashed) || (dashed.startsWith("skip-") && options.has(dashed.slice("skip-".length)));
      };
      assert.deepStrictEqual(
        list.filter((e) => e.kind === "option" && !known(e.name)).map((e) => e.name),
        [],
      );
    });

    it("shows every listed column in SHOW REPLICA STATUS on a replica", async () => {
      const [row] = await cluster.query<Record<string, string>[]>(REPLICA, "SHOW REPLICA STATUS", "monitor");
      assert.ok(row, "pod 1 shows no replica status");
      assert.deepStrictEqual(
        list.filter((e) => e.kind === "status-column" && !(e.name in row)).map((e) => e.name),
        [],
      );
    });

    it("parses every listed statement, CHANGE MASTER option, function and privilege (PREPARE, not run)", async () => {
      const failed: string[] = [];
      for (const e of list) {
        let sql: string | undefined;
        if (["statement", "change-option", "function"].includes(e.kind)) sql = e.example;
        if (e.kind === "privilege") sql = `GRANT ${e.name} ON *.* TO 'nobody'@'%'`;
        if (!sql) continue;
        try {
          await cluster.rootSql(
            REPLICA,
            `PREPARE dialect_check FROM '${sql.replace(/'/g, "''")}'; DEALLOCATE PREPARE dialect_check;`,
          );
        } catch (error) {
          failed.push(`${e.kind} ${e.name}: ${(error as Error).message.trim()}`);
        }
      }
      assert.deepStrictEqual(failed, []);
    });

    it("refuses a name that is not MariaDB's the same way (the checks can fail)", async () => {
      await assert.rejects(
        cluster.rootSql(REPLICA, "PREPARE dialect_check FROM 'RESET BINARY LOGS AND GTIDS'"),
        /1064/,
      );
      const shown = await cluster.rootSql(
        REPLICA,
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('gtid_executed', 'skip_replica_start')",
      );
      assert.strictEqual(shown.trim(), "");
    });

    it("gives every listed error number the listed symbol (perror of the server's installation)", function () {
      const wrong: string[] = [];
      for (const e of list.filter((x) => x.kind === "error")) {
        const out = execFileSync("perror", [e.name], { encoding: "utf8" });
        if (!out.includes(`(${e.symbol})`)) wrong.push(`${e.name}: ${out.trim()}`);
      }
      assert.deepStrictEqual(wrong, []);
    });
  });
});
