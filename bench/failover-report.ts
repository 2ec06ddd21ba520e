// The failover section of the benchmark (bench/failover.ts measures, this
// summarises and prints): per case, the medians and spreads of the write
// pause, the pooled client's pause and the old primary's rejoin time over the
// runs that kept the guarantees; a run that lost an acknowledged write or saw
// two writable servers is listed as violated and never averaged. Pure, so it
// is unit-tested (tests/bench/failover-report.test.ts).

import { fmt, spread, Spread } from "./stats";

/** The ways a primary is lost, in the order they are measured and reported. */
export const FAILOVER_CASES = ["switchover", "crash", "podDeleted", "nodeLost", "partition"] as const;
export type FailoverCase = (typeof FAILOVER_CASES)[number];

export const CASE_TEXT: Record<FailoverCase, { name: string; goalSeconds?: number; how: string }> = {
  switchover: {
    name: "planned switchover",
    goalSeconds: 2,
    how: "`primaryOrdinal` changed and applied (the Lease's switchover request)",
  },
  crash: {
    name: "primary server crash",
    goalSeconds: 10,
    how: "mysqld SIGKILLed; the container restarts and the Lease's holder reopens it, or a replica takes over",
  },
  podDeleted: {
    name: "primary pod deleted",
    goalSeconds: 25,
    how: "graceful deletion (the agent hands the Lease over as it stops), the StatefulSet recreates it",
  },
  nodeLost: {
    name: "primary's node lost",
    goalSeconds: 25,
    how: "every process of the pod killed, nothing restarts it until the node is back",
  },
  partition: {
    name: "primary cut off from peers and API",
    goalSeconds: 25,
    how: "blackhole routes to every peer and the API server not answering it, healed after the failover",
  },
};

export interface FailoverRun {
  case: FailoverCase;
  rep: number;
  /** The primary's ordinal before and after. */
  from: number;
  to: number;
  /** Longest pause between two writes the acknowledged writer (a new connection per write through the write Service) got acknowledged, from the disruption on (s). */
  pause: number;
  /** The same for the pooled client (4 connections kept open through the write Service) (s). */
  pooledPause: number;
  /** From the disruption (or, for a lost node or a partition, from the heal) until the old primary is Ready and replicates from the new one (s); undefined when it did not within the bound. */
  rejoin?: number;
  /** Acknowledged writes the new primary lacks. */
  lost: number;
  /** Sampler rounds (every ~250 ms) in which two servers took writes. */
  twoWritable: number;
  /** Why the run could not be measured (its figures are then absent from the summary). */
  error?: string;
}

export interface FailoverResults {
  leaseSeconds: number;
  replicas: number;
  runs: FailoverRun[];
}

export interface CaseSummary {
  case: FailoverCase;
  pause: Spread;
  pooledPause: Spread;
  rejoin: Spread;
  /** Runs that kept the guarantees and measured. */
  good: number;
  violated: FailoverRun[];
  failed: FailoverRun[];
  /** Whether the median pause meets the goal (undefined without a goal or a figure). */
  meetsGoal?: boolean;
}

export const violated = (r: FailoverRun): boolean => r.lost > 0 || r.twoWritable > 0;

export function summarize(results: FailoverResults): CaseSummary[] {
  return FAILOVER_CASES.filter((c) => results.runs.some((r) => r.case === c)).map((c) => {
    const runs = results.runs.filter((r) => r.case === c);
    const bad = runs.filter(violated);
    const failed = runs.filter((r) => !violated(r) && r.error !== undefined);
    const good = runs.filter((r) => !violated(r) && r.error === undefined);
    const pause = spread(good.map((r) => r.pause));
    const goal = CASE_TEXT[c].goalSeconds;
    return {
      case: c,
      pause,
      pooledPause: spread(good.map((r) => r.pooledPause)),
      rejoin: spread(good.map((r) => r.rejoin ?? NaN)),
      good: good.length,
      violated: bad,
      failed,
      meetsGoal: goal === undefined || !pause.n ? undefined : pause.median <= goal,
    };
  });
}

/** The report's failover section (markdown). */
export function failoverSection(results: FailoverResults): string {
  const rows = summarize(results).map((s) => {
    const t = CASE_TEXT[s.case];
    const goal = t.goalSeconds === undefined ? "–" : `≤ ${t.goalSeconds} s`;
    const verdict =
      s.violated.length > 0
        ? `**violated** in ${s.violated.length} run(s)`
        : s.meetsGoal === undefined
          ? "–"
          : s.meetsGoal
            ? "met"
            : "**missed**";
    return `| ${t.name} | ${fmt(s.pause, 1, "s")} | ${fmt(s.pooledPause, 1, "s")} | ${fmt(s.rejoin, 0, "s")} | ${goal} | ${verdict} | ${s.good}${s.failed.length ? ` (+${s.failed.length} failed)` : ""} |`;
  });
  const notes = results.runs
    .filter((r) => violated(r) || r.error !== undefined)
    .map(
      (r) =>
        `- ${CASE_TEXT[r.case].name}, repetition ${r.rep}: ${violated(r) ? `${r.lost} acknowledged write(s) lost, ${r.twoWritable} sample(s) with two writable servers` : ""}${r.error ? `${violated(r) ? "; " : ""}${r.error.split("\n")[0]}` : ""}`,
    );
  return [
    `A ${results.replicas}-pod cluster (lease ${results.leaseSeconds} s), one after another on the same cluster. Each run writes through the write Service with the acknowledged writer (a new connection per INSERT, its next id once one is acknowledged) and a pooled client (4 connections kept open, as an application's pool), while every server's \`@@global.read_only\` is sampled every ~250 ms from inside its pod. **Write pause** is the longest gap between two acknowledged writes from the disruption on; **pooled client** the same for the pool; **rejoin** the time until the old primary is Ready and replicates from the new one (from the disruption, or for a lost node or a partition from the heal). A run that lost an acknowledged write or saw two writable servers is reported as violated and left out of the medians.`,
    "",
    "| case | write pause | pooled client | rejoin | goal (write pause) | verdict | runs |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...FAILOVER_CASES.filter((c) => results.runs.some((r) => r.case === c)).map(
      (c) => `- ${CASE_TEXT[c].name}: ${CASE_TEXT[c].how}.`,
    ),
    ...(notes.length ? ["", "Runs left out of the figures:", ...notes] : []),
    "",
  ].join("\n");
}
