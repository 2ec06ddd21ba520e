// Scaling on real servers with a few hundred MB of data: new replicas clone
// from the previous ordinal and end identical; replicas removed and brought
// back reuse their volumes and resume, or re-clone when the primary has purged
// the binary logs they would need.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { withSidecarLogs } from "./failover-support";
import { E2E_ARGS, TestCluster, writeBulk } from "./helpers";

describe("scaling a cluster that holds data", function () {
  this.timeout(900_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("scale", { ...E2E_ARGS, replicas: 3 }).up();
    await writeBulk(cluster, "bulk", 250);
  });
  after(async () => cluster?.down());

  /** The pods but the primary: the ones that must match it. */
  const replicasOf = (primary: number, pods: number) =>
    Array.from({ length: pods }, (_, o) => o).filter((o) => o !== primary);

  it("scales 3 -> 5: each new pod clones from the previous ordinal, catches up, and every table checksums the same on all five", () =>
    withSidecarLogs(cluster, [0, 1, 2], async () => {
      await cluster.scale(5);
      assert.match(cluster.runner.logs(3, "clone-data"), /cloning from scale-2\.scale\./);
      assert.match(cluster.runner.logs(4, "clone-data"), /cloning from scale-3\.scale\./);
      const primary = await cluster.waitPrimary();
      const sums = await cluster.waitConsistent(replicasOf(primary, 5), 120_000, primary);
      assert.match(sums, /bulk=\d+/);
      const [{ n: rows }] = await cluster.query<{ n: number }[]>(4, "SELECT COUNT(*) AS n FROM bulk");
      assert.ok(rows >= 250_000, `only ${rows} rows on the newest pod`);
    }));

  it("scales 5 -> 3 -> 5: the returning pods reuse their volumes and resume replication", () =>
    withSidecarLogs(cluster, [0, 1, 2], async () => {
      await cluster.scale(3);
      assert.ok(
        fs.existsSync(path.join(cluster.runner.pvcDir("data", 4), "data")),
        "scale-down removed pod 4's volume",
      );
      const primary = await cluster.waitPrimary();
      await cluster.query(primary, "CREATE TABLE IF NOT EXISTS while_away (id INT PRIMARY KEY)");
      await cluster.query(primary, "INSERT INTO while_away VALUES (1), (2), (3)");
      await cluster.scale(5);
      for (const ordinal of [3, 4]) {
        assert.match(cluster.runner.logs(ordinal, "clone-data"), /data directory present; not cloning/);
        assert.strictEqual(
          cluster.runner.logs(ordinal, "clone-data").match(/cloning from/g)?.length,
          1,
          `pod ${ordinal} cloned again`,
        );
      }
      await cluster.waitConsistent(replicasOf(primary, 5), 120_000, primary);
    }));

  it("re-clones returning pods when the primary has purged the binary logs they need, and they end consistent", () =>
    withSidecarLogs(cluster, [0, 1, 2], async () => {
      await cluster.scale(3);
      const primary = await cluster.waitPrimary();
      await cluster.query(primary, "INSERT INTO while_away VALUES (4), (5)");
      await cluster.rootSql(primary, "FLUSH BINARY LOGS");
      const current = (await cluster.rootSql(primary, "SHOW MASTER STATUS")).split("\t")[0];
      // A log a replica's dump thread still reads is kept: try until it has moved on.
      await cluster.runner.waitFor(
        "the primary to purge every binary log before the current one",
        async () => {
          await cluster.rootSql(primary, `PURGE BINARY LOGS TO '${current}'`);
          return (await cluster.rootSql(primary, "SHOW BINARY LOGS")).trim().split("\n").length === 1;
        },
        30_000,
      );
      await cluster.scale(5);
      for (const ordinal of [3, 4]) {
        await cluster.runner.waitFor(
          `pod ${ordinal} to re-clone`,
          () =>
            /re-cloning this replica/.test(cluster.runner.logs(ordinal, "sidecar")) &&
            (cluster.runner.logs(ordinal, "sidecar").match(/cloned from/g)?.length ?? 0) >= 1,
          240_000,
        );
        await cluster.runner.waitReady(ordinal, 240_000);
      }
      await cluster.waitConsistent(replicasOf(primary, 5), 240_000, primary);
    }));
});
