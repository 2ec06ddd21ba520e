// `npm run bench`: orchestrates the measurements on the local pod runner and
// writes the raw results (JSON), the plots and BENCHMARKS.md. Separate from the
// test suite on purpose: figures depend on the machine, tests must not.
//
//   npm run bench                       full run (~50 min), writes bench/results/, bench/*.png, BENCHMARKS.md
//   npm run bench -- --quick            smoke run (small sizes, 1 repetition), writes only under bench/out/
//   npm run bench -- --only=transport,bootstrap,ready,lag,startup,startup-probe   a subset (the report shows what was measured);
//                                       transport: the secure stream's options beside a plain copy (transport.ts);
//                                       startup: the fixed cost per replica and a 3-pod cluster's idle CPU, this
//                                       commit beside the scripts before issue 18 (fixed-cost.ts);
//                                       startup-probe: an experiment, the startupProbe period, the commit's own vs 1 s
//   npm run bench -- --sizes=2048,4096  the bootstrap's data sizes in MB (default 256,1024,2048,4096);
//                                       BENCH_SKIP_PARALLELISM=1 leaves out its backupParallelism comparison
//   npm run bench -- --only=failover    write unavailability when the primary is lost (not in the default set:
//                                       ~2 min per run, 5 cases x repetitions); --reps=N sets the repetitions
//   npm run bench -- --report=<results.json>      redo plots and report from saved results, measuring nothing
//   npm run bench -- --only=ready,lag --merge=bench/results/<file>.json
//                                       measure some steps, take the others' results from an earlier run
//   npm run bench -- --baseline=bench/results/<file>.json
//                                       also render a "Before / after the default changes" section: every goal
//                                       figure (bootstrap ratios and fixed cost, time to N, apply/commit and
//                                       catch-up) as the baseline run's median next to this run's, naming both
//                                       commits and the settings each measured; works with a measured run and
//                                       with --report= (e.g. --report=<new>.json --baseline=<old>.json)
//   npm run bench -- --no-wait          do not wait for other heavy jobs (e2e runs) to finish first;
//                                       BENCH_QUIET_MAX_S=90 BENCH_ATTEMPTS=2: wait at most 90 s, at most 2 attempts
//   npm run bench -- --at=HEAD          measure a commit's component, not the working tree (which others
//                                       may be editing mid-run): exports it to /tmp/bench-src-<commit>-<pid>
//                                       with this bench/ and runs there; outputs still land here
//   npm run bench -- --at=worktree      the same with a snapshot of the working tree as it is now

import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { benchBootstrap } from "./bootstrap";
import { benchFailover } from "./failover";
import { activeClusters, BenchOptions, foreignHeavyJobs, settleDisk, waitQuiet } from "./common";
import { benchFixedCost } from "./fixed-cost";
import { benchLag, withHeartbeatDelays } from "./lag";
import { machineInfo } from "./machine";
import { writePlots } from "./plot";
import { writeReport } from "./report";
import type { BenchResults } from "./results";
import { componentSettings, settingsAt } from "./settings";
import { benchStartupProbe } from "./startup-probe";
import { benchTimeToReady } from "./time-to-ready";
import { benchTransport } from "./transport";

/** Where outputs go: this checkout, or the one that started us with --at. */
const ROOT = process.env.BENCH_OUTPUT_ROOT ?? path.dirname(__dirname);
const BENCH_DIR = path.join(ROOT, "bench");

interface Args {
  quick: boolean;
  only: string[];
  report?: string;
  wait: boolean;
  at?: string;
  merge?: string;
  baseline?: string;
  reps?: number;
  sizes?: number[];
}

/** Options naming a results file: made absolute before --at hands them to a run in another directory. */
const FILE_OPTIONS = ["--merge=", "--report=", "--baseline="];

