// `npm run bench -- --only=failover`: write unavailability when the primary
// is lost (issue 16's figures), measured through the write Service with the
// acknowledged writer and a pooled client, with the writable sampler running:
// each case `reps` times on one 3-pod cluster, one after another, the cluster
// healed and consistent again between runs. bench/failover-report.ts
// summarises (a violated run is reported, not averaged).

import { TestCluster, startAcknowledgedWriter } from "../tests/e2e/helpers";
import { longestPauseAfter, lostWrites, startPooledWriter, startWritableSampler } from "../tests/e2e/failover-support";
import { benchCluster, BenchOptions, withCluster } from "./common";
import { FAILOVER_CASES, FailoverCase, FailoverResults, FailoverRun } from "./failover-report";

const REPLICAS = 3;
const ALL = [0, 1, 2];
const LEASE_SECONDS = 10;

let tables = 0;

/** The old primary is back: Ready, and replicating from the new one. */
async function waitRejoined(cluster: TestCluster, old: number, primary: number, timeoutMs: number): Promise<void> {
  await cluster.runner.waitFor(
    `pod ${old} to be Ready and replicate from pod ${primary}`,
    async () => {
      if (!cluster.runner.isReady(old)) return false;
      const status = await cluster.replicaStatus(old).catch(() => undefined);
      return status?.io === "Yes" && status.sql === "Yes" && status.source.startsWith(`${cluster.name}-${primary}.`);
    },
    timeoutMs,
  );
}

/** One disruption of the current primary under load; the cluster is healed and consistent afterwards. */
async function oneRun(cluster: TestCluster, c: FailoverCase, rep: number): Promise<FailoverRun> {
  const old = await cluster.waitPrimary(undefined, 120_000);
  const others = ALL.filter((o) => o !== old);
  const table = `fo${++tables}`;
  await cluster.queryWriteService(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
  const writer = startAcknowledgedWriter(cluster, table, "writeService");
  const pooled = startPooledWriter(cluster, table, 10_000_000);
  const sampler = startWritableSampler(cluster, ALL);
  const run: FailoverRun = { case: c, rep, from: old, to: -1, pause: NaN, pooledPause: NaN, lost: 0, twoWritable: 0 };
  let healed = false;
  const heal = async () => {
    if (healed) return;
    healed = true;
    if (c === "nodeLost") await cluster.runner.restoreNode(old);
    if (c === "partition") {
      await cluster.runner.healPeers(old, others);
      cluster.runner.apiFault(undefined, old);
    }
  };
  try {
    await cluster.runner.waitFor(`writes before the ${c}`, () => writer.acknowledged.length >= 20, 60_000);
    const from = Date.now();
    switch (c) {
      case "switchover":
        // A target the setting does not name already (an unchanged setting requests nothing).
        await cluster.switchover(others.find((o) => o !== cluster.primary) ?? others[0]);
        break;
      case "crash":
        await cluster.runner.killContainer(old, "mysql");
        break;
      case "podDeleted":
        await cluster.runner.restartPod(old);
        break;
      case "nodeLost":
        await cluster.runner.loseNode(old);
        break;
      case "partition":
        cluster.runner.apiFault({ blackhole: true }, old);
        await cluster.runner.cutPeers(old, others);
        break;
    }
    // A crashed server may come back on its own pod (it keeps the Lease); every other case moves the primary.
    run.to = await cluster.runner
      .waitFor(
        `a new primary after the ${c}`,
        async () => {
          const holder = cluster.leaseHolder();
          if (holder === undefined || (c !== "crash" && holder === old)) return false;
          return (await cluster.rootSql(holder, "SELECT @@global.read_only").catch(() => "")).trim() === "0";
        },
        180_000,
      )
      .then(() => cluster.leaseHolder()!);
    const acked = writer.acknowledged.length;
    await cluster.runner.waitFor(`writes after the ${c}`, () => writer.acknowledged.length >= acked + 20, 120_000);
    await cluster.runner.waitFor(
      `the pooled client's writes after the ${c}`,
      () => pooled.acknowledgedAt.some((t) => t > from) && pooled.acknowledgedAt.at(-1)! > Date.now() - 2000,
      120_000,
    );
    const healAt = Date.now();
    await heal();
    await writer.stop();
    await pooled.stop();
    await sampler.stop();
    run.pause = longestPauseAfter(writer.acknowledgedAt, from);
    run.pooledPause = longestPauseAfter(pooled.acknowledgedAt, from);
    run.twoWritable = sampler.violations.length;
    run.lost = (await lostWrites(cluster, run.to, table, [...writer.acknowledged, ...pooled.acknowledged])).length;
    if (run.to !== old) {
      await waitRejoined(cluster, old, run.to, 600_000)
        .then(() => (run.rejoin = (Date.now() - (c === "nodeLost" || c === "partition" ? healAt : from)) / 1000))
        .catch((e: Error) => (run.error = e.message));
    } else {
      run.rejoin = 0;
    }
    await cluster.waitConsistent(ALL, 300_000, run.to);
  } catch (e) {
    run.error = (e as Error).message;
  } finally {
    await heal().catch(() => undefined);
    await writer.stop();
    await pooled.stop();
    await sampler.stop();
  }
  return run;
}

export async function benchFailover(opts: BenchOptions): Promise<FailoverResults> {
  const results: FailoverResults = { leaseSeconds: LEASE_SECONDS, replicas: REPLICAS, runs: [] };
  const cluster = benchCluster("benchf", { replicas: REPLICAS, failoverLeaseSeconds: LEASE_SECONDS });
  await withCluster(cluster, async (c) => {
    await c.up();
    await c.waitPrimary(0, 300_000);
    await c.waitConsistent(ALL, 300_000, 0);
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const what of FAILOVER_CASES) {
        const run = await opts.measure(`failover ${what} ${rep}`, () => oneRun(c, what, rep));
        opts.log(
          `failover ${what} #${rep}: ${run.from} -> ${run.to}, write pause ${run.pause.toFixed(1)} s, ` +
            `pooled ${run.pooledPause.toFixed(1)} s, rejoin ${run.rejoin?.toFixed(0) ?? "-"} s, ` +
            `lost ${run.lost}, two writable ${run.twoWritable}${run.error ? `, error: ${run.error}` : ""}`,
        );
        results.runs.push(run);
      }
    }
  });
  return results;
}
