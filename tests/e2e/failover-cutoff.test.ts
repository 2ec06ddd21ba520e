// The primary cut off from its peers and the API (issue 16), before and
// during a commit: it fences itself (read-only before any replica may take
// over), a replica is promoted, and once the cut heals the old primary rejoins,
// re-cloned if it holds commits the new primary lacks, which are kept in an
// errant-<time> directory rather than dropped. A commit sent while the primary
// is cut off from its peers is never acknowledged. Each runs in the failover
// frame (failover-support.ts underLoad) with a statement timeout on both
// writers (a session closed across a cut never tells its client): no
// acknowledged write lost, never two writable servers. Prints the fence,
// takeover and rejoin times. Out of the suite: in its one run on the frame
// (2026-12-03 15:33) the cut during a commit found the old primary still
// writable (read_only 0) 4 s after the new one opened, its agent silent from
// the cut on (see the commit that added this note).

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { E2E_ARGS, TestCluster } from "./helpers";
import { fencedBeforeTakeover, seconds, underLoad, withSidecarLogs } from "./failover-support";

const ALL = [0, 1, 2];
const STATEMENT_TIMEOUT_MS = 5_000;

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

describe("automatic failover: a primary cut off from its peers and the API", function () {
  this.timeout(1_500_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("fcut", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.waitPrimary(0);
    await cluster.waitConsistent(ALL, 120_000, 0);
  });
  after(async () => cluster?.down());

  /** The frame of every scenario here: writers with a statement timeout, sidecars' logs on failure. */
  const underCutLoad = (what: string, scenario: Parameters<typeof underLoad>[3]) =>
    withSidecarLogs(cluster, ALL, () =>
      underLoad(cluster, ALL, what, scenario, { statementTimeoutMs: STATEMENT_TIMEOUT_MS }),
    );

  /** The cluster is whole again: every pod Ready and holding what the primary holds. */
  async function settled(primary: number): Promise<void> {
    for (const o of ALL) await cluster.runner.waitReady(o, 300_000);
    await cluster.waitConsistent(ALL, 180_000, primary);
  }

  it("a primary cut off from its peers and the API fences itself, a replica takes over, the old one rejoins", async () => {
    const old = cluster.leaseHolder()!;
    const before = errantDirs(cluster, old);
    let errant: number[] = [];
    let table = "";
    let healedAt = 0;
    let next = -1;
    const { primary: after } = await underCutLoad(`primary ${old} cut off from everything`, async (load) => {
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
    const { primary: after } = await underCutLoad(`primary ${old} cut off during a commit`, async (load) => {
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
