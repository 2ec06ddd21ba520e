// Automatic failover (issue 16), on real MariaDB servers and the runner's API
// server: each scenario runs under an acknowledged writer (following the
// Lease's holder) and a pooled client through the write Service, and asserts
// that no acknowledged write is lost and that no two servers take writes at
// any sampled moment. The figures each scenario prints are measured properly
// (repeated, with spreads) by `npm run bench`.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "./helpers";
import { underLoad, withSidecarLogs } from "./failover-support";

const REPLICAS = 3;
const ALL = [0, 1, 2];

describe("automatic failover: planned and unplanned loss of the primary", function () {
  this.timeout(900_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("fo", { ...E2E_ARGS, replicas: REPLICAS }).up();
    await cluster.waitPrimary(0);
  });
  after(async () => cluster?.down());

  it("hands over directly on a planned switchover (no kubelet refresh), nothing lost", async () => {
    await withSidecarLogs(cluster, ALL, async () => {
      const { primary } = await underLoad(cluster, ALL, "a switchover to pod 1", async () => {
        await cluster.switchover(1);
        await cluster.waitPrimary(1, 60_000);
      });
      assert.strictEqual(primary, 1);
    });
    await cluster.waitConsistent(ALL, 120_000, 1);
  });

  it("promotes the most advanced replica when the primary's pod is deleted, and the old one rejoins", async () => {
    const old = cluster.leaseHolder()!;
    await withSidecarLogs(cluster, ALL, async () => {
      const { primary } = await underLoad(
        cluster,
        ALL,
        `deleting the primary's pod ${old}`,
        () => cluster.runner.restartPod(old),
        { recoverWithinMs: 60_000 },
      );
      assert.notStrictEqual(primary, old, "the deleted pod's Lease went to another pod");
    });
    const primary = cluster.leaseHolder()!;
    await cluster.runner.waitReady(old, 300_000);
    await cluster.waitConsistent(ALL, 120_000, primary);
  });

  it("promotes a replica when the primary's node is lost, and the old primary follows it when the node is back", async () => {
    const old = cluster.leaseHolder()!;
    const primary = await withSidecarLogs(cluster, ALL, async () => {
      const figures = await underLoad(
        cluster,
        ALL,
        `losing the node of primary ${old}`,
        () => cluster.runner.loseNode(old),
        { recoverWithinMs: 90_000 },
      );
      assert.notStrictEqual(figures.primary, old, "the lost node's Lease went to another pod");
      return figures.primary;
    });
    await cluster.runner.restoreNode(old);
    await cluster.runner.waitReady(old, 300_000);
    await cluster.waitConsistent(ALL, 120_000, primary);
  });

  it("does not move the primary back on a later pulumi up", async () => {
    const now = cluster.leaseHolder()!;
    // `pulumi up` with nothing changed for the pods (a change to the pod template would roll
    // them, and a roll moves the primary by design): the Lease is applied again with its
    // request unchanged; the failovers above moved the primary without a request.
    const before = cluster.runner.lease()!;
    await cluster.runner.apply(cluster.render(REPLICAS) as never);
    // A whole lease duration and more: any move would have happened by then.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    assert.strictEqual(cluster.leaseHolder(), now);
    assert.strictEqual(cluster.runner.lease()!.transitions, before.transitions, "the Lease changed hands");
    assert.strictEqual(await cluster.waitPrimary(now, 10_000), now);
  });
});
