// Shared by every benchmark module: a TestCluster whose component args can be
// changed between applies (to compare settings on the same pods), cleanup that
// runs even when a measurement fails, and the small host-side helpers (timing, polling, page-cache drop) the modules need.

import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { MySqlClusterArgs } from "../components/mysql-cluster";
import { pollUntil, sleep } from "../local/sh";
import { E2E_ARGS, TestCluster, writeBulk } from "../tests/e2e/helpers";

export interface BenchOptions {
  quick: boolean;
  /** Repetitions of every measured figure. */
  reps: number;
  log: (line: string) => void;
  /**
   * Runs one repetition on a quiet machine: waits while other heavy jobs run,
   * watches for them during the repetition, and repeats it (up to 3 times) when
   * one showed up meanwhile. fn must leave the cluster as it found it.
   */
  measure: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  /** The bootstrap's data sizes (MB), when not the default ones (--sizes). */
  sizesMB?: number[];
}

/** How long a rolled primary may take to be Ready and writable again: generous, a roll after a 4 GB load included. */
const WRITABLE_TIMEOUT_MS = 300_000;

/** A TestCluster whose args can be changed later (e.g. backupParallelism), so a setting can be compared on the same data. */
export class BenchCluster extends TestCluster {
  /** TestCluster renders from `args` on every scale(); replacing it keeps every other part of its rendering (TLS, passwords). */
  setArgs(overrides: Partial<MySqlClusterArgs>): void {
    (this as unknown as { args: MySqlClusterArgs }).args = { ...this.args, ...overrides };
  }

  /**
   * Apply the current args at the current replica count (rolls changed pods, primary last), then wait
   * until the primary takes writes again: a rolled primary starts read-only, like every server, and
   * only its agent opens it.
   */
  async reapply(replicas: number): Promise<void> {
    await this.runner.apply(this.render(replicas) as never);
    await waitWritablePrimary(this);
  }
}

/**
 * Waits until the primary takes writes, polling the write path as an application would: pod `primary`
 * Ready, and a query through the write Service reaching that pod (its hostname, the pod's name) with
 * `@@global.read_only` = 0. Returns the ms waited. A primary is read-only after a roll until its agent
 * opens it, and again whenever it fenced itself (a Lease renewal late on a loaded machine).
 */
export async function waitWritablePrimary(cluster: TestCluster, timeoutMs = WRITABLE_TIMEOUT_MS): Promise<number> {
  const pod = `${cluster.name}-${cluster.primary}`;
  let last = "no answer yet";
  const writable = async (): Promise<boolean> => {
    if (!cluster.runner.isReady(cluster.primary)) {
      last = `${pod} not Ready`;
      return false;
    }
    try {
      const [row] = await cluster.queryWriteService<{ host: string; ro: number }[]>(
        "SELECT @@hostname AS host, @@global.read_only AS ro",
      );
      last = `the write Service reached ${row.host} with read_only = ${row.ro}`;
      return row.host === pod && Number(row.ro) === 0;
    } catch (e) {
      last = `the write Service refused: ${(e as Error).message}`;
      return false;
    }
  };
  try {
    return await pollFor(`${pod} Ready and writable through the write Service`, writable, timeoutMs, 500);
  } catch (e) {
    throw new Error(`${(e as Error).message} (last: ${last})`);
  }
}

/** Bench clusters are named bench<letter>: clusterId = name, so they never collide with the e2e tests' ids. */
export function benchCluster(
  name: string,
  args: Partial<MySqlClusterArgs> = {},
  mutate?: (objects: object[]) => void,
): BenchCluster {
  if (!/^bench[a-z0-9]$/.test(name)) throw new Error(`bench cluster names are bench<letter>, got ${name}`);
  return new BenchCluster(name, { ...E2E_ARGS, ...args }, {}, mutate);
}

