// Races around an automatic failover (issue 16), on real MariaDB servers and
// the runner's API server: two candidates waking together, and a second
// failover right after the first (MOCO #370). Each runs under an acknowledged
// writer (following the Lease's holder), a pooled client through the write
// Service and the writable sampler (failover-support.ts), and asserts that no
// acknowledged write is lost and that no two servers ever took writes at once.
// Who won is read from the Lease itself, sampled throughout. A scale-down
// and up during a failover is failover-scale.test.ts, a failover while a
// replica re-clones failover-reclone.test.ts.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "./helpers";
import { assertHandovers, leaseSilentFor, racing } from "./failover-support";

const REPLICAS = 3;
const ALL = [0, 1, 2];
/** failoverLeaseSeconds' default: how long a silent holder keeps the Lease. */
const LEASE_SECONDS = 10;

const others = (ordinal: number) => ALL.filter((o) => o !== ordinal);

describe("automatic failover: races", function () {
  this.timeout(900_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("races", { ...E2E_ARGS, replicas: REPLICAS }).up();
    await cluster.waitPrimary(0);
  });
  after(async () => cluster?.down());

  /** Nodes lost and not yet back: a failed scenario leaves the next one a whole cluster. */
  const lostNodes = new Set<number>();
  async function loseNode(ordinal: number): Promise<void> {
    lostNodes.add(ordinal);
    await cluster.runner.loseNode(ordinal);
  }
  async function restoreNode(ordinal: number): Promise<void> {
    lostNodes.delete(ordinal);
    await cluster.runner.restoreNode(ordinal);
  }
  afterEach(async () => {
    for (const o of [...lostNodes]) await restoreNode(o);
  });

  /** Brings a lost node back and waits until every pod is Ready and holds the primary's data. */
  async function heal(lostNode: number): Promise<void> {
    await restoreNode(lostNode);
    for (const o of ALL) await cluster.runner.waitReady(o, 300_000);
    await cluster.waitConsistent(ALL, 180_000, await cluster.waitPrimary());
  }

  it("two candidates waking together for an expired Lease: exactly one takes it", async () => {
    const old = cluster.leaseHolder()!;
    const [a, b] = others(old);
    const { history, after } = await racing(cluster, ALL, `replicas ${a} and ${b} racing`, async () => {
      // Both agents stall, the primary's node goes, and both wake together long after its lease ran out.
      cluster.runner.freezeContainer(a, "sidecar", true);
      cluster.runner.freezeContainer(b, "sidecar", true);
      try {
        await loseNode(old);
        await leaseSilentFor(cluster, LEASE_SECONDS + 2);
      } finally {
        cluster.runner.freezeContainer(a, "sidecar", false);
        cluster.runner.freezeContainer(b, "sidecar", false);
      }
    });
    assert.ok([a, b].includes(after));
    assertHandovers(history, [old, after], "the race");
    await heal(old);
  });

  it("a second failover right after the first (MOCO #370): the new primary lost as soon as it takes writes", async () => {
    const first = cluster.leaseHolder()!;
    let second = -1;
    const { history, after } = await racing(cluster, ALL, `losing ${first}, then its successor`, async () => {
      await loseNode(first);
      second = await cluster.waitPrimary(undefined, 90_000);
      assert.notStrictEqual(second, first);
      await loseNode(second);
      // The last replica cannot know what the first primary holds until it answers: it comes back,
      // without replication set up (a former primary), and is no candidate.
      await restoreNode(first);
      await cluster.runner.waitFor(
        "a third pod to hold the Lease",
        () => ![first, second, undefined].includes(cluster.leaseHolder()),
        120_000,
      );
    });
    const third = others(first).find((o) => o !== second)!;
    assert.strictEqual(after, third);
    assertHandovers(history, [first, second, third], "two failovers");
    await heal(second);
  });
});
