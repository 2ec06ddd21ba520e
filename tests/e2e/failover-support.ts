// What the failover scenarios measure with (issue 16): a sampler that asks
// every pod's own server, over its socket from inside the pod (so a pod cut
// off from the network is still seen), whether it takes writes, and records
// every round in which two did; and a pooled client through the write
// Service, as an application's connection pool, that records when its writes
// failed and when they succeeded again; and `underLoad`, the frame every
// failover scenario runs in, which asserts the guarantees; and `racing`, the
// frame with the Lease recorded, for scenarios that assert who took it.

import * as assert from "assert";
import * as mysql from "mysql2/promise";
import { APP, startAcknowledgedWriter, TestCluster } from "./helpers";

/**
 * `@@global.read_only` of each pod every ~250 ms; a round where two pods answer 0 is a violation.
 */
export function startWritableSampler(cluster: TestCluster, ordinals: number[]) {
  const violations: string[] = [];
  const writableSeen = new Set<number>();
  /** Every round: when it started and each pod's answer ("1" read-only, "0" writable, "?" no answer). */
  const history: { at: number; answers: Record<number, string> }[] = [];
  let rounds = 0;
  let stopped = false;
  const readOnly = async (o: number): Promise<string> => {
    try {
      const r = await cluster.runner.exec(
        o,
        "sidecar",
        ["bash", "-c", "source /scripts/lib.sh && sql_root -e 'SELECT @@global.read_only'"],
        { timeoutMs: 3000 },
      );
      return r.code === 0 ? r.stdout.trim() : "?";
    } catch {
      return "?"; // no such pod, or its sidecar is not running
    }
  };
  const done = (async () => {
    while (!stopped) {
      const started = Date.now();
      const answers = await Promise.all(ordinals.map(readOnly));
      const writable = ordinals.filter((_, i) => answers[i] === "0");
      for (const o of writable) writableSeen.add(o);
      history.push({ at: started, answers: Object.fromEntries(ordinals.map((o, i) => [o, answers[i]])) });
      rounds++;
      if (writable.length > 1)
        violations.push(`${new Date(started).toISOString()}: pods ${writable.join(" and ")} both take writes`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 250 - (Date.now() - started))));
    }
  })();
  return {
    violations,
    writableSeen,
    history,
    /** The start of the first round at or after `from` in which pod `ordinal` answered `answer`. */
    firstAnswer(ordinal: number, answer: string, from: number): number | undefined {
      return history.find((h) => h.at >= from && h.answers[ordinal] === answer)?.at;
    },
    /** The start of the last round at or after `from` and before `until` in which pod `ordinal` answered `answer`. */
    lastAnswer(ordinal: number, answer: string, from: number, until = Infinity): number | undefined {
      return history.filter((h) => h.at >= from && h.at < until && h.answers[ordinal] === answer).pop()?.at;
    },
    get rounds() {
      return rounds;
    },
    /**
     * The longest time, in ms, between the starts of two consecutive rounds from the last
     * round before `from` to the first at or after `until`: how long the sampler looked away.
     */
    longestGap(from: number, until: number): number {
      const first = history.filter((h) => h.at < from).pop() ?? history[0];
      const last = history.find((h) => h.at >= until) ?? history[history.length - 1];
      const window = history.filter((h) => h.at >= first.at && h.at <= last.at);
      let longest = 0;
      for (let i = 1; i < window.length; i++) longest = Math.max(longest, window[i].at - window[i - 1].at);
      return longest;
    },
    async stop(): Promise<void> {
      stopped = true;
      await done;
    },
  };
}

/**
 * A pool of 4 connections through the write Service, inserting ids into `table` one at a
 * time; records each acknowledged id, each failure's time and the longest gap between two
 * acknowledged writes. A connection the server closes is replaced by the pool.
 * `statementTimeoutMs`: each statement is bounded, and a connection whose statement timed
 * out is destroyed rather than returned to the pool. Clients need this: a primary cut off
 * mid-commit closes the session, but its close never reaches a client across the cut, so
 * without a timeout the client waits for an answer forever.
 */
