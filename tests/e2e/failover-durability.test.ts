// Issue 16's durability rule, end to end on real MariaDB servers: once a replica has
// followed it, a primary acknowledges no commit that no replica has, also while no replica
// is connected (a promoted replica would lack it). The case that broke it: the primary's
// server restarts (a crash) while its only replica is cut off. The server comes back with
// the configured "do not wait without replicas", and its agent, still holding the Lease,
// reopened it before any replica reconnected: commits were acknowledged by it alone.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "./helpers";
import { logLine, withSidecarLogs } from "./failover-support";

describe("failover durability: a primary cut off from its only replica", function () {
  this.timeout(600_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("dur", { ...E2E_ARGS, replicas: 2 }).up();
    await cluster.waitPrimary(0);
    await cluster.query(0, "CREATE TABLE acks (id INT PRIMARY KEY)");
  });
  after(async () => cluster?.down());

  it("acknowledges no commit after its server restarts until the replica has it", async () => {
    await withSidecarLogs(cluster, [0, 1], async () => {
      await logLine(cluster, 0, "sidecar", 0, /a replica follows: commits now wait for one/, 120_000);
      await cluster.query(0, "INSERT INTO acks VALUES (1)", "app", 10_000);
      await cluster.runner.cutPeers(1, [0]);
      const offset = cluster.logsSoFar(0, "sidecar").length;
      await cluster.runner.killContainer(0, "mysql");
      // The agent reopens the restarted server (it still holds the Lease and renews it).
      await logLine(cluster, 0, "sidecar", offset, /this pod holds the Lease \(term \d+\) and takes writes/, 180_000);
      assert.strictEqual(cluster.leaseHolder(), 0, "pod 0 kept the Lease through its server's restart");
      const write = cluster.query(0, "INSERT INTO acks VALUES (2)", "app", 8_000).then(
        () => "acknowledged",
        (e: Error) => `not acknowledged (${e.message})`,
      );
      const outcome = await write;
      assert.match(outcome, /^not acknowledged \(.*timeout/i, "a commit no replica has was acknowledged");
      // Healed, the replica catches up and the commit waits no longer: writes are acknowledged again.
      await cluster.runner.healPeers(1, [0]);
      await cluster.runner.waitFor(
        "a write acknowledged once the replica is back",
        async () => {
          try {
            await cluster.query(0, "INSERT IGNORE INTO acks VALUES (3)", "app", 5_000);
            return true;
          } catch {
            return false;
          }
        },
        120_000,
      );
      await cluster.waitConsistent([0, 1], 120_000, 0);
    });
  });
});
