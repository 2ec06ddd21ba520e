// A scale-down and up during an automatic failover (issue 16), arranged so
// the pod promoted is the one the scale-down removes: pod 1 is cut off from
// the primary (pod 0), so only pod 2 acknowledges the commits that follow;
// pod 0's node is lost and `replicas` goes 3 -> 2 at once. Pod 2, past the new
// replica count (the Role no longer lets anyone label it) but the only member
// holding every acknowledged commit, must be promoted, and hands the Lease to
// pod 1, the kept pod that follows it; once pod 0's node is back the
// scale-down removes pod 2 and the cluster is scaled back to 3. Before the
// agent's fix a new holder waited for ever to relabel a previous holder past
// replicas: no primary after the scale-down. Runs in the failover frame with
// the Lease recorded (failover-support.ts racing): no acknowledged write
// lost, never two writable servers, each change of holder a new term.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "../e2e/helpers";
import { assertHandovers, racing, withSidecarLogs } from "../e2e/failover-support";

const ALL = [0, 1, 2];

describe("automatic failover: scaling during a failover", function () {
  this.timeout(900_000);
  let cluster: TestCluster;
  let lost = false;
  let cut = false;

  before(async () => {
    cluster = await new TestCluster("fsc", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.waitPrimary(0);
    await cluster.waitConsistent(ALL, 120_000, 0);
  });
  after(async () => {
    if (cut) await cluster?.runner.healPeers(1, [0]);
    if (lost) await cluster?.runner.restoreNode(0);
    await cluster?.down();
  });

  it("3 -> 2 -> 3 while the primary is lost: the pod scaled away is promoted and hands the Lease to a kept pod", async () => {
    const { history } = await withSidecarLogs(cluster, ALL, () =>
      racing(cluster, ALL, "scaling 3 -> 2 -> 3 while pod 0 is lost", async ({ writer }) => {
        // Only pod 2 acknowledges from now on: 20 commits pod 1 never receives.
        await cluster.runner.cutPeers(1, [0]);
        cut = true;
        const acked = writer.acknowledged.length;
        await cluster.runner.waitFor(
          "20 commits acknowledged while pod 1 is cut off from pod 0",
          () => writer.acknowledged.length >= acked + 20,
          60_000,
        );
        lost = true;
        await cluster.runner.loseNode(0);
        await cluster.runner.healPeers(1, [0]);
        cut = false;
        const scalingDown = cluster.scale(2);
        // Pod 2 first (the Lease's history says so below), then pod 1, to which it hands the Lease.
        await cluster.waitPrimary(1, 90_000);
        assert.deepStrictEqual(
          cluster.runner.status().map((p) => p.ordinal),
          ALL,
          "no pod was removed while the lost pod was not Running and Ready (OrderedReady)",
        );
        // The node comes back; once its pod is Ready the scale-down removes pod 2, now a
        // replica; then the cluster is scaled back up.
        await cluster.runner.restoreNode(0);
        lost = false;
        await scalingDown;
        assert.deepStrictEqual(
          cluster.runner.status().map((p) => p.ordinal),
          [0, 1],
        );
        await cluster.waitPrimary(undefined, 90_000);
        await cluster.scale(3);
      }),
    );
    // Pod 2 took the Lease from pod 0 and handed it to pod 1: each a new term, nothing else.
    assertHandovers(history, [0, 2, 1], "the failover during a scale-down");
    for (const o of ALL) await cluster.runner.waitReady(o, 300_000);
    await cluster.waitConsistent(ALL, 180_000, await cluster.waitPrimary());
  });
});