/** Clusters up right now, so an interrupted run (Ctrl-C) can still take them down. */
export const activeClusters = new Set<BenchCluster>();

/** Runs fn on a fresh cluster (not yet up); down() always runs afterwards. */
export async function withCluster<T>(cluster: BenchCluster, fn: (c: BenchCluster) => Promise<T>): Promise<T> {
  activeClusters.add(cluster);
  try {
    return await fn(cluster);
  } finally {
    await cluster.down();
    activeClusters.delete(cluster);
  }
}

export const now = (): number => performance.now();
export { sleep };
export const seconds = (ms: number): number => Math.round(ms) / 1000;

/**
 * Flushes what is dirty, off the event loop. The runner's API server (leases included) runs in this
 * process: a synchronous `sync` after a few GB of writes blocked it for seconds, the primary's agent
 * could not renew its Lease, fenced its server, and the fence cut the clone's backup stream, which
 * then started over (2026-12-03 14:38: bootstraps at 2 GB of 39 and 41 s against 20 s).
 */
async function syncDisks(): Promise<void> {
  await promisify(execFile)("sync");
}

/** Empties the page cache so every copy reads its source from disk, as on a node that did not just write it. */
export async function dropCaches(): Promise<void> {
  await syncDisks();
  await fs.promises.writeFile("/proc/sys/vm/drop_caches", "3\n");
}

/**
 * Before a timed copy: waits for the disks to go quiet (the primary flushing
 * what a load left dirty, or the last copy's files being discarded, would
 * otherwise slow only the first measurement after them), then drops the cache.
 */
export async function quietColdCache(): Promise<void> {
  await settleDisk();
  await dropCaches();
}