function parseArgs(argv: string[]): Args {
  const out: Args = { quick: false, only: ["transport", "bootstrap", "ready", "lag", "startup"], wait: true };
  for (const a of argv) {
    if (a === "--quick") out.quick = true;
    else if (a.startsWith("--baseline=")) out.baseline = path.resolve(a.slice(11));
    else if (a.startsWith("--merge=")) out.merge = path.resolve(a.slice(8));
    else if (a.startsWith("--at=")) out.at = a.slice(5);
    else if (a === "--no-wait") out.wait = false;
    else if (a.startsWith("--only=")) out.only = a.slice(7).split(",");
    else if (a.startsWith("--report=")) out.report = a.slice(9);
    else if (/^--reps=[1-9][0-9]*$/.test(a)) out.reps = Number(a.slice(7));
    else if (a.startsWith("--sizes=")) out.sizes = a.slice(8).split(",").map(Number);
    else throw new Error(`unknown argument ${a} (see the header of bench/run.ts)`);
  }
  return out;
}

function outputs(quick: boolean): { resultsDir: string; plotDir: string; reportFile: string } {
  return quick
    ? {
        resultsDir: path.join(BENCH_DIR, "out"),
        plotDir: path.join(BENCH_DIR, "out"),
        reportFile: path.join(BENCH_DIR, "out", "BENCHMARKS.quick.md"),
      }
    : { resultsDir: path.join(BENCH_DIR, "results"), plotDir: BENCH_DIR, reportFile: path.join(ROOT, "BENCHMARKS.md") };
}

/** One delay definition for every run shown, whenever it was recorded (lag.ts, heartbeatDelay). */
function normalizeDelays(results: BenchResults): void {
  if (results.lag) results.lag.runs = results.lag.runs.map(withHeartbeatDelays);
}

/** Runs from before settings (or the newest of them) were recorded: ask the measured commit's own rendering. */
function fillSettings(results: BenchResults): void {
  const st = results.settings;
  if (st?.sidecarReadyRounds !== undefined && st.streamBlockBytes !== undefined) return;
  if (results.source?.commit && !results.source.dirty) results.settings = settingsAt(ROOT, results.source.commit) ?? st;
}

function render(results: BenchResults, resultsFile: string, baselineFile?: string): void {
  const { plotDir, reportFile } = outputs(results.quick);
  fs.mkdirSync(plotDir, { recursive: true });
  normalizeDelays(results);
  const plots = writePlots(results, plotDir);
  fillSettings(results);
  let baseline: { results: BenchResults; file: string } | undefined;
  if (baselineFile) {
    const old = JSON.parse(fs.readFileSync(baselineFile, "utf8")) as BenchResults;
    normalizeDelays(old);
    fillSettings(old);
    baseline = { results: old, file: baselineFile };
  }
  writeReport(results, { reportFile, resultsFile, plots, baseline });
  console.log(
    `report: ${path.relative(ROOT, reportFile)}; plots: ${plots.map((p) => path.relative(ROOT, p)).join(", ") || "none"}`,
  );
}

function git(args: string[], cwd = path.dirname(__dirname)): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

function sourceInfo(): { commit: string; dirty: boolean } {
  if (process.env.BENCH_SOURCE_COMMIT)
    return { commit: process.env.BENCH_SOURCE_COMMIT, dirty: !!process.env.BENCH_SOURCE_DIRTY };
  try {
    return { commit: git(["rev-parse", "HEAD"]), dirty: git(["status", "--porcelain", "--", "components"]) !== "" };
  } catch {
    return { commit: "unknown", dirty: true };
  }
}

