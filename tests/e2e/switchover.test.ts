// A planned switchover (primaryOrdinal 0 -> 1 and `pulumi up`) under write load:
// no acknowledged commit is lost, the write Service follows the new primary,
// the former primary rejoins as a replica after the errant-GTID check, and a
// replica holding a transaction the new primary lacks is re-cloned, not attached.

import * as assert from "assert";
import { podFqdn } from "../../components/mysql-cluster/names";
import { E2E_ARGS, startAcknowledgedWriter, TestCluster } from "./helpers";

describe("a planned switchover under write load", function () {
  this.timeout(900_000);
  const name = "swo";
  let cluster: TestCluster;

  before(async () => {
    // A 1 s kubelet sync: this file tests what the switchover does, not how long the kubelet
    // takes to deliver it (kubelet-default-sync.test.ts runs it with the real default).
    cluster = await new TestCluster(name, { ...E2E_ARGS, replicas: 3 }, {}, undefined, {
      volumeSyncPeriodMs: 1000,
    }).up();
    await cluster.queryWriteService("CREATE TABLE acks (id INT PRIMARY KEY)");
    await cluster.queryWriteService("CREATE TABLE marker (id INT PRIMARY KEY)");
    await cluster.waitConsistent([1, 2]);
  });
  after(async () => cluster?.down());

  it("loses no acknowledged commit, moves writes to the new primary and rejoins the old one as its replica", async () => {
    // An errant transaction on replica 2: root bypasses read_only, and in its own
    // GTID domain it does not stop replication, so nothing but the check catches it.
    await cluster.rootSql(2, "SET SESSION gtid_domain_id = 7; INSERT INTO shop.marker VALUES (999)");
    assert.strictEqual(
      (await cluster.query(2, "SELECT id FROM marker")).length,
      1,
      "the errant row is on replica 2 before the switchover",
    );

    const writer = startAcknowledgedWriter(cluster, "acks", "writeService");
    const { acknowledged } = writer;
    await cluster.runner.waitFor("writes acknowledged before the switchover", () => acknowledged.length >= 50, 60_000);
    const beforeSwitch = acknowledged.length;
    await cluster.switchover(1);

    const newPrimaryHost = podFqdn({ name, namespace: "default", clusterDomain: "cluster.local" }, 1);
    await cluster.runner.waitFor(
      "pod 1 to take writes",
      async () =>
        (await cluster.query(1, "SELECT @@global.read_only AS ro", "monitor").catch(() => [{ ro: 1 }]))[0].ro === 0,
      120_000,
    );
    await cluster.runner.waitFor(
      "writes acknowledged through the write Service after the switchover",
      () => acknowledged.length >= beforeSwitch + 50,
      120_000,
    );
    await writer.stop();

    // The write Service now reaches pod 1 only.
    for (let i = 0; i < 5; i++) {
      const [row] = await cluster.queryWriteService<{ id: number }[]>("SELECT @@server_id AS id");
      assert.strictEqual(row.id, 101, "the write Service sent a connection to a pod other than the new primary");
    }
    const onNewPrimary = new Set((await cluster.query<{ id: number }[]>(1, "SELECT id FROM acks")).map((r) => r.id));
    const lost = acknowledged.filter((id) => !onNewPrimary.has(id));
    assert.deepStrictEqual(lost, [], "acknowledged commits missing on the new primary");

    // The former primary follows the new one; the replica with the errant row was re-cloned.
    await cluster.runner.waitFor(
      "pods 0 and 2 to replicate from pod 1",
      async () => {
        for (const ordinal of [0, 2]) {
          const status = await cluster.replicaStatus(ordinal).catch(() => undefined);
          if (status?.source !== newPrimaryHost || status.io !== "Yes" || status.sql !== "Yes") return false;
        }
        return true;
      },
      300_000,
    );
    await cluster.waitConsistent([0, 2], 180_000, 1);
    assert.strictEqual(await cluster.rootSql(0, "SELECT @@global.read_only"), "1\n", "the former primary is read-only");
    assert.match(
      cluster.logsSoFar(0, "sidecar"),
      /a former primary following .*swo-1\./,
      "pod 0 rejoined from its own position",
    );
    assert.doesNotMatch(cluster.logsSoFar(0, "sidecar"), /errant GTIDs/, "pod 0 held no errant transaction");
    assert.match(cluster.logsSoFar(2, "sidecar"), /errant GTIDs: 7-102-1/, "pod 2's errant transaction was found");
    assert.deepStrictEqual(
      await cluster.query(2, "SELECT id FROM marker"),
      [],
      "the errant row is gone from the re-cloned replica",
    );
    await cluster.runner.waitFor(
      "every pod to be Ready after the switchover",
      () => cluster.runner.status().filter((p) => p.ready).length === 3,
      120_000,
    );
    const gaps = writer.acknowledgedAt.slice(1).map((t, i) => t - writer.acknowledgedAt[i]);
    console.log(
      `      longest pause between acknowledged writes (the switchover's write downtime): ${(Math.max(...gaps) / 1000).toFixed(1)} s`,
    );
  });

  it("switches back to pod 0 and keeps every row", async () => {
    const rowsBefore = (await cluster.query<{ n: number }[]>(1, "SELECT COUNT(*) AS n FROM acks"))[0].n;
    await cluster.switchover(0);
    // The write Service follows the Lease: it reaches pod 1 until pod 1 has handed over.
    await cluster.waitPrimary(0, 120_000);
    await cluster.runner.waitFor(
      "the write Service to take writes on pod 0 again",
      async () => {
        const ok = await cluster.queryWriteService("INSERT INTO acks VALUES (1000000)").then(
          () => true,
          () => false,
        );
        return ok;
      },
      120_000,
    );
    const [row] = await cluster.queryWriteService<{ id: number }[]>("SELECT @@server_id AS id");
    assert.strictEqual(row.id, 100);
    assert.strictEqual(
      (await cluster.query<{ n: number }[]>(0, "SELECT COUNT(*) AS n FROM acks"))[0].n,
      rowsBefore + 1,
    );
    await cluster.waitConsistent([1, 2], 180_000, 0);
  });
});
