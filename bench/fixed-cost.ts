// Issue 18, the fixed cost per replica: what a new pod costs besides its clone
// (init: sandbox, init-config, source choice; start: server start, the sidecar
// noticing it, CHANGE MASTER; readiness: the verdict and the probe that reads
// it), and the CPU a 3-pod cluster burns while idle, for the measured commit
// and for a baseline whose probe.sh and sidecar.sh are swapped into the same
// rendering (the commit before issue 18's changes to them). The two alternate
// within each repetition, each on a fresh cluster with no data, so the clone
// itself is as short as it gets and drift on the shared machine hits both alike.

import { execFileSync } from "child_process";
import * as path from "path";
import { bootstrapOnce, type BootstrapPhases } from "./bootstrap";
import { benchCluster, BenchOptions, withCluster } from "./common";
import { cpuBusy } from "./time-to-ready";

/** The last commit before issue 18 changed probe.sh and sidecar.sh: the fixed cost the issue started from (4.1 s). */
export const FIXED_COST_BASELINE = process.env.BENCH_FIXED_COST_BASELINE ?? "9ddc553";
/** The scripts taken from the baseline; the rest of the rendering is the measured commit's. */
const SWAPPED = ["probe.sh", "sidecar.sh"];
const SCRIPTS = "components/mysql-cluster/scripts";

export interface FixedCostRun {
  variant: "current" | "baseline";
  rep: number;
  /** Ordinal of the replica timed (1 and 2 in each repetition). */
  ordinal: number;
  phases: BootstrapPhases;
}

export interface FixedCostResults {
  baselineCommit: string;
  swapped: string[];
  runs: FixedCostRun[];
  /** Per variant and repetition: share of all cores busy (0–1) over 10 s with 3 pods Ready and idle, and the probes' part. */
  idle: {
    variant: "current" | "baseline";
    rep: number;
    pods: number;
    cpu: number;
    probeCpu: number;
    /** Share of all cores used by this run's own process tree (runner, probes, pods): other jobs on the machine left out. */
    treeCpu?: number;
  }[];
}

interface ConfigMapLike {
  kind: string;
  data?: Record<string, string>;
}

/** Replaces the swapped scripts in the rendered ConfigMap with `files`. */
function swapScripts(files: Record<string, string>): (objects: object[]) => void {
  return (objects) => {
    const cm = (objects as ConfigMapLike[]).find((o) => o.kind === "ConfigMap" && o.data?.["sidecar.sh"]);
    if (!cm?.data) throw new Error("the rendering has no ConfigMap with the pod scripts");
    Object.assign(cm.data, files);
  };
}

export async function benchFixedCost(opts: BenchOptions): Promise<FixedCostResults> {
  const root = process.env.BENCH_OUTPUT_ROOT ?? path.dirname(__dirname);
  const baseline = Object.fromEntries(
    SWAPPED.map((f) => [
      f,
      execFileSync("git", ["-C", root, "show", `${FIXED_COST_BASELINE}:${SCRIPTS}/${f}`], { encoding: "utf8" }),
    ]),
  );
  const results: FixedCostResults = { baselineCommit: FIXED_COST_BASELINE, swapped: SWAPPED, runs: [], idle: [] };
  const pods = 3;
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const variant of ["current", "baseline"] as const) {
      // Each attempt (measure() repeats one that other jobs overlapped) on its own fresh cluster; only the kept one is recorded.
      const { runs, idle } = await opts.measure(`fixed cost ${variant} #${rep}`, () => {
        const c = benchCluster("benchf", { replicas: 1 }, variant === "baseline" ? swapScripts(baseline) : undefined);
        return withCluster(c, async () => {
          await c.up();
          const timed: FixedCostRun[] = [];
          for (let ord = 1; ord < pods; ord++) {
            const r = await bootstrapOnce(c, ord);
            timed.push({ variant, rep, ordinal: ord, phases: r.phases });
          }
          const cpu = await cpuBusy(10_000);
          return { runs: timed, idle: { variant, rep, pods, cpu: cpu.busy, probeCpu: cpu.probes, treeCpu: cpu.tree } };
        });
      });
      results.runs.push(...runs);
      results.idle.push(idle);
      const fixed = runs.map((x) => (x.phases.init + x.phases.start + x.phases.readiness).toFixed(2));
      opts.log(
        `fixed cost ${variant} #${rep}: ${fixed.join(", ")} s (pods ${runs.map((x) => x.ordinal).join(", ")}); idle CPU with ${pods} pods ${(idle.cpu * 100).toFixed(0)}% of the machine, ${((idle.treeCpu ?? NaN) * 100).toFixed(1)}% in the cluster's own processes (probes ${(idle.probeCpu * 100).toFixed(1)}%)`,
      );
    }
  }
  return results;
}