export function startPooledWriter(
  cluster: TestCluster,
  table: string,
  firstId = 1_000_000,
  opts: { statementTimeoutMs?: number } = {},
) {
  const service = cluster.runner.services().find((s) => s.name === `${cluster.name}-write`);
  if (!service) throw new Error(`no Service ${cluster.name}-write is proxied`);
  const pool = mysql.createPool({
    host: service.host,
    port: service.port,
    user: APP.user,
    password: cluster.passwords["app-password"],
    database: APP.database,
    connectionLimit: 4,
    connectTimeout: 3000,
    ssl: { ca: cluster.tls.ca, rejectUnauthorized: true },
  });
  const acknowledged: number[] = [];
  const acknowledgedAt: number[] = [];
  const failures: { at: number; message: string }[] = [];
  let stopped = false;
  const done = (async () => {
    for (let id = firstId; !stopped; id++) {
      try {
        const sql = `INSERT INTO \`${table}\` VALUES (${id})`;
        if (opts.statementTimeoutMs === undefined) await pool.query(sql);
        else {
          const connection = await pool.getConnection();
          try {
            await connection.query({ sql, timeout: opts.statementTimeoutMs });
            connection.release();
          } catch (e) {
            connection.destroy();
            throw e;
          }
        }
        acknowledged.push(id);
        acknowledgedAt.push(Date.now());
      } catch (e) {
        failures.push({ at: Date.now(), message: (e as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  })();
  return {
    acknowledged,
    acknowledgedAt,
    failures,
    async stop(): Promise<void> {
      stopped = true;
      await done;
      await pool.end().catch(() => undefined);
    },
  };
}

/** The longest pause between two consecutive acknowledgements after `from` (ms since the epoch), in seconds. */
export function longestPauseAfter(acknowledgedAt: number[], from: number): number {
  let longest = 0;
  let previous = from;
  for (const at of acknowledgedAt) {
    if (at < from) continue;
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return longest / 1000;
}

/** Ids acknowledged to a writer that pod `ordinal` does not hold. */
export async function lostWrites(cluster: TestCluster, ordinal: number, table: string, acknowledged: number[]) {
  const rows = await cluster.query<{ id: number }[]>(ordinal, `SELECT id FROM \`${table}\``);
  const have = new Set(rows.map((r) => r.id));
  return acknowledged.filter((id) => !have.has(id));
}

/**
 * How long the sampler may look away during a scenario. A round lasts as long as its slowest
 * pod takes to answer (up to the 3 s exec bound for a pod that is cut off or frozen); twice
 * that is the most a working sampler can miss.
 */
export const SAMPLER_MAX_GAP_MS = 6_000;

export type Sampler = ReturnType<typeof startWritableSampler>;

/** What a scenario runs under: its table, the two writers and the sampler. */
export interface Load {
  table: string;
  writer: ReturnType<typeof startAcknowledgedWriter>;
  pooled: ReturnType<typeof startPooledWriter>;
  sampler: Sampler;
}

export interface LoadFigures {
  /** The Lease's holder when the scenario began (-1 for none). */
  before: number;
  /** The pod holding the Lease and taking writes at the end. */
  primary: number;
  /** The writers' longest pauses after the scenario began, in seconds. */
  pause: number;
  pooledPause: number;
}

let loadTables = 0;

/**
 * Runs `scenario` under an acknowledged writer (following the Lease's holder), a pooled
 * client through the write Service and the writable sampler of pods `ordinals`; waits until
 * a primary takes writes (within `recoverWithinMs`) and both writers write again, then
 * asserts that no two servers took writes in any sampled round, that the sampler looked at
 * the whole scenario (no gap over SAMPLER_MAX_GAP_MS) and that the primary at the end holds
 * every acknowledged write. `scenario` may return a sentence for the printed figures.
 * `statementTimeoutMs` bounds each writer's statements: clients need it when a primary can
 * be cut off mid-commit (its session's close never crosses the cut).
 */
export async function underLoad(
  cluster: TestCluster,
  ordinals: number[],
  what: string,
  scenario: (load: Load) => Promise<string | void>,
  opts: { statementTimeoutMs?: number; recoverWithinMs?: number } = {},
): Promise<LoadFigures> {
  const table = `load${++loadTables}`;
  await cluster.queryWriteService(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
  const writer = startAcknowledgedWriter(cluster, table, "leaseHolder", opts.statementTimeoutMs);
  const pooled = startPooledWriter(cluster, table, 10_000_000, { statementTimeoutMs: opts.statementTimeoutMs });
  const sampler = startWritableSampler(cluster, ordinals);
  const stopAll = async () => {
    await writer.stop();
    await pooled.stop();
    await sampler.stop();
  };
  try {
    await cluster.runner.waitFor(
      `writes and sampled rounds before ${what}`,
      () => writer.acknowledged.length >= 20 && sampler.rounds >= 2,
      60_000,
    );
    const before = cluster.leaseHolder() ?? -1;
    const from = Date.now();
    const said = await scenario({ table, writer, pooled, sampler });
    await cluster.waitPrimary(undefined, opts.recoverWithinMs ?? 120_000);
    const recovered = Date.now();
    const acked = writer.acknowledged.length;
    await cluster.runner.waitFor(
      `writes acknowledged after ${what}`,
      () => writer.acknowledged.length >= acked + 20,
      120_000,
    );
    await cluster.runner.waitFor(
      `the pooled client's writes after ${what}`,
      () => pooled.acknowledgedAt[pooled.acknowledgedAt.length - 1] > recovered,
      120_000,
    );
    await cluster.runner.waitFor(
      `a sampled round after ${what}`,
      () => sampler.history.some((h) => h.at >= recovered),
      30_000,
    );
    await stopAll();
    assert.deepStrictEqual(sampler.violations, [], `${what}: two servers took writes at once`);
    const gap = sampler.longestGap(from, recovered);
    assert.ok(
      gap <= SAMPLER_MAX_GAP_MS,
      `${what}: the sampler looked away for ${(gap / 1000).toFixed(1)} s (at most ${SAMPLER_MAX_GAP_MS / 1000} s)`,
    );
    const primary = await cluster.waitPrimary(undefined, 60_000);
    const lost = await lostWrites(cluster, primary, table, [...writer.acknowledged, ...pooled.acknowledged]);
    assert.deepStrictEqual(lost, [], `${what}: acknowledged writes missing on the primary ${primary}`);
    const figures = {
      before,
      primary,
      pause: longestPauseAfter(writer.acknowledgedAt, from),
      pooledPause: longestPauseAfter(pooled.acknowledgedAt, from),
    };
    console.log(
      `      ${what}: ${said ? `${said}; ` : ""}primary ${before} -> ${primary}; ` +
        `longest write pause ${figures.pause.toFixed(1)} s (pooled client ${figures.pooledPause.toFixed(1)} s, ` +
        `${pooled.failures.length} failed statements); ` +
        `${writer.acknowledged.length + pooled.acknowledged.length} acknowledged writes, none lost`,
    );
    return figures;
  } finally {
    await stopAll();
  }
}

/** Every distinct (holder, leaseTransitions) the Lease showed, sampled every 100 ms. */
export function startLeaseRecorder(cluster: TestCluster) {
  const seen: { holder: string; transitions: number }[] = [];
  const sample = () => {
    const lease = cluster.runner.lease();
    if (!lease) return;
    const last = seen[seen.length - 1];
    if (!last || last.holder !== lease.holder || last.transitions !== lease.transitions)
      seen.push({ holder: lease.holder, transitions: lease.transitions });
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    seen,
    stop: () => {
      clearInterval(timer);
      sample();
    },
  };
}

/**
 * Runs `disrupt` under the failover frame (underLoad) with the Lease recorded from its
 * start; returns the new primary and the Lease's history (holders as ordinals, -1 for none).
 */
export async function racing(
  cluster: TestCluster,
  ordinals: number[],
  what: string,
  disrupt: (load: Load) => Promise<string | void>,
  opts: { statementTimeoutMs?: number; recoverWithinMs?: number } = {},
) {
  let lease: ReturnType<typeof startLeaseRecorder> | undefined;
  try {
    const { primary } = await underLoad(
      cluster,
      ordinals,
      what,
      async (load) => {
        lease = startLeaseRecorder(cluster);
        return disrupt(load);
      },
      { recoverWithinMs: 120_000, ...opts },
    );
    lease!.stop();
    const history = lease!.seen.map((s) => ({
      holder: s.holder ? cluster.runner.ordinalOf(s.holder) : -1,
      transitions: s.transitions,
    }));
    console.log(`      ${what}: Lease ${history.map((h) => `${h.holder}@${h.transitions}`).join(" -> ")}`);
    return { history, after: primary };
  } finally {
    lease?.stop();
  }
}

/** Asserts that the Lease changed hands exactly once per step of `holders`, each a new term. */
export function assertHandovers(history: { holder: number; transitions: number }[], holders: number[], what: string) {
  assert.deepStrictEqual(
    history.map((h) => h.holder),
    holders,
    `${what}: the Lease's holders were ${JSON.stringify(history)}`,
  );
  for (let i = 1; i < history.length; i++)
    assert.strictEqual(
      history[i].transitions,
      history[i - 1].transitions + 1,
      `${what}: leaseTransitions went ${history[i - 1].transitions} -> ${history[i].transitions}`,
    );
}

/** Waits until the Lease's resourceVersion has not changed for `seconds` (its holder stopped renewing). */
export async function leaseSilentFor(cluster: TestCluster, seconds: number): Promise<void> {
  let version = "";
  let since = Date.now();
  await cluster.runner.waitFor(
    `the Lease to stay unchanged for ${seconds} s`,
    () => {
      const now = cluster.runner.lease()?.resourceVersion ?? "";
      if (now !== version) [version, since] = [now, Date.now()];
      return Date.now() - since >= seconds * 1000;
    },
    120_000,
  );
}

/**
 * Runs `body`; when it throws, throws again with the last `lines` lines each of pods
 * `ordinals`' sidecars logged since `body` began (the agents' own account of what they saw),
 * and the runner's last events, so a failure says why no one took over, not only that no
 * one did.
 */
export async function withSidecarLogs<T>(
  cluster: TestCluster,
  ordinals: number[],
  body: () => Promise<T>,
  lines = 40,
): Promise<T> {
  const offsets = ordinals.map((o) => cluster.logsSoFar(o, "sidecar").length);
  try {
    return await body();
  } catch (e) {
    const logs = ordinals.map((o, i) => {
      const log = cluster.logsSoFar(o, "sidecar");
      // A restarted pod's log may be shorter than the offset: show it from its start.
      const since = log.length >= offsets[i] ? log.slice(offsets[i]) : log;
      return `--- pod ${o}'s sidecar:\n${since.split("\n").slice(-lines).join("\n")}`;
    });
    const events = cluster.runner.events().slice(-20).join("\n");
    // Who holds the Lease and who takes writes, as the failure left them.
    const readOnly = await Promise.all(
      ordinals.map(
        async (o) => `pod ${o} ${(await cluster.rootSql(o, "SELECT @@global.read_only").catch(() => "?")).trim()}`,
      ),
    );
    const error = e instanceof Error ? e : new Error(String(e));
    error.message =
      `${error.message}\n--- Lease holder: ${cluster.leaseHolder() ?? "none"}; read_only: ${readOnly.join(", ")}\n` +
      `${logs.join("\n")}\n--- the runner's last events:\n${events}`;
    throw error;
  }
}

/** Waits until pod `ordinal`'s `container` log, past `offset` characters, matches `pattern`; returns the match. */
export async function logLine(
  cluster: TestCluster,
  ordinal: number,
  container: string,
  offset: number,
  pattern: RegExp,
  timeoutMs = 180_000,
): Promise<RegExpExecArray> {
  let match: RegExpExecArray | null = null;
  await cluster.runner.waitFor(
    `pod ${ordinal}'s ${container} to log ${pattern}`,
    () => (match = pattern.exec(cluster.logsSoFar(ordinal, container).slice(offset))) !== null,
    timeoutMs,
  );
  return match!;
}

/** Milliseconds as seconds, for the printed figures. */
export const seconds = (ms: number) => (ms / 1000).toFixed(1);

/**
 * When pod `old` last answered writable after `from`, and when pod `next` first did: the
 * first must come before the second (a fenced server answers read-only, or not at all while
 * it restarts read-only). Returns both, relative to `from`, for the figures.
 */
export async function fencedBeforeTakeover(
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
