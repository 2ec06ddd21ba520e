// Automatic failover (issue 16), on real MariaDB servers and the runner's API
// server: each scenario runs under an acknowledged writer (following the
// Lease's holder) and a pooled client through the write Service, and asserts
// that no acknowledged write is lost and that no two servers take writes at
// any sampled moment. The figures each scenario prints are measured properly
// (repeated, with spreads) by `npm run bench`.

import * as assert from "assert";
import { E2E_ARGS, startAcknowledgedWriter, TestCluster } from "./helpers";
import { longestPauseAfter, lostWrites, startPooledWriter, startWritableSampler } from "./failover-support";

const REPLICAS = 3;
const ALL = [0, 1, 2];

let tables = 0;

/** A new table for one scenario's writers (each writer counts its ids from 1), created through the write Service. */
async function freshTable(cluster: TestCluster): Promise<string> {
  const table = `acks${++tables}`;
  await cluster.queryWriteService(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
  return table;
}

/** Runs `disrupt` under the writers and the sampler; returns the figures and asserts the guarantees. */
async function underLoad(
  cluster: TestCluster,
  what: string,
  disrupt: () => Promise<void>,
  recovered: () => Promise<void>,
): Promise<{ pause: number; pooledPause: number; before: number; after: number }> {
  const table = await freshTable(cluster);
  const writer = startAcknowledgedWriter(cluster, table, "leaseHolder");
  const pooled = startPooledWriter(cluster, table, 10_000_000);
  const sampler = startWritableSampler(cluster, ALL);
  try {
    await cluster.runner.waitFor(`writes before ${what}`, () => writer.acknowledged.length >= 20, 60_000);
    const before = cluster.leaseHolder() ?? -1;
    const from = Date.now();
    await disrupt();
    await recovered();
    const acked = writer.acknowledged.length;
    await cluster.runner.waitFor(
      `writes acknowledged after ${what}`,
      () => writer.acknowledged.length >= acked + 20,
      120_000,
    );
    await cluster.runner.waitFor(
      `the pooled client's writes after ${what}`,
      () =>
        pooled.acknowledgedAt.some((t) => t > from) && pooled.acknowledgedAt[pooled.acknowledgedAt.length - 1] > from,
      120_000,
    );
    await writer.stop();
    await pooled.stop();
    await sampler.stop();
    const after = await cluster.waitPrimary();
    assert.deepStrictEqual(sampler.violations, [], `${what}: two servers took writes at once`);
    assert.ok(sampler.rounds > 10, `${what}: the sampler ran only ${sampler.rounds} rounds`);
    const lost = await lostWrites(cluster, after, table, [...writer.acknowledged, ...pooled.acknowledged]);
    assert.deepStrictEqual(lost, [], `${what}: acknowledged writes missing on the new primary ${after}`);
    const figures = {
      pause: longestPauseAfter(writer.acknowledgedAt, from),
      pooledPause: longestPauseAfter(pooled.acknowledgedAt, from),
      before,
      after,
    };
    console.log(
      `      ${what}: primary ${before} -> ${after}; longest pause ${figures.pause.toFixed(1)} s ` +
        `(pooled client ${figures.pooledPause.toFixed(1)} s, ${pooled.failures.length} failed statements)`,
    );
    return figures;
  } finally {
    await writer.stop();
    await pooled.stop();
    await sampler.stop();
  }
}

describe("automatic failover: planned and unplanned loss of the primary", function () {
  this.timeout(900_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("fo", { ...E2E_ARGS, replicas: REPLICAS }).up();
    await cluster.waitPrimary(0);
  });
  after(async () => cluster?.down());

  it("hands over directly on a planned switchover (no kubelet refresh), nothing lost", async () => {
    const { after } = await underLoad(
      cluster,
      "a switchover to pod 1",
      () => cluster.switchover(1),
      async () => void (await cluster.waitPrimary(1, 60_000)),
    );
    assert.strictEqual(after, 1);
    await cluster.waitConsistent(ALL, 120_000, 1);
  });

  it("promotes the most advanced replica when the primary's pod is deleted, and the old one rejoins", async () => {
    const old = cluster.leaseHolder()!;
    const { after } = await underLoad(
      cluster,
      `deleting the primary's pod ${old}`,
      () => cluster.runner.restartPod(old),
      async () => void (await cluster.waitPrimary(undefined, 60_000)),
    );
    assert.notStrictEqual(after, old, "the deleted pod's Lease went to another pod");
    await cluster.runner.waitReady(old, 300_000);
    await cluster.waitConsistent(ALL, 120_000, after);
  });

  it("promotes a replica when the primary's node is lost, and the old primary follows it when the node is back", async () => {
    const old = cluster.leaseHolder()!;
    const { after } = await underLoad(
      cluster,
      `losing the node of primary ${old}`,
      () => cluster.runner.loseNode(old),
      async () => void (await cluster.waitPrimary(undefined, 90_000)),
    );
    assert.notStrictEqual(after, old);
    await cluster.runner.restoreNode(old);
    await cluster.runner.waitReady(old, 300_000);
    await cluster.waitConsistent(ALL, 120_000, after);
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
