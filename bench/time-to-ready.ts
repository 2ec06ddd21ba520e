// Question 2: time from an empty namespace to N Ready pods (N = 1..5), and the
// same scale-out when the primary already holds data. Pods are OrderedReady,
// so the time to N is the sum of per-pod times; recording when each pod is
// created and when it turns Ready shows which steps each pod adds.

import * as fs from "fs";
import { freshLog } from "./bootstrap";
import { benchCluster, BenchCluster, BenchOptions, loadData, now, purgeBinlogs, sleep, withCluster } from "./common";

export interface ReadyRun {
  rep: number;
  /** Seconds from the start (up() or scale()) to each ordinal's pod existing and turning Ready; index = ordinal. */
  createdAt: number[];
  readyAt: number[];
  /** Per ordinal, seconds from the start to its log events: clone start/end ("cloning"/"cloned"), replication configured. */
  events: Record<string, number>[];
  /** Share of both cores busy (0–1) while the pods sat idle and Ready for 10 s after the last one turned Ready. */
  idleCpu?: number;
  /** The part of idleCpu spent in the probes the runner (the kubelet's stand-in) executes in the pods: its child processes. */
  idleProbeCpu?: number;
}

export interface TimeToReadyResults {
  maxPods: number;
  empty: ReadyRun[];
  /** Scale-out 1 -> maxPods with `withDataMB` of data on the primary; ordinal 0 was Ready at 0. */
  withDataMB: number;
  withData: ReadyRun[];
}

/** Polls the runner's pod list every 100 ms while `action` runs, recording creation and readiness times. */
async function watch(
  c: BenchCluster,
  maxPods: number,
  action: () => Promise<void>,
): Promise<Pick<ReadyRun, "createdAt" | "readyAt" | "events">> {
  const createdAt: number[] = [];
  const readyAt: number[] = [];
  const events: Record<string, number>[] = Array.from({ length: maxPods }, () => ({}));
  const since = new Date().toISOString();
  const t0 = now();
  const logOf = (ord: number, container: string): string => {
    try {
      return freshLog(c.runner.logs(ord, container), container, since);
    } catch {
      return "";
    }
  };
  let done = false;
  const watcher = (async () => {
    while (!done) {
      const at = (now() - t0) / 1000;
      for (const p of c.runner.status()) {
        if (createdAt[p.ordinal] === undefined) createdAt[p.ordinal] = at;
        if (p.ready && readyAt[p.ordinal] === undefined) readyAt[p.ordinal] = at;
        const ev = events[p.ordinal];
        if (!ev || readyAt[p.ordinal] !== undefined) continue;
        const clone = logOf(p.ordinal, "clone-data");
        if (ev.cloning === undefined && /cloning from/.test(clone)) ev.cloning = at;
        if (ev.cloned === undefined && /cloned from|not cloning|initialised by init-data/.test(clone)) ev.cloned = at;
        if (
          ev.replicating === undefined &&
          /replication configured|users, application database/.test(logOf(p.ordinal, "sidecar"))
        )
          ev.replicating = at;
      }
      await sleep(100);
    }
  })();
  try {
    await action();
  } finally {
    done = true;
    await watcher;
  }
  const at = (now() - t0) / 1000;
  for (let ord = 0; ord < maxPods; ord++) readyAt[ord] ??= at;
  return { createdAt, readyAt, events };
}

/**
 * Share of all cores busy over `ms` (from /proc/stat), and the share spent in
 * this process's children: the probes the runner execs (nsenter, the user
 * switch and probe.sh), which the harness starts nothing else of meanwhile.
 */
export async function cpuBusy(ms: number): Promise<{ busy: number; probes: number; tree: number }> {
  const read = (): number[] =>
    fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  // Fields 16 and 17 of /proc/self/stat: CPU of waited-for children, in the same clock ticks.
  const children = (): number => {
    const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return Number(f[13]) + Number(f[14]);
  };
  const a = read();
  const ca = children();
  const ta = treeTicks();
  await sleep(ms);
  const b = read();
  const cb = children();
  const tb = treeTicks();
  const d = b.map((x, i) => x - a[i]);
  const total = d.reduce((x, y) => x + y, 0);
  const idle = d[3] + (d[4] ?? 0);
  return total > 0
    ? { busy: (total - idle) / total, probes: (cb - ca) / total, tree: (tb - ta) / total }
    : { busy: NaN, probes: NaN, tree: NaN };
}

/**
 * CPU ticks of this process and every process below it (the runner, its exec'd
 * probes, the pods' servers, sidecars and their children): utime + stime +
 * cutime + cstime of each, so a child that exited and was reaped by a living
 * ancestor still counts. Unlike /proc/stat it leaves out other people's jobs.
 */
export function treeTicks(): number {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // After the command name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
      procs.set(Number(name), {
        ppid: Number(f[1]),
        ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
      });
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === process.pid) return true;
      p = procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let sum = 0;
  for (const [pid, p] of procs) if (ours(pid)) sum += p.ticks;
  return sum;
}

/** A fresh cluster of `maxPods` brought up from an empty namespace, each pod's creation and Ready timed; then 10 s of idle CPU. */
export function benchTimeToReadyOnce(
  name: string,
  maxPods: number,
  rep: number,
  mutate?: (objects: object[]) => void,
): Promise<ReadyRun> {
  const c = benchCluster(name, { replicas: maxPods }, mutate);
  return withCluster(c, async () => {
    const r = await watch(c, maxPods, () => c.up().then(() => undefined));
    const cpu = await cpuBusy(10_000);
    return { rep, ...r, idleCpu: cpu.busy, idleProbeCpu: cpu.probes };
  });
}

export async function benchTimeToReady(opts: BenchOptions): Promise<TimeToReadyResults> {
  const maxPods = 5;
  const withDataMB = opts.quick ? 32 : 256;
  const results: TimeToReadyResults = { maxPods, empty: [], withDataMB, withData: [] };
  for (let rep = 1; rep <= opts.reps; rep++) {
    const run: ReadyRun = await opts.measure(`time to ready #${rep}`, () =>
      benchTimeToReadyOnce("bencht", maxPods, rep),
    );
    results.empty.push(run);
    opts.log(
      `time to ready #${rep}: ${run.readyAt.map((x) => x.toFixed(1)).join(" ")}; idle CPU with ${maxPods} pods ${((run.idleCpu ?? NaN) * 100).toFixed(0)}% (probes ${((run.idleProbeCpu ?? NaN) * 100).toFixed(0)}%)`,
    );
  }
  const c = benchCluster("benchd", { replicas: 1 });
  await withCluster(c, async () => {
    await c.up();
    await loadData(c, withDataMB, opts.log);
    await purgeBinlogs(c);
    for (let rep = 1; rep <= opts.reps; rep++) {
      const run = await opts.measure(`time to ready with ${withDataMB} MB #${rep}`, async () => {
        const r = await watch(c, maxPods, () => c.scale(maxPods));
        await c.scale(1);
        for (let ord = 1; ord < maxPods; ord++) await c.runner.deleteClaim("data", ord);
        return r;
      });
      run.createdAt[0] = 0;
      run.readyAt[0] = 0;
      results.withData.push({ rep, ...run });
      opts.log(`time to ready with ${withDataMB} MB #${rep}: ${run.readyAt.map((x) => x.toFixed(1)).join(" ")}`);
    }
  });
  return results;
}