/** --at: export the commit, put this bench/ into it, and run there so edits in the working tree cannot change the pods mid-run. */
async function runAt(rev: string, rest: string[]): Promise<number> {
  const here = path.dirname(__dirname);
  const worktree = rev === "worktree";
  const commit = git(["rev-parse", "--verify", `${worktree ? "HEAD" : rev}^{commit}`]);
  // Per process: a run that is still tidying up must not remove the export of the next run at the same commit.
  const dir = `/tmp/bench-src-${worktree ? "worktree" : commit.slice(0, 12)}-${process.pid}`;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (worktree) {
    // Tracked and untracked files, not ignored ones, as they are right now.
    execFileSync("bash", [
      "-c",
      `cd "$1" && git ls-files -co --exclude-standard -z | tar --null -T - -c | tar -x -C "$2"`,
      "_",
      here,
      dir,
    ]);
  } else {
    execFileSync("bash", ["-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "_", here, commit, dir]);
  }
  const dirty = worktree && git(["status", "--porcelain", "--", "components", "tests"]) !== "";
  fs.rmSync(path.join(dir, "bench"), { recursive: true, force: true });
  fs.cpSync(__dirname, path.join(dir, "bench"), {
    recursive: true,
    filter: (src) => !/\/bench\/(out|results)(\/|$)/.test(src),
  });
  fs.symlinkSync(path.join(here, "node_modules"), path.join(dir, "node_modules"));
  console.log(`measuring commit ${commit} from ${dir}`);
  // Relative results files name files of this checkout, not of the export (which has no bench/results).
  const args = rest.map((a) => {
    const opt = FILE_OPTIONS.find((o) => a.startsWith(o));
    return opt ? opt + path.resolve(a.slice(opt.length)) : a;
  });
  const child = spawn(path.join(here, "node_modules", ".bin", "tsx"), ["bench/run.ts", ...args], {
    cwd: dir,
    stdio: "inherit",
    env: { ...process.env, BENCH_OUTPUT_ROOT: ROOT, BENCH_SOURCE_COMMIT: commit, BENCH_SOURCE_DIRTY: dirty ? "1" : "" },
  });
  const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  fs.rmSync(dir, { recursive: true, force: true });
  return code;
}

function installSignalHandlers(log: (l: string) => void): void {
  const handler = (sig: string): void => {
    log(`${sig}: taking ${activeClusters.size} cluster(s) down`);
    void Promise.allSettled([...activeClusters].map((c) => c.down())).finally(() => process.exit(130));
  };
  process.once("SIGINT", () => handler("SIGINT"));
  process.once("SIGTERM", () => handler("SIGTERM"));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.at) {
    process.exitCode = await runAt(
      args.at,
      argv.filter((a) => !a.startsWith("--at=")),
    );
    return;
  }
  if (args.report) {
    const results = JSON.parse(fs.readFileSync(args.report, "utf8")) as BenchResults;
    render(results, path.resolve(args.report), args.baseline);
    return;
  }
  if (process.getuid?.() !== 0) throw new Error("the local pod runner needs root");
  const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  installSignalHandlers(log);
  // Other engineers' e2e runs may start at any time: wait before every repetition, watch during it, redo it if one overlapped.
  // BENCH_QUIET_MAX_S / BENCH_ATTEMPTS: on a machine others share until a deadline, wait at most that long for
  // quiet (then measure anyway) and make at most that many attempts; a repetition kept despite others is flagged.
  const quietMaxMs = Number(process.env.BENCH_QUIET_MAX_S ?? 3600) * 1000;
  const attempts = Number(process.env.BENCH_ATTEMPTS ?? 3);
  const quiet = (): Promise<void> =>
    args.wait ? waitQuiet(log, quietMaxMs, quietMaxMs < 3_600_000) : Promise.resolve();
  const measure = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      await quiet();
      const seen = new Set<string>();
      const monitor = setInterval(() => {
        for (const j of foreignHeavyJobs()) seen.add(j.replace(/^\d+ /, "").slice(0, 120));
      }, 5_000);
      let result: T;
      try {
        result = await fn();
      } finally {
        clearInterval(monitor);
      }
      if (!seen.size || !args.wait) return result;
      const jobs = [...seen];
      if (attempt >= attempts) {
        log(`${what}: other heavy jobs overlapped all ${attempts} attempts; keeping the last (flagged in the report)`);
        (results.contended ??= []).push({ what, jobs });
        return result;
      }
      log(`${what}: other heavy jobs ran meanwhile (${jobs.join(" | ")}); measuring it again`);
    }
  };
  const opts: BenchOptions = {
    quick: args.quick,
    reps: args.reps ?? (args.quick ? 1 : 3),
    log,
    measure,
    sizesMB: args.sizes,
  };
  const { resultsDir } = outputs(args.quick);
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, "").replace(/\..*/, "");
  const resultsFile = path.join(resultsDir, `${args.quick ? "quick-" : ""}${stamp}.json`);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    quick: args.quick,
    reps: opts.reps,
    machine: machineInfo(),
    source: sourceInfo(),
    settings: componentSettings(),
    errors: [],
  };
  const save = (): void => fs.writeFileSync(resultsFile, JSON.stringify(results, null, 1) + "\n");
  if (args.merge) {
    const earlier = JSON.parse(fs.readFileSync(args.merge, "utf8")) as BenchResults;
    const fields: Record<
      string,
      "transport" | "bootstrap" | "timeToReady" | "lag" | "fixedCost" | "startupProbe" | "failover"
    > = {
      transport: "transport",
      bootstrap: "bootstrap",
      ready: "timeToReady",
      lag: "lag",
      startup: "fixedCost",
      "startup-probe": "startupProbe",
      failover: "failover",
    };
    for (const [step, field] of Object.entries(fields)) {
      if (args.only.includes(step) || !earlier[field]) continue;
      (results as unknown as Record<string, unknown>)[field] = earlier[field];
      // A section the earlier run itself merged keeps naming the run that measured it.
      // Runs measured before issue 18 (2026-12-03) called the startup-probe experiment "startup".
      const measuredIn = earlier.merged?.find(
        (m) => m.step === step || (step === "startup-probe" && m.step === "startup" && m.startedAt < "2026-12-03"),
      );
      (results.merged ??= []).push(
        measuredIn
          ? { ...measuredIn, step }
          : {
              step,
              file: path.relative(ROOT, args.merge),
              startedAt: earlier.startedAt,
              commit: earlier.source?.commit ?? "?",
            },
      );
      const prefix =
        {
          transport: "transport",
          bootstrap: "bootstrap",
          ready: "time to ready",
          lag: "lag",
          startup: "fixed cost",
          "startup-probe": "startup probe",
        }[step] ?? step;
      for (const c of earlier.contended ?? []) if (c.what.startsWith(prefix)) (results.contended ??= []).push(c);
    }
  }

  const steps: [string, () => Promise<void>][] = [
    ["transport", async () => void (results.transport = await benchTransport(opts))],
    ["bootstrap", async () => void (results.bootstrap = await benchBootstrap(opts))],
    ["startup", async () => void (results.fixedCost = await benchFixedCost(opts))],
    ["ready", async () => void (results.timeToReady = await benchTimeToReady(opts))],
    ["lag", async () => void (results.lag = await benchLag(opts))],
    ["startup-probe", async () => void (results.startupProbe = await benchStartupProbe(opts))],
    ["failover", async () => void (results.failover = await benchFailover(opts))],
  ];
  for (const [name, step] of steps) {
    if (!args.only.includes(name)) continue;
    await settleDisk(log);
    await quiet();
    log(`--- ${name}`);
    try {
      await step();
    } catch (e) {
      // One failed measurement (its cluster is already down) must not lose the others.
      log(`${name} failed: ${(e as Error).stack ?? e}`);
      results.errors.push({ step: name, message: (e as Error).message });
    }
    save();
  }
  results.finishedAt = new Date().toISOString();
  save();
  log(`results: ${path.relative(ROOT, resultsFile)}`);
  render(results, resultsFile, args.baseline);
  if (results.errors.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
