// The primary killed hard while a client writes: every commit the client saw
// acknowledged survives on whichever pod is the primary afterwards (the same
// pod when it is back within the lease, a promoted replica otherwise) and
// reaches every replica, and the replicas reconnect by themselves.

import * as assert from "assert";
import { E2E_ARGS, startAcknowledgedWriter, TestCluster } from "./helpers";

describe("the primary killed hard under writes", function () {
  this.timeout(600_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("crash", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.query(0, "CREATE TABLE acks (id INT PRIMARY KEY)");
  });
  after(async () => cluster?.down());

  it("keeps every acknowledged commit on the primary and every replica", async () => {
    const writer = startAcknowledgedWriter(cluster, "acks", "leaseHolder");
    const { acknowledged } = writer;
    await cluster.runner.waitFor("some acknowledged writes before the crash", () => acknowledged.length >= 50, 60_000);
    await cluster.runner.killPod(0);
    const ackedBeforeCrash = acknowledged.length;
    await cluster.runner.waitReady(0, 300_000);
    const primary = await cluster.waitPrimary(undefined, 120_000);
    const replicas = [0, 1, 2].filter((o) => o !== primary);
    await cluster.runner.waitFor(
      "writes acknowledged after the restart",
      () => acknowledged.length >= ackedBeforeCrash + 20,
      120_000,
    );
    await writer.stop();

    const onPrimary = new Set((await cluster.query<{ id: number }[]>(primary, "SELECT id FROM acks")).map((r) => r.id));
    const lost = acknowledged.filter((id) => !onPrimary.has(id));
    assert.deepStrictEqual(lost, [], `acknowledged commits missing on the primary after the crash`);
    await cluster.waitConsistent(replicas, 120_000, primary);
    for (const ordinal of replicas) {
      const status = await cluster.replicaStatus(ordinal);
      assert.deepStrictEqual(
        [status.io, status.sql],
        ["Yes", "Yes"],
        `replica ${ordinal} did not reconnect: ${status.error}`,
      );
    }
  });
});