/** pollUntil (the runner's one way of waiting), timed: the elapsed ms at success. */
export async function pollFor(
  what: string,
  fn: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<number> {
  const start = now();
  await pollUntil(what, fn, timeoutMs, intervalMs);
  return now() - start;
}

/**
 * Loads about `megabytes` MB spread over `tables` tables `<prefix>_0`... (so a parallel backup has files
 * to spread over), once the primary takes writes through the write Service; tests/e2e/helpers.ts's
 * writeBulk writes the rows and sends again a batch a fence refused.
 */
export async function loadData(
  cluster: TestCluster,
  megabytes: number,
  log: (line: string) => void = console.log,
  tables = 4,
  prefix = "bulk",
): Promise<void> {
  const waited = await waitWritablePrimary(cluster);
  if (waited > 1000) log(`load: waited ${(waited / 1000).toFixed(1)} s for the primary to take writes`);
  await writeBulk(cluster, prefix, megabytes, { tables, log });
}

/**
 * Leaves only the current binary log on the primary, so the data directory
 * holds what a backup copies. MariaDB keeps a log until its binlog checkpoint
 * (and any dump thread) has moved past it, so this retries for a while.
 */
export async function purgeBinlogs(cluster: TestCluster, timeoutMs = 60_000): Promise<void> {
  const start = now();
  for (;;) {
    await cluster.rootSql(0, "FLUSH BINARY LOGS");
    const current = (await cluster.rootSql(0, "SHOW MASTER STATUS")).split("\t")[0];
    await cluster.rootSql(0, `PURGE BINARY LOGS TO '${current}'`);
    if ((await cluster.rootSql(0, "SHOW BINARY LOGS")).trim().split("\n").length === 1) return;
    if (now() - start > timeoutMs)
      throw new Error(`the primary still keeps older binary logs after ${timeoutMs / 1000}s`);
    await sleep(2000);
  }
}

/** The largest files under a host directory, for the report (what the bytes are). */
export function largestFiles(dir: string, count = 8): { file: string; bytes: number }[] {
  const out = execFileSync("du", ["-ab", dir], { encoding: "utf8" });
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t"))
    .filter(([, f]) => fs.statSync(f).isFile())
    .map(([b, f]) => ({ file: f.slice(dir.length + 1), bytes: Number(b) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

/** Bytes under a host directory (du -sb). */
export function dirBytes(dir: string): number {
  return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
}

/** Heavy jobs on this machine that are not ours: e2e test runs and database servers outside our bench pods' namespaces. */
export function foreignHeavyJobs(): string[] {
  // Servers by process name (not -f: our own exec helpers carry "mariadbd" in their environment arguments), test runs by command line.
  const pgrep = (args: string[]): string => {
    try {
      return execFileSync("pgrep", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return "";
    }
  };
  const out = pgrep(["-a", "-x", "mariadbd"]) + pgrep(["-af", "mocha"]);
  return (
    out
      .split("\n")
      .filter(Boolean)
      .filter((line) => !line.includes("<defunct>")) // a server that exited and awaits its parent's wait(): no load
      // A job queued on the host-wide lock (`flock /tmp/e2e.lock mocha …`, also behind `timeout 900 flock …`) runs
      // nothing yet: counting it would make a bench that holds the lock wait for a job that waits for the bench. Its
      // mocha, once started, is counted (its own process); the wrappers never are.
      .filter((line) => !/^(flock|timeout)$/.test(path.basename(line.split(" ")[1] ?? "")))
      .filter((line) => {
        const pid = Number(line.split(" ")[0]);
        if (!/mariadbd/.test(line.split(" ")[1] ?? "")) return true;
        // Ours if this process started it (through the runner's unshare). A pod's
        // network namespace was not enough: a server started while its cluster's
        // namespace was being re-created was counted as foreign.
        return !descendsFromUs(pid);
      })
  );
}

/** Whether `pid` is a descendant of this process (its parent chain in /proc reaches us), or already gone. */
function descendsFromUs(pid: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === process.pid) return true;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces).
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return hops === 0; // the server itself is gone (no load to count); an ancestor gone: not ours
    }
  }
  return false;
}

/** Sectors written plus sectors discarded, over every disk (/proc/diskstats). */
function diskSectorsMoved(): number {
  return fs
    .readFileSync("/proc/diskstats", "utf8")
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 14 && !/^(loop|ram|dm-)/.test(f[2]))
    .reduce((sum, f) => sum + Number(f[9]) + Number(f[15] ?? 0), 0);
}

/**
 * Waits until the disks are quiet: what earlier steps wrote is written back
 * and what they deleted is discarded (this machine's ext4 discards online).
 * A section that follows the 4 GB bootstraps otherwise pays for their I/O.
 */
export async function settleDisk(log: (l: string) => void = console.log, maxWaitMs = 300_000): Promise<void> {
  await syncDisks();
  const start = now();
  let before = diskSectorsMoved();
  for (;;) {
    await sleep(1000);
    const after = diskSectorsMoved();
    if (after - before < 2048) return; // under 1 MiB a second: background noise, not a flush
    before = after;
    if (now() - start > maxWaitMs) {
      log(`the disks still moved data after ${maxWaitMs / 1000}s; going on`);
      return;
    }
  }
}

/** Waits (polling) until no other heavy job runs, so CPU contention does not skew the figures. */
export async function waitQuiet(log: (l: string) => void, maxWaitMs = 3_600_000, goOn = false): Promise<void> {
  const start = now();
  let said = "";
  for (;;) {
    const jobs = foreignHeavyJobs();
    if (!jobs.length) return;
    const msg = `waiting for other heavy jobs to finish: ${jobs.map((j) => j.replace(/^\d+ /, "").slice(0, 100)).join(" | ")}`;
    if (msg !== said) log(msg);
    said = msg;
    if (now() - start > maxWaitMs) {
      if (!goOn) throw new Error(`other heavy jobs still running after ${maxWaitMs / 60000} min`);
      log(`other heavy jobs still running after ${maxWaitMs / 1000} s; measuring anyway`);
      return;
    }
    await sleep(10_000);
  }
}
