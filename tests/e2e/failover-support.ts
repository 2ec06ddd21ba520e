// What the failover scenarios measure with (issue 16): a sampler that asks
// every pod's own server, over its socket from inside the pod (so a pod cut
// off from the network is still seen), whether it takes writes, and records
// every round in which two did; and a pooled client through the write
// Service, as an application's connection pool, that records when its writes
// failed and when they succeeded again.

import * as mysql from "mysql2/promise";
import { APP, TestCluster } from "./helpers";

/**
 * `@@global.read_only` of each pod every ~250 ms; a round where two pods answer 0 is a violation.
 * `readOnlySeen` keeps, per pod, when it answered 1 (read-only) after having answered 0 in an
 * earlier round: a primary that was demoted or fenced, even for one sample.
 */
export function startWritableSampler(cluster: TestCluster, ordinals: number[]) {
  const violations: string[] = [];
  const writableSeen = new Set<number>();
  const readOnlySeen = new Map<number, number[]>();
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
      ordinals.forEach((o, i) => {
        if (answers[i] === "1" && writableSeen.has(o)) readOnlySeen.set(o, [...(readOnlySeen.get(o) ?? []), started]);
      });
      for (const o of writable) writableSeen.add(o);
      rounds++;
      if (writable.length > 1)
        violations.push(`${new Date(started).toISOString()}: pods ${writable.join(" and ")} both take writes`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 250 - (Date.now() - started))));
    }
  })();
  return {
    violations,
    writableSeen,
    readOnlySeen,
    get rounds() {
      return rounds;
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
 */
export function startPooledWriter(cluster: TestCluster, table: string, firstId = 1_000_000) {
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
        await pool.query(`INSERT INTO \`${table}\` VALUES (${id})`);
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
