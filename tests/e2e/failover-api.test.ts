// "API trouble is not a failover" (issue 16; Patroni's failsafe mode): with the
// Kubernetes API blackholed or answering 503 for a minute, a healthy primary
// that a replica still follows stays writable and nobody is promoted, also
// while one replica is down (its node lost), and a primary lost during the
// outage is replaced only once the API is back (no Lease write is possible
// before). Each scenario runs under the acknowledged writer, the pooled
// client through the write Service and the writable sampler, and asserts no
// acknowledged write lost and never two writable servers.
// E2E_API_OUTAGE_SECONDS shortens or lengthens the outage (default 60).

import * as assert from "assert";
import { E2E_ARGS, startAcknowledgedWriter, TestCluster } from "./helpers";
import { longestPauseAfter, lostWrites, startPooledWriter, startWritableSampler } from "./failover-support";

const REPLICAS = 3;
const ALL = [0, 1, 2];
const OUTAGE_MS = Number(process.env.E2E_API_OUTAGE_SECONDS ?? 60) * 1000;
/**
 * The longest pause between two acknowledged writes a healthy primary may show during an
 * outage: each write is a new TLS connection (about 0.1 s here); a fence, even a short one,
 * pauses writes for a lease duration (10 s) or more.
 */
const HEALTHY_PAUSE_S = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let tables = 0;

