// A scale-down and up during an automatic failover (issue 16): the primary's
// node is lost, `replicas` goes 3 -> 2 while no pod holds the primary yet, the
// node comes back, the scale-down completes and the cluster is scaled back to
// 3. Runs in the failover frame with the Lease recorded (failover-support.ts
// racing): no acknowledged write lost, never two writable servers, each change
// of holder a new term.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "../e2e/helpers";
import { racing, withSidecarLogs } from "../e2e/failover-support";

const ALL = [0, 1, 2];

describe("automatic failover: scaling during a failover", function () {
  this.timeout(900_000);
  let cluster: TestCluster;
  let lost: number | undefined;

  before(async () => {
    cluster = await new TestCluster("fsc", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.waitPrimary(0);
    await cluster.waitConsistent(ALL, 120_000, 0);
  });
  after(async () => {
    if (lost !== undefined) await cluster?.runner.restoreNode(lost);
    await cluster?.down();
  });

  it("a scale-down and up during a failover: the scale-down waits for the lost pod, nothing acknowledged is lost", async () => {
    const old = cluster.leaseHolder()!;
    const { history } = await withSidecarLogs(cluster, ALL, () =>
      racing(cluster, ALL, `scaling 3 -> 2 -> 3 while ${old} is lost`, async () => {
        lost = old;
        await cluster.runner.loseNode(old);
        const scalingDown = cluster.scale(2);
        const next = await cluster.waitPrimary(undefined, 90_000);
        assert.notStrictEqual(next, old);
        assert.deepStrictEqual(
          cluster.runner.status().map((p) => p.ordinal),
          ALL,
          "no pod was removed while the lost pod was not Running and Ready (OrderedReady)",
        );
        // The node comes back; once its pod is Ready the scale-down goes on (removing pod 2, maybe the
        // new primary, which then hands the Lease over), and the cluster is scaled back up.
        await cluster.runner.restoreNode(old);
        lost = undefined;
        await scalingDown;
        assert.deepStrictEqual(
          cluster.runner.status().map((p) => p.ordinal),
          [0, 1],
        );
        await cluster.scale(3);
      }),
    );
    // The failover, and a hand-over if the scale-down removed the new primary: each a new term.
    assert.strictEqual(history[0].holder, old);
    assert.ok(history.length >= 2, `the Lease never left ${old}: ${JSON.stringify(history)}`);
    for (let i = 1; i < history.length; i++)
      assert.ok(history[i].transitions > history[i - 1].transitions, `the Lease: ${JSON.stringify(history)}`);
    for (const o of ALL) await cluster.runner.waitReady(o, 300_000);
    await cluster.waitConsistent(ALL, 180_000, await cluster.waitPrimary());
  });
});
