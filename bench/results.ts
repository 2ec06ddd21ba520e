// The shape of one benchmark run's results file (bench/results/*.json): what
// run.ts measures and writes, and what report.ts and plot.ts read. Its own
// module so the writers and the readers depend on it, not on each other.

import type { BootstrapResults } from "./bootstrap";
import type { FailoverResults } from "./failover-report";
import type { FixedCostResults } from "./fixed-cost";
import type { LagResults } from "./lag";
import type { MachineInfo } from "./machine";
import type { ComponentSettings } from "./settings";
import type { StartupProbeResults } from "./startup-probe";
import type { TimeToReadyResults } from "./time-to-ready";
import type { TransportResults } from "./transport";

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  reps: number;
  machine: MachineInfo;
  /** The component that was measured: a commit, and whether components/ had uncommitted changes. */
  source: { commit: string; dirty: boolean };
  /** The measured commit's defaults that the figures depend on (probe, sidecar poll, appliers), read from its rendering. */
  settings?: ComponentSettings;
  /** Issue 18: the secure stream's options beside a plain copy. */
  transport?: TransportResults;
  bootstrap?: BootstrapResults;
  /** Issue 18: fixed cost per replica and a 3-pod cluster's idle CPU, this commit beside the scripts before the issue. */
  fixedCost?: FixedCostResults;
  timeToReady?: TimeToReadyResults;
  lag?: LagResults;
  /** Experiment: the mysql container's startupProbe period, the commit's own against 1 s. */
  startupProbe?: StartupProbeResults;
  /** Write unavailability when the primary is lost (bench/failover.ts). */
  failover?: FailoverResults;
  errors: { step: string; message: string }[];
  /** Steps whose results were taken from an earlier run (--merge), with that run's file and start time. */
  merged?: { step: string; file: string; startedAt: string; commit: string }[];
  /** Repetitions that other heavy jobs (e2e runs, foreign mariadbd) overlapped in all 3 attempts, kept anyway. */
  contended?: { what: string; jobs: string[] }[];
}
