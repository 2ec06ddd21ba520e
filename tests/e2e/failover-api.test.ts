// "API trouble is not a failover" (issue 16; Patroni's failsafe mode): with the
// Kubernetes API blackholed or answering 503 for a minute, a healthy primary
// that a replica still follows stays writable and nobody is promoted, also
// while one replica is down (its node lost), and a primary lost during the
// outage is replaced only once the API is back (no Lease write is possible
// before). Each runs in the failover frame (failover-support.ts underLoad):
// no acknowledged write lost, never two writable servers.
// E2E_API_OUTAGE_SECONDS shortens or lengthens the outage (default 60).

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "./helpers";
import { Load, longestPauseAfter, underLoad } from "./failover-support";

const REPLICAS = 3;
const ALL = [0, 1, 2];
const OUTAGE_MS = Number(process.env.E2E_API_OUTAGE_SECONDS ?? 60) * 1000;
/**
 * The longest pause between two acknowledged writes a healthy primary may show during an
 * outage: each write is a new TLS connection (about 0.1 s here); a fence, even a short one,
 * pauses writes for a lease duration (10 s) or more.
 */
const HEALTHY_PAUSE_S = 2;

/** The outage itself: the scenario is what the API does not answer for. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  /** When pod `ordinal` answered read-only since `from`, with its agent's lines about the Lease; "" if never. */
  const readOnlyReport = (load: Load, from: number, ordinal: number) => {
    const samples = load.sampler.history.filter((h) => h.at >= from && h.answers[ordinal] === "1").map((h) => h.at);
    if (!samples.length) return "";
    const agent = cluster
      .logsSoFar(ordinal, "sidecar")
      .split("\n")
      .filter((l) => /fenc|failsafe|API does not answer|Lease|promot|deadline|round failed/.test(l))
      .slice(-15)
      .join(" | ");
    return `read-only at ${samples.map((t) => ((t - from) / 1000).toFixed(1)).join(", ")} s after the outage began; agent: ${agent}`;
  };

  /** Fence and Lease-change lines of pod `ordinal`'s agent so far. */
  const fenceLines = (ordinal: number) =>
    cluster
      .logsSoFar(ordinal, "sidecar")
      .split("\n")
      .filter((l) => /fencing this server|took the Lease|handed the Lease/.test(l));

  /** Asserts that pod `primary` alone took writes, never turned read-only and kept the Lease in the same term. */
  function assertUndisturbed(what: string, load: Load, from: number, primary: number, transitions: number) {
    assert.strictEqual(readOnlyReport(load, from, primary), "", `${what}: the primary ${primary} turned read-only`);
    const writable = new Set(load.sampler.history.flatMap((h) => ALL.filter((o) => h.answers[o] === "0")));
    assert.deepStrictEqual([...writable], [primary], `${what}: only the primary took writes`);
    assert.strictEqual(cluster.leaseHolder(), primary, `${what}: the Lease moved`);
    assert.strictEqual(cluster.runner.lease()!.transitions, transitions, `${what}: the Lease changed hands`);
  }

  /** A healthy primary under an API fault for OUTAGE_MS: it stays primary and writable throughout. */
  async function healthyPrimaryOutage(what: string, fault: Parameters<TestCluster["runner"]["apiFault"]>[0]) {
    const primary = cluster.leaseHolder()!;
    const transitions = cluster.runner.lease()!.transitions;
    const fencesBefore = ALL.map((o) => fenceLines(o).length);
    let from = 0;
    let during = { pause: 0, pooledPause: 0, writes: 0 };
    let load: Load | undefined;
    try {
      await underLoad(cluster, ALL, `${what} for ${OUTAGE_MS / 1000} s`, async (l) => {
        load = l;
        from = Date.now();
        cluster.runner.apiFault(fault);
        await sleep(OUTAGE_MS);
        during = {
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
        return (
          `during the outage: longest pause ${during.pause.toFixed(2)} s ` +
          `(pooled client ${during.pooledPause.toFixed(2)} s), ${during.writes} acknowledged writes`
        );
      });
    } finally {
      cluster.runner.apiFault(undefined);
    }
    assertUndisturbed(what, load!, from, primary, transitions);
    assert.deepStrictEqual(
      ALL.map((o) => fenceLines(o).slice(fencesBefore[o])),
      ALL.map(() => []),
      `${what}: an agent fenced, took or handed over the Lease`,
    );
    assert.ok(during.pause <= HEALTHY_PAUSE_S, `${what}: writes paused ${during.pause.toFixed(1)} s during the outage`);
    assert.ok(during.writes > 100, `${what}: only ${during.writes} writes acknowledged during the outage`);
    await cluster.waitConsistent(ALL, 120_000, primary);
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
    const transitions = cluster.runner.lease()!.transitions;
    const what = `API blackholed and replica ${lostReplica}'s node lost`;
    let from = 0;
    let during = { pause: 0, pauseAfterLoss: 0, writes: 0 };
    let load: Load | undefined;
    try {
      await underLoad(cluster, ALL, what, async (l) => {
        load = l;
        from = Date.now();
        cluster.runner.apiFault({ blackhole: true });
        await sleep(10_000);
        const lostAt = Date.now();
        await cluster.runner.loseNode(lostReplica);
        await sleep(Math.max(OUTAGE_MS - 10_000, 20_000));
        during = {
          pause: longestPauseAfter(l.writer.acknowledgedAt, from),
          pauseAfterLoss: longestPauseAfter(l.writer.acknowledgedAt, lostAt),
          writes: l.writer.acknowledgedAt.filter((t) => t >= lostAt).length,
        };
        cluster.runner.apiFault(undefined);
        return (
          `during the outage: longest pause ${during.pause.toFixed(2)} s ` +
          `(${during.pauseAfterLoss.toFixed(2)} s after the loss), ${during.writes} writes after the loss`
        );
      });
      assertUndisturbed(what, load!, from, primary, transitions);
      assert.ok(during.writes > 50, `${what}: only ${during.writes} writes acknowledged after the node loss`);
      // Losing the replica costs at most one question's bound (1.2 s) on top of a normal pause.
      assert.ok(
        during.pause <= HEALTHY_PAUSE_S + 1.5,
        `${what}: writes paused ${during.pause.toFixed(1)} s during the outage`,
      );
    } finally {
      cluster.runner.apiFault(undefined);
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
    let backAt = 0;
    let outage = 0;
    let promotedDuringOutage: number[] = [];
    let holderDuringOutage = "";
    try {
      const { primary } = await underLoad(
        cluster,
        ALL,
        what,
        async (l) => {
          cluster.runner.apiFault({ blackhole: true });
          await sleep(5_000);
          const killedAt = Date.now();
          // Every process of the pod killed and nothing restarts it: the Lease stays its own.
          await cluster.runner.loseNode(old);
          await sleep(Math.max(OUTAGE_MS - 5_000, 30_000));
          promotedDuringOutage = others.filter((o) => l.sampler.history.some((h) => h.answers[o] === "0"));
          holderDuringOutage = cluster.runner.lease()!.holder;
          backAt = Date.now();
          outage = (backAt - killedAt) / 1000;
          cluster.runner.apiFault(undefined);
          const next = await cluster.waitPrimary(undefined, 90_000);
          return `nobody promoted for ${outage.toFixed(0)} s of outage; pod ${next} took writes ${((Date.now() - backAt) / 1000).toFixed(1)} s after the API came back`;
        },
        { recoverWithinMs: 90_000 },
      );
      assert.deepStrictEqual(promotedDuringOutage, [], `${what}: a replica took writes while the API was down`);
      assert.strictEqual(holderDuringOutage, lease.holder, `${what}: the Lease changed during the outage`);
      assert.notStrictEqual(primary, old, `${what}: the lost pod still holds the Lease`);
    } finally {
      cluster.runner.apiFault(undefined);
      await cluster.runner.restoreNode(old);
    }
    await cluster.runner.waitReady(old, 300_000);
    await cluster.waitConsistent(ALL, 180_000, cluster.leaseHolder());
  });
});
