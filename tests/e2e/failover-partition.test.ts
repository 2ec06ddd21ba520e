// Automatic failover when the primary is stalled rather than gone (issue 16):
// a sidecar frozen (SIGSTOP) for less and for more than the lease. Each runs
// under the acknowledged writer (following the Lease's holder), the pooled
// client through the write Service (both with a statement timeout, which
// clients need: a session closed across a cut never tells its client) and the
// writable sampler, and asserts that no acknowledged write is lost and that no
// two servers take writes at any sampled moment. It prints the fence and
// takeover times it measures. The primary cut off from its peers and the API
// (before and during a commit) is failover-cutoff.test.ts.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "./helpers";
import { fencedBeforeTakeover, seconds, underLoad } from "./failover-support";

const REPLICAS = 3;
const ALL = [0, 1, 2];
const LEASE_MS = 10_000; // failoverLeaseSeconds' default, which E2E_ARGS keeps
const STATEMENT_TIMEOUT_MS = 5_000;

/** The frame of every scenario here: writers with a statement timeout (see underLoad). */
const underPartitionLoad = (cluster: TestCluster, what: string, scenario: Parameters<typeof underLoad>[3]) =>
  underLoad(cluster, ALL, what, scenario, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });

describe("automatic failover: a primary cut off or stalled", function () {
  this.timeout(1_500_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("fop", { ...E2E_ARGS, replicas: REPLICAS }).up();
    await cluster.waitPrimary(0);
  });
  after(async () => cluster?.down());

  /** The cluster is whole again: every pod Ready and holding what the primary holds. */
  async function settled(primary: number): Promise<void> {
    for (const o of ALL) await cluster.runner.waitReady(o, 300_000);
    await cluster.waitConsistent(ALL, 180_000, primary);
  }

  it("a sidecar frozen for 5 s (less than the lease): no failover, the primary keeps writing", async () => {
    const primary = cluster.leaseHolder()!;
    const transitions = cluster.runner.lease()!.transitions;
    let fenced = "";
    const { primary: after } = await underPartitionLoad(
      cluster,
      `pod ${primary}'s sidecar frozen 5 s`,
      async ({ sampler }) => {
        const t0 = Date.now();
        cluster.runner.freezeContainer(primary, "sidecar", true);
        await new Promise((resolve) => setTimeout(resolve, 5_000)); // the scenario: a 5 s stall
        cluster.runner.freezeContainer(primary, "sidecar", false);
        await cluster.waitPrimary(primary, 30_000);
        const readOnlyAt = sampler.firstAnswer(primary, "1", t0);
        fenced = readOnlyAt
          ? `its server fenced itself after ${seconds(readOnlyAt - t0)} s and reopened`
          : "never fenced";
        return `primary ${primary} kept the Lease, ${fenced}`;
      },
    );
    assert.strictEqual(after, primary, "the primary moved");
    assert.strictEqual(cluster.runner.lease()!.transitions, transitions, "the Lease changed hands");
    await settled(primary);
  });

  it("a sidecar frozen past the lease: a replica takes over, the frozen one takes no write after it wakes", async () => {
    const old = cluster.leaseHolder()!;
    let takeoverAt = 0;
    const { primary: after } = await underPartitionLoad(
      cluster,
      `pod ${old}'s sidecar frozen past the lease`,
      async ({ sampler }) => {
        const t0 = Date.now();
        cluster.runner.freezeContainer(old, "sidecar", true);
        let next = -1;
        try {
          await cluster.runner.waitFor(
            "another pod to hold the Lease",
            () => (cluster.leaseHolder() ?? old) !== old,
            LEASE_MS * 6,
          );
          next = await cluster.waitPrimary(cluster.leaseHolder()!, 60_000);
          takeoverAt = Date.now();
        } finally {
          cluster.runner.freezeContainer(old, "sidecar", false);
        }
        // The woken agent must not reopen its server: a few renewal periods after the thaw.
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        return `after the freeze: ${await fencedBeforeTakeover(cluster, sampler, old, next, t0)}`;
      },
    );
    assert.notStrictEqual(after, old);
    await settled(after);
    // The sampler stopped with the load; ask once more now the old one has rejoined.
    assert.strictEqual((await cluster.rootSql(old, "SELECT @@global.read_only")).trim(), "1");
    assert.ok(takeoverAt > 0);
  });
});
