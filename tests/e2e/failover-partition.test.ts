// Automatic failover when the primary is cut off or stalled rather than gone
// (issue 16): a primary cut off from its peers and the API, before and during
// a commit, and a sidecar frozen (SIGSTOP) for less and for more than the
// lease. Each runs under the acknowledged writer (following the Lease's
// holder), the pooled client through the write Service (both with a statement
// timeout, which clients need: a session closed across a cut never tells its
// client) and the writable sampler, and asserts that no acknowledged write is
// lost and that no two servers take writes at any sampled moment. It prints
// the fence, takeover and rejoin times it measures.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { E2E_ARGS, startAcknowledgedWriter, TestCluster } from "./helpers";
import { longestPauseAfter, lostWrites, startPooledWriter, startWritableSampler } from "./failover-support";

const REPLICAS = 3;
const ALL = [0, 1, 2];
const LEASE_MS = 10_000; // failoverLeaseSeconds' default, which E2E_ARGS keeps
const STATEMENT_TIMEOUT_MS = 5_000;

let tables = 0;

type Sampler = ReturnType<typeof startWritableSampler>;

interface Load {
  table: string;
  writer: ReturnType<typeof startAcknowledgedWriter>;
  pooled: ReturnType<typeof startPooledWriter>;
  sampler: Sampler;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/**
 * When pod `old` last answered writable after `from`, and when pod `next` first did: the
 * first must come before the second (a fenced server answers read-only, or not at all while
 * it restarts read-only). Returns both, relative to `from`, for the figures.
 */
async function fencedBeforeTakeover(
  cluster: TestCluster,
  sampler: Sampler,
  old: number,
  next: number,
  from: number,
): Promise<string> {
  // A sampler round waits for every pod's answer, up to 3 s from a pod cut off: it may lag
  // behind what waitPrimary saw.
  await cluster.runner.waitFor(
    `the sampler to see pod ${next} writable`,
    () => sampler.firstAnswer(next, "0", from) !== undefined,
    30_000,
  );
  const newWritable = sampler.firstAnswer(next, "0", from);
  assert.ok(newWritable, `pod ${next} was never sampled writable`);
  const oldLast = sampler.lastAnswer(old, "0", from);
  assert.ok(
    oldLast === undefined || oldLast < newWritable,
    `pod ${old} was still writable at ${seconds((oldLast ?? 0) - from)} s, after pod ${next} took writes at ${seconds(newWritable - from)} s`,
  );
  const fenced = sampler.history.find((h) => h.at > (oldLast ?? from - 1) && h.answers[old] !== "0");
  const how = fenced?.answers[old] === "1" ? "read-only" : "not answering";
  return `pod ${old} ${how} from ${seconds((fenced?.at ?? from) - from)} s, pod ${next} took writes at ${seconds(newWritable - from)} s`;
}

/**
 * Runs `scenario` under the writers and the sampler, then waits for both writers to write
 * again, and asserts: no two writable servers in any sampled round, no acknowledged write
 * missing on the primary at the end. Prints the writers' longest pauses after the disruption.
 */
async function underLoad(
  cluster: TestCluster,
  what: string,
  scenario: (load: Load) => Promise<string>,
): Promise<{ primary: number; pause: number; pooledPause: number }> {
  const table = `acks${++tables}`;
  await cluster.queryWriteService(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
  const writer = startAcknowledgedWriter(cluster, table, "leaseHolder", STATEMENT_TIMEOUT_MS);
  const pooled = startPooledWriter(cluster, table, 10_000_000, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
  const sampler = startWritableSampler(cluster, ALL);
  try {
    await cluster.runner.waitFor(`writes before ${what}`, () => writer.acknowledged.length >= 20, 60_000);
    const from = Date.now();
    const figures = await scenario({ table, writer, pooled, sampler });
    const acked = writer.acknowledged.length;
    await cluster.runner.waitFor(
      `writes acknowledged after ${what}`,
      () => writer.acknowledged.length >= acked + 20,
      120_000,
    );
    const pooledNow = pooled.acknowledged.length;
    await cluster.runner.waitFor(
      `the pooled client's writes after ${what}`,
      () => pooled.acknowledged.length >= pooledNow + 5,
      120_000,
    );
    await writer.stop();
    await pooled.stop();
    await sampler.stop();
    const primary = await cluster.waitPrimary();
    assert.deepStrictEqual(sampler.violations, [], `${what}: two servers took writes at once`);
    assert.ok(sampler.rounds > 10, `${what}: the sampler ran only ${sampler.rounds} rounds`);
    const lost = await lostWrites(cluster, primary, table, [...writer.acknowledged, ...pooled.acknowledged]);
    assert.deepStrictEqual(lost, [], `${what}: acknowledged writes missing on the primary ${primary}`);
    const pause = longestPauseAfter(writer.acknowledgedAt, from);
    const pooledPause = longestPauseAfter(pooled.acknowledgedAt, from);
    console.log(
      `      ${what}: ${figures}; longest write pause ${pause.toFixed(1)} s ` +
        `(pooled client ${pooledPause.toFixed(1)} s, ${pooled.failures.length} failed statements)`,
    );
    return { primary, pause, pooledPause };
  } finally {
    await writer.stop();
    await pooled.stop();
    await sampler.stop();
  }
}

/** Ids in `table` on pod `ordinal`, read as root from inside the pod (so across a cut). */
async function idsOn(cluster: TestCluster, ordinal: number, table: string): Promise<Set<number>> {
  const out = await cluster.rootSql(ordinal, `SELECT id FROM shop.\`${table}\``);
  return new Set(out.split("\n").filter(Boolean).map(Number));
}

/** The errant-<time> directories on pod `ordinal`'s data volume: where a re-clone keeps a former primary's binary logs. */
function errantDirs(cluster: TestCluster, ordinal: number): string[] {
  const volume = cluster.runner.pvcDir("data", ordinal);
  return fs
    .readdirSync(volume)
    .filter((name) => name.startsWith("errant-"))
    .map((name) => path.join(volume, name));
}

/** The ids of `table` that row events in the binary logs of `dir` insert (mariadb-binlog -v, on the host). */
function idsInBinlogs(dir: string, table: string): Set<number> {
  const ids = new Set<number>();
  for (const file of fs.readdirSync(dir).filter((f) => /^binlog\.\d+$/.test(f))) {
    const text = execFileSync("mariadb-binlog", ["-v", path.join(dir, file)], {
      encoding: "utf8",
      maxBuffer: 256 << 20,
    });
    // Row events as pseudo-SQL: "### INSERT INTO `shop`.`acks3`" then "###   @1=123".
    for (const m of text.matchAll(
      new RegExp(`### INSERT INTO \`shop\`\\.\`${table}\`\\n### SET\\n###\\s+@1=(\\d+)`, "g"),
    ))
      ids.add(Number(m[1]));
  }
  return ids;
}

/**
 * After pod `old` rejoined: when it held rows the new primary lacks (commits written but
 * never acknowledged when it was cut off), it was re-cloned, and the binary logs holding them
 * are kept in /var/lib/mysql/errant-<UTC time>/ with the note errant-gtids (lib.sh
 * keep_errant_binlogs) rather than dropped. Returns what it found, for the figures.
 */
function assertErrantKept(
  cluster: TestCluster,
  old: number,
  table: string,
  errant: number[],
  before: string[],
): string {
  const dirs = errantDirs(cluster, old).filter((d) => !before.includes(d));
  if (errant.length === 0) return "no errant rows";
  assert.strictEqual(
    dirs.length,
    1,
    `pod ${old} held rows ${errant} the new primary lacks, but kept ${dirs.length} errant-* directories`,
  );
  const note = fs.readFileSync(path.join(dirs[0], "errant-gtids"), "utf8").trim();
  assert.match(note, /^\d+-\d+-\d+/, `the note in ${dirs[0]} names the errant GTIDs`);
  const kept = idsInBinlogs(dirs[0], table);
  const missing = errant.filter((id) => !kept.has(id));
  assert.deepStrictEqual(missing, [], `rows ${missing} of pod ${old} are in no binary log kept in ${dirs[0]}`);
  return `errant rows ${errant.join(",")} kept in ${path.basename(dirs[0])} (GTIDs ${note})`;
}

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
    const { primary: after } = await underLoad(cluster, `pod ${primary}'s sidecar frozen 5 s`, async ({ sampler }) => {
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
    });
    assert.strictEqual(after, primary, "the primary moved");
    assert.strictEqual(cluster.runner.lease()!.transitions, transitions, "the Lease changed hands");
    await settled(primary);
  });