describe("automatic failover: API trouble is not a failover", function () {
  this.timeout(900_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("fapi", { ...E2E_ARGS, replicas: REPLICAS }).up();
    await cluster.waitPrimary(0);
    await cluster.waitConsistent(ALL, 120_000, 0);
  });
  after(async () => {
    cluster?.runner.apiFault(undefined);
    await cluster?.down();
  });

  /** The writers and the sampler of one scenario, on a fresh table. */
  async function load(what: string) {
    const table = `api${++tables}`;
    await cluster.queryWriteService(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
    const writer = startAcknowledgedWriter(cluster, table, "leaseHolder");
    const pooled = startPooledWriter(cluster, table, 10_000_000);
    const sampler = startWritableSampler(cluster, ALL);
    await cluster.runner.waitFor(`writes before ${what}`, () => writer.acknowledged.length >= 20, 60_000);
    const stop = async () => {
      await writer.stop();
      await pooled.stop();
      await sampler.stop();
    };
    return { table, writer, pooled, sampler, stop };
  }

  /** The primary's read-only samples relative to the outage's start, and its agent's lines about the Lease, for a failure message. */
  const readOnlyReport = (samples: number[] | undefined, from: number, ordinal: number) =>
    samples?.length
      ? `read-only at ${samples.map((t) => ((t - from) / 1000).toFixed(1)).join(", ")} s after the outage began; agent: ` +
        cluster
          .logsSoFar(ordinal, "sidecar")
          .split("\n")
          .filter((l) => /fenc|failsafe|API does not answer|Lease|promot|deadline|round failed/.test(l))
          .slice(-15)
          .join(" | ")
      : "";

  /** Fence and failsafe lines of pod `ordinal`'s agent so far. */
  const fenceLines = (ordinal: number) =>
    cluster
      .logsSoFar(ordinal, "sidecar")
      .split("\n")
      .filter((l) => /fencing this server|took the Lease|handed the Lease/.test(l));

  /** A healthy primary under an API fault for OUTAGE_MS: it stays primary and writable throughout. */
  async function healthyPrimaryOutage(what: string, fault: Parameters<TestCluster["runner"]["apiFault"]>[0]) {
    const primary = cluster.leaseHolder()!;
    const lease = cluster.runner.lease()!;
    const fencesBefore = ALL.map((o) => fenceLines(o).length);
    const l = await load(what);
    let from = 0;
    try {
      from = Date.now();
      cluster.runner.apiFault(fault);
      await sleep(OUTAGE_MS);
      const during = {
        pause: longestPauseAfter(l.writer.acknowledgedAt, from),
        pooledPause: longestPauseAfter(l.pooled.acknowledgedAt, from),
        writes: l.writer.acknowledgedAt.filter((t) => t >= from).length,
      };
      const unchanged = cluster.runner.lease()!.resourceVersion;
      cluster.runner.apiFault(undefined);
      // The holder renews at its next round once the API answers again.
      await cluster.runner.waitFor(
        `${what}: the Lease renewed after the outage`,
        () => cluster.runner.lease()!.resourceVersion !== unchanged,
        30_000,
      );
      const acked = l.writer.acknowledged.length;
      await cluster.runner.waitFor(`writes after ${what}`, () => l.writer.acknowledged.length >= acked + 20, 60_000);
      await l.stop();
      assert.deepStrictEqual(l.sampler.violations, [], `${what}: two servers took writes at once`);
      assert.ok(l.sampler.rounds > 20, `${what}: the sampler ran only ${l.sampler.rounds} rounds`);
      assert.strictEqual(
        readOnlyReport(l.sampler.readOnlySeen.get(primary), from, primary),
        "",
        `${what}: the primary ${primary} turned read-only`,
      );
      assert.deepStrictEqual([...l.sampler.writableSeen], [primary], `${what}: only the primary took writes`);
      const after = cluster.runner.lease()!;
      assert.strictEqual(cluster.leaseHolder(), primary, `${what}: the Lease moved`);
      assert.strictEqual(after.transitions, lease.transitions, `${what}: the Lease changed hands and back`);
      assert.deepStrictEqual(
        ALL.map((o) => fenceLines(o).slice(fencesBefore[o])),
        ALL.map(() => []),
        `${what}: an agent fenced, took or handed over the Lease`,
      );
      assert.ok(
        during.pause <= HEALTHY_PAUSE_S,
        `${what}: writes paused ${during.pause.toFixed(1)} s during the outage`,
      );
      assert.ok(during.writes > 100, `${what}: only ${during.writes} writes acknowledged during the outage`);
      const lost = await lostWrites(cluster, primary, l.table, [...l.writer.acknowledged, ...l.pooled.acknowledged]);
      assert.deepStrictEqual(lost, [], `${what}: acknowledged writes missing on the primary`);
      await cluster.waitConsistent(ALL, 120_000, primary);
      console.log(
        `      ${what} for ${OUTAGE_MS / 1000} s: primary ${primary} stayed; longest pause ${during.pause.toFixed(2)} s ` +
          `(pooled client ${during.pooledPause.toFixed(2)} s, ${l.pooled.failures.length} failed statements), ` +
          `${during.writes} acknowledged writes during the outage`,
      );
    } finally {
      cluster.runner.apiFault(undefined);
      await l.stop();
    }
  }

  it("keeps a healthy primary writable while the API does not answer for a minute", async () => {
    await healthyPrimaryOutage("API blackholed", { blackhole: true });
  });

  it("keeps a healthy primary writable while the API answers 503 for a minute", async () => {
    await healthyPrimaryOutage("API answering 503", { status: 503 });
  });

  it("keeps the primary writable and promotes nobody while the API is down and a replica's node is lost", async () => {
    const primary = cluster.leaseHolder()!;
    // The replica the primary asks first at the outage's start (the lowest other ordinal):
    // losing it makes the failsafe check meet a peer that never answers.
    const lostReplica = ALL.find((o) => o !== primary)!;
    const lease = cluster.runner.lease()!;
    const what = `API blackholed and replica ${lostReplica}'s node lost`;
    const l = await load(what);
    try {
      const from = Date.now();
      cluster.runner.apiFault({ blackhole: true });
      await sleep(10_000);
      const lostAt = Date.now();
      await cluster.runner.loseNode(lostReplica);
      await sleep(Math.max(OUTAGE_MS - 10_000, 20_000));
      const during = {
        pause: longestPauseAfter(l.writer.acknowledgedAt, from),
        pauseAfterLoss: longestPauseAfter(l.writer.acknowledgedAt, lostAt),
        writes: l.writer.acknowledgedAt.filter((t) => t >= lostAt).length,
      };
      cluster.runner.apiFault(undefined);
      const acked = l.writer.acknowledged.length;
      await cluster.runner.waitFor(`writes after ${what}`, () => l.writer.acknowledged.length >= acked + 20, 60_000);
      await l.stop();
      assert.deepStrictEqual(l.sampler.violations, [], `${what}: two servers took writes at once`);
      assert.strictEqual(
        readOnlyReport(l.sampler.readOnlySeen.get(primary), from, primary),
        "",
        `${what}: the primary ${primary} turned read-only`,
      );
      assert.deepStrictEqual([...l.sampler.writableSeen], [primary], `${what}: only the primary took writes`);
      assert.strictEqual(cluster.leaseHolder(), primary, `${what}: the Lease moved`);
      assert.strictEqual(cluster.runner.lease()!.transitions, lease.transitions, `${what}: the Lease changed hands`);
      assert.ok(during.writes > 50, `${what}: only ${during.writes} writes acknowledged after the node loss`);
      // Losing the replica costs at most one question's bound (1.2 s) on top of a normal pause.
      assert.ok(
        during.pause <= HEALTHY_PAUSE_S + 1.5,
        `${what}: writes paused ${during.pause.toFixed(1)} s during the outage`,
      );
      const lost = await lostWrites(cluster, primary, l.table, [...l.writer.acknowledged, ...l.pooled.acknowledged]);
      assert.deepStrictEqual(lost, [], `${what}: acknowledged writes missing on the primary`);
      console.log(
        `      ${what}: primary ${primary} stayed; longest pause ${during.pause.toFixed(2)} s ` +
          `(${during.pauseAfterLoss.toFixed(2)} s after the loss), ${during.writes} writes after the loss`,
      );
    } finally {
      cluster.runner.apiFault(undefined);
      await l.stop();
      await cluster.runner.restoreNode(lostReplica);
    }
    await cluster.runner.waitReady(lostReplica, 300_000);
    await cluster.waitConsistent(ALL, 120_000, primary);
  });

  it("promotes nobody while the API is down after the primary is lost, and a replica once it is back", async () => {
    const old = cluster.leaseHolder()!;
    const others = ALL.filter((o) => o !== old);
    const lease = cluster.runner.lease()!;
    const what = `API blackholed and primary ${old}'s pod killed`;
    const l = await load(what);
    try {
      cluster.runner.apiFault({ blackhole: true });
      await sleep(5_000);
      const killedAt = Date.now();
      // Every process of the pod killed and nothing restarts it: the Lease stays its own.
      await cluster.runner.loseNode(old);
      await sleep(Math.max(OUTAGE_MS - 5_000, 30_000));
      const promotedDuringOutage = others.filter((o) => l.sampler.writableSeen.has(o));
      const leaseDuringOutage = cluster.runner.lease()!;
      const backAt = Date.now();
      cluster.runner.apiFault(undefined);
      const after = await cluster.waitPrimary(undefined, 90_000).then(async (p) => {
        assert.notStrictEqual(p, old, `${what}: the lost pod still holds the Lease`);
        return p;
      });
      const promotedAfter = (Date.now() - backAt) / 1000;
      const acked = l.writer.acknowledged.length;
      await cluster.runner.waitFor(`writes after ${what}`, () => l.writer.acknowledged.length >= acked + 20, 60_000);
      await cluster.runner.waitFor(
        `the pooled client's writes after ${what}`,
        () => l.pooled.acknowledgedAt.some((t) => t > backAt),
        60_000,
      );
      await l.stop();
      assert.deepStrictEqual(promotedDuringOutage, [], `${what}: a replica took writes while the API was down`);
      assert.strictEqual(leaseDuringOutage.holder, lease.holder, `${what}: the Lease changed during the outage`);
      assert.deepStrictEqual(l.sampler.violations, [], `${what}: two servers took writes at once`);
      const lost = await lostWrites(cluster, after, l.table, [...l.writer.acknowledged, ...l.pooled.acknowledged]);
      assert.deepStrictEqual(lost, [], `${what}: acknowledged writes missing on the new primary ${after}`);
      const pooledBack = (l.pooled.acknowledgedAt.find((t) => t > backAt)! - backAt) / 1000;
      console.log(
        `      ${what}: nobody promoted for ${((backAt - killedAt) / 1000).toFixed(0)} s of outage; ` +
          `pod ${after} took writes ${promotedAfter.toFixed(1)} s after the API came back ` +
          `(pooled client ${pooledBack.toFixed(1)} s), ${l.writer.acknowledged.length + l.pooled.acknowledged.length} writes kept`,
      );
    } finally {
      cluster.runner.apiFault(undefined);
      await l.stop();
      await cluster.runner.restoreNode(old);
    }
    await cluster.runner.waitReady(old, 300_000);
    await cluster.waitConsistent(ALL, 180_000, cluster.leaseHolder());
  });
});