  it("a sidecar frozen past the lease: a replica takes over, the frozen one takes no write after it wakes", async () => {
    const old = cluster.leaseHolder()!;
    let takeoverAt = 0;
    const { primary: after } = await underLoad(
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

  it("a primary cut off from its peers and the API fences itself, a replica takes over, the old one rejoins", async () => {
    const old = cluster.leaseHolder()!;
    const before = errantDirs(cluster, old);
    let errant: number[] = [];
    let table = "";
    let healedAt = 0;
    let next = -1;
    const { primary: after } = await underLoad(cluster, `primary ${old} cut off from everything`, async (load) => {
      table = load.table;
      const t0 = Date.now();
      await cluster.runner.cutNetwork(old);
      try {
        await cluster.runner.waitFor(
          "another pod to hold the Lease",
          () => (cluster.leaseHolder() ?? old) !== old,
          120_000,
        );
        next = await cluster.waitPrimary(cluster.leaseHolder()!, 60_000);
        const figures = await fencedBeforeTakeover(cluster, load.sampler, old, next, t0);
        // What the old primary holds that the new one lacks: written, never acknowledged.
        const onOld = await idsOn(cluster, old, table);
        const onNew = await idsOn(cluster, next, table);
        errant = [...onOld].filter((id) => !onNew.has(id));
        return `after the cut: ${figures}`;
      } finally {
        await cluster.runner.restoreNetwork(old);
        healedAt = Date.now();
      }
    });
    assert.notStrictEqual(after, old);
    await settled(after);
    const rejoin = (Date.now() - healedAt) / 1000;
    const kept = assertErrantKept(cluster, old, table, errant, before);
    console.log(`      pod ${old} rejoined ${rejoin.toFixed(1)} s after the heal; ${kept}`);
  });

  it("a primary cut off during a commit: the commit is never acknowledged, and kept if it was written", async () => {
    const old = cluster.leaseHolder()!;
    const peers = ALL.filter((o) => o !== old);
    const before = errantDirs(cluster, old);
    const CUT_ID = 999_999_999;
    let errant: number[] = [];
    let table = "";
    let healedAt = 0;
    let next = -1;
    let outcome = "";
    const { primary: after } = await underLoad(cluster, `primary ${old} cut off during a commit`, async (load) => {
      table = load.table;
      // Cut from the peers first, so the commit is written and waits for an acknowledgement
      // that cannot come; then from the API too, so the primary can no longer renew.
      await cluster.runner.cutPeers(old, peers);
      const t0 = Date.now();
      let t1 = t0;
      const commit = cluster.query(old, `INSERT INTO \`${table}\` VALUES (${CUT_ID})`, "app", 30_000).then(
        () => "acknowledged",
        (e: Error) => `failed: ${e.message}`,
      );
      try {
        // Stuck in its commit: semi-sync waits for a replica (its own session, or the binlog
        // group commit leader it queued behind, does).
        await cluster.runner.waitFor(
          "the commit to wait for an acknowledgement",
          async () =>
            (
              await cluster.rootSql(
                old,
                `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO %${CUT_ID}%' AND TIME >= 1`,
              )
            ).trim() === "1",
          20_000,
        );
        t1 = Date.now();
        await cluster.runner.cutNetwork(old);
        await cluster.runner.waitFor(
          "another pod to hold the Lease",
          () => (cluster.leaseHolder() ?? old) !== old,
          120_000,
        );
        next = await cluster.waitPrimary(cluster.leaseHolder()!, 60_000);
        outcome = await commit;
        assert.notStrictEqual(outcome, "acknowledged", "the commit cut off was acknowledged");
        const onOld = await idsOn(cluster, old, table);
        const onNew = await idsOn(cluster, next, table);
        assert.ok(!onNew.has(CUT_ID), "the unacknowledged commit reached the new primary");
        errant = [...onOld].filter((id) => !onNew.has(id));
        return (
          `the cut commit ${outcome} (${seconds(Date.now() - t0)} s after it was sent); ` +
          `after the API was cut too: ${await fencedBeforeTakeover(cluster, load.sampler, old, next, t1)}`
        );
      } finally {
        await cluster.runner.restoreNetwork(old);
        await cluster.runner.healPeers(old, peers);
        healedAt = Date.now();
        await commit;
      }
    });
    assert.notStrictEqual(after, old);
    await settled(after);
    const rejoin = (Date.now() - healedAt) / 1000;
    const kept = assertErrantKept(cluster, old, table, errant, before);
    const written = errant.includes(CUT_ID)
      ? "the cut commit was written on it and is kept"
      : "the cut commit was never written";
    console.log(`      pod ${old} rejoined ${rejoin.toFixed(1)} s after the heal; ${written}; ${kept}`);
  });
});
