// Question 1 (and the backupParallelism part of 4): how long a new replica
// takes to clone, prepare, start and become Ready, per data size, against the
// physical limit measured on the same two pods in the same run: a plain
// `tar | socat` copy of the source's data directory. Each repetition removes
// the replica and its volume, so every bootstrap is a first clone.

import * as path from "path";
import {
  benchCluster,
  BenchCluster,
  BenchOptions,
  dirBytes,
  largestFiles,
  loadData,
  now,
  pollFor,
  purgeBinlogs,
  quietColdCache,
  sleep,
  withCluster,
} from "./common";
import { componentSettings } from "./settings";
import { MOUNTS, PATHS } from "../components/mysql-cluster/contract";

export interface BootstrapPhases {
  /** Pod created -> clone-data logs "cloning from" (sandbox, init-config, source choice). */
  init: number;
  /** "cloning from" -> "stream complete": backup streamed and unpacked. */
  stream: number;
  /** "stream complete" -> "cloned from": mariadb-backup --prepare and the rename. */
  prepare: number;
  /** "cloned from" -> sidecar logs "replication configured": server start, sidecar poll, CHANGE MASTER. */
  start: number;
  /** "replication configured" -> pod Ready: catch-up, the sidecar's readiness verdict and the readiness probe. */
  readiness: number;
  /** scale() called -> pod Ready. */
  total: number;
}

export interface BootstrapRun {
  sizeMB: number;
  rep: number;
  parallelism: number;
  /** Bytes of the source's data directory (binary logs purged). */
  dataBytes: number;
  /** Bytes of the clone's data directory right after it turned Ready (redo log recreated at its configured size). */
  cloneBytes?: number;
  source: string;
  phases: BootstrapPhases;
  /** What clone-data itself logged (whole seconds). */
  scriptStreamSeconds?: number;
  scriptCloneSeconds?: number;
  copy?: PlainCopy;
  /** The same copy through socat with the clone stream's mutual-TLS options. */
  copyTls?: PlainCopy;
  /** Lines the primary's sidecar logged during the repetition about fencing, failsafe or failures (none on a healthy run). */
  primaryTrouble?: string[];
}

export interface PlainCopy {
  seconds: number;
  bytes: number;
  /** socat's block size on both ends (results before this field: socat's default, 8192). */
  blockBytes?: number;
}

/** socat's default block size, which the plain copies of results without `blockBytes` used. */
export const SOCAT_DEFAULT_BLOCK = 8192;
/**
 * The plain copy's socat block size. The limit is the fastest plain copy the
 * two pods manage: with socat's default 8 KiB per read the copy ran at about
 * 150 MB/s, bound by socat's system calls rather than by the disks or the
 * veth; 1 MiB roughly doubled it. It does not follow the component's setting,
 * so a baseline commit is measured against the same limit.
 */
export const COPY_BLOCK_BYTES = 1 << 20;

export interface BootstrapResults {
  /** Repetitions per size (the run's unless BENCH_BOOTSTRAP_REPS said otherwise; absent in older results). */
  reps?: number;
  sizesMB: number[];
  runs: BootstrapRun[];
  /** backupParallelism compared at this size (the default's runs are those of `runs` at this size). */
  parallelismSizeMB: number;
  parallelismRuns: BootstrapRun[];
  defaultParallelism: number;
  /** Per size: the source's data directory's largest files. */
  dataFiles: Record<number, { file: string; bytes: number }[]>;
}

const COPY_PORT = 3399;
const HOST_TAR = "/usr/bin/tar";
/** Beside the data directory, on the same claim (MOUNTS.data), so the copy lands on the same filesystem. */
const COPY_DIR = `${MOUNTS.data}/plaincopy`;
const LIB = `${MOUNTS.scripts}/lib.sh`;
/**
 * Files of the data directory a clone does not carry, left out of the plain
 * copy too so both move the same data: the redo log (a backup carries only the
 * redo written while it ran), the temporary tablespace, binary and relay logs.
 */
export const NOT_CLONED = ["ib_logfile*", "ibtmp1", "binlog.*", "relay-bin.*", "*.pid", "*.sock"];
const TIMEOUT_MS = 900_000;

/** The part of a container log written by runs that started at or after `since` (ISO time); the runner heads each run "----- <ISO> <container> start". */
export function freshLog(text: string, container: string, since: string): string {
  const re = new RegExp(`^----- (\\S+) ${container} start`, "gm");
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[1] >= since) return text.slice(m.index);
  return "";
}

/** Scales 1 -> 2 and times pod 1's way to Ready from its logs, polled every 100 ms. */
export async function bootstrapOnce(
  c: BenchCluster,
  ord: number,
): Promise<Omit<BootstrapRun, "sizeMB" | "rep" | "parallelism" | "dataBytes">> {
  await quietColdCache();
  const marks: Record<string, number> = {};
  const since = new Date().toISOString();
  const t0 = now();
  let failure: unknown;
  const scaling = c.scale(ord + 1).catch((e) => {
    failure = e;
  });
  // A recreated pod appends to its predecessor's logs: read only the runs that started after t0.
  const logOf = (container: string): string => {
    try {
      return freshLog(c.runner.logs(ord, container), container, since);
    } catch {
      return "";
    }
  };
  const sample = (): void => {
    const at = now() - t0;
    const clone = logOf("clone-data");
    const set = (key: string, re: RegExp, text: string): void => {
      if (marks[key] === undefined && re.test(text)) marks[key] = at;
    };
    set("cloning", /cloning from/, clone);
    set("streamed", /stream complete after/, clone);
    set("cloned", /cloned from/, clone);
    set("replicating", /replication configured/, logOf("sidecar"));
  };
  while (!c.runner.isReady(ord)) {
    if (failure) throw failure;
    if (now() - t0 > TIMEOUT_MS) throw new Error(`pod ${ord} not Ready after ${TIMEOUT_MS / 1000}s`);
    sample();
    await sleep(100);
  }
  sample();
  marks.ready = now() - t0;
  await scaling;
  if (failure) throw failure;
  for (const k of ["cloning", "streamed", "cloned", "replicating"]) {
    if (marks[k] === undefined)
      throw new Error(`pod ${ord} became Ready without logging its "${k}" step:\n${logOf("clone-data")}`);
  }
  const clone = logOf("clone-data");
  const s = (ms: number): number => ms / 1000;
  return {
    source: /cloning from (\S+)/.exec(clone)?.[1]?.split(".")[0] ?? "?",
    phases: {
      init: s(marks.cloning),
      stream: s(marks.streamed - marks.cloning),
      prepare: s(marks.cloned - marks.streamed),
      start: s(marks.replicating - marks.cloned),
      readiness: s(marks.ready - marks.replicating),
      total: s(marks.ready),
    },
    scriptStreamSeconds: Number(/stream complete after (\d+)s/.exec(clone)?.[1]),
    scriptCloneSeconds: Number(/cloned from \S+ at GTID \S+ in (\d+)s/.exec(clone)?.[1]),
  };
}

/**
 * The physical limit: the source's data directory as a plain tar stream over
 * socat (1 MiB blocks) from pod `from`'s sidecar into pod `to`'s volume, cold
 * page cache, the same containers and network path the clone uses.
 */
export async function plainCopy(c: BenchCluster, from: number, to: number, tls = false): Promise<PlainCopy> {
  const exec = async (ord: number, script: string, ok = [0]): Promise<void> => {
    const r = await c.runner.exec(ord, "sidecar", ["bash", "-c", script], { timeoutMs: TIMEOUT_MS });
    if (!ok.includes(r.code)) throw new Error(`pod ${ord}: ${script} exited ${r.code}: ${r.stderr}`);
  };
  await exec(to, `rm -rf ${COPY_DIR} && mkdir ${COPY_DIR}`);
  await quietColdCache();
  const t0 = now();
  // Receiver first; the sender retries its connect every 50 ms until the listener is up.
  // tls: the same mutual-TLS socat options the clone's stream uses (lib.sh), to the peer's DNS name as clone-data connects.
  const listen = tls
    ? `OPENSSL-LISTEN:${COPY_PORT},reuseaddr,$(stream_tls_options)`
    : `TCP-LISTEN:${COPY_PORT},reuseaddr`;
  const connect = tls
    ? `OPENSSL:$(peer_host ${to}):${COPY_PORT},$(stream_tls_options)`
    : `TCP:${c.runner.podIp(to)}:${COPY_PORT}`;
  // The host's tar by its path: the MariaDB image grants no tar (image-facts.ts), and the runner's PATH holds only
  // what an image grants. The plain copy is the harness's reference, not a pod script.
  const receive = exec(
    to,
    `source ${LIB}; set -o pipefail; socat -b ${COPY_BLOCK_BYTES} -u ${listen} STDOUT | ${HOST_TAR} -x -C ${COPY_DIR}`,
  );
  // tar exits 1 when a live InnoDB file changed while it was read; the bytes still went through.
  const send = exec(
    from,
    `source ${LIB}; ${HOST_TAR} -c ${NOT_CLONED.map((p) => `--exclude='${p}'`).join(" ")} -C ${PATHS.dataDir} . 2>/dev/null | socat -b ${COPY_BLOCK_BYTES} -u STDIN ${connect},retry=200,interval=0.05`,
  );
  await Promise.all([receive, send]);
  const seconds = (now() - t0) / 1000;
  const bytes = dirBytes(path.join(c.runner.pvcDir("data", to), "plaincopy"));
  await exec(to, `rm -rf ${COPY_DIR}`);
  return { seconds, bytes, blockBytes: COPY_BLOCK_BYTES };
}

/** What the primary's agent logs when it stops taking writes, or nearly does: worth a line in the results. */
const TROUBLE = /fenc|failsafe|could not|does not answer|Lease is held/i;

/** Runs fn, and returns with its result the primary's sidecar lines about fencing logged meanwhile. */
async function watchPrimary<T>(c: BenchCluster, fn: () => Promise<T>): Promise<{ result: T; trouble: string[] }> {
  const from = c.logsSoFar(c.primary, "sidecar").length;
  const result = await fn();
  const trouble = c
    .logsSoFar(c.primary, "sidecar")
    .slice(from)
    .split("\n")
    .filter((l) => TROUBLE.test(l));
  return { result, trouble };
}

/**
 * Removes replica `ord` and its volume, so the next scale-up clones from scratch, and waits until the
 * primary is a one-pod cluster's again: commits no longer waiting for a replica's acknowledgement.
 * Once a replica has followed, the agent makes every commit wait for one, also while none is
 * connected, and lifts that only once it reads one replica in the StatefulSet. Scaled back to 2
 * before it had, the next clone met a primary whose heartbeat commits hung: the backup's BACKUP
 * STAGE BLOCK_COMMIT waited for them, the agent's write of its fence deadline waited for that, and
 * the primary fenced itself, cutting the stream, which started over (2026-12-03 14:49-14:53: a
 * 2048 MB bootstrap of 77 s, stream 75 s, against 20 s).
 */
async function removeReplica(c: BenchCluster, ord: number): Promise<void> {
  await c.scale(ord);
  await c.runner.deleteClaim("data", ord);
  if (ord !== 1) return;
  // MariaDB's name (the bench runs the mariadb flavor; dialect.ts has both).
  await pollFor(
    "the primary to stop waiting for a replica's acknowledgement (rpl_semi_sync_master_wait_no_slave OFF)",
    async () =>
      /^(0|OFF)$/.test(
        (await c.rootSql(c.primary, "SELECT @@global.rpl_semi_sync_master_wait_no_slave").catch(() => "")).trim(),
      ),
    120_000,
    200,
  );
}

export async function benchBootstrap(opts: BenchOptions): Promise<BootstrapResults> {
  const sizesMB = opts.sizesMB ?? (opts.quick ? [64] : [256, 1024, 2048, 4096]);
  // BENCH_SKIP_PARALLELISM=1: no backupParallelism comparison (it adds about 10 min at 1 GB).
  const skipParallelism = process.env.BENCH_SKIP_PARALLELISM === "1";
  // BENCH_BOOTSTRAP_REPS: fewer repetitions of this (the longest) step when a run must end by a deadline.
  const reps = Number(process.env.BENCH_BOOTSTRAP_REPS ?? opts.reps);
  const defaultParallelism = componentSettings().backupParallelism;
  // The default is measured here too, after the same roll as the others: section 1's clones come
  // from a primary that has run since the load, whose larger redo backlog makes both stream and prepare longer.
  const variants = [...new Set([1, defaultParallelism, 8])].sort((x, y) => x - y);
  // backupParallelism is compared at 1 GB (the smallest size at which the stream dominates), not at the largest, to keep the run near 30 min.
  const parallelismSizeMB = sizesMB.includes(1024) ? 1024 : sizesMB[sizesMB.length - 1];
  const results: BootstrapResults = {
    reps,
    sizesMB,
    runs: [],
    parallelismSizeMB,
    parallelismRuns: [],
    defaultParallelism,
    dataFiles: {},
  };
  const c = benchCluster("benchb", { replicas: 1, backupParallelism: defaultParallelism, storageSize: "20Gi" });
  await withCluster(c, async () => {
    await c.up();
    let loaded = 0;
    let dataBytes = 0;
    const variantsAt = async (sizeMB: number): Promise<void> => {
      for (const parallelism of variants) {
        c.setArgs({ backupParallelism: parallelism });
        await c.reapply(1); // rolls pod 0 so its sidecar serves backups with the new setting
        for (let rep = 1; rep <= opts.reps; rep++) {
          const run = await opts.measure(`bootstrap ${sizeMB} MB, backupParallelism ${parallelism} #${rep}`, () =>
            watchPrimary(c, async () => {
              const r = await bootstrapOnce(c, 1);
              await removeReplica(c, 1);
              return r;
            }),
          );
          results.parallelismRuns.push({
            sizeMB,
            rep,
            parallelism,
            dataBytes,
            ...run.result,
            primaryTrouble: run.trouble,
          });
          for (const l of run.trouble) opts.log(`primary: ${l}`);
          opts.log(
            `bootstrap ${sizeMB} MB, backupParallelism ${parallelism} #${rep}: ${run.result.phases.total.toFixed(1)}s (stream ${run.result.phases.stream.toFixed(1)}s)`,
          );
        }
      }
      c.setArgs({ backupParallelism: defaultParallelism });
      await c.reapply(1);
    };
    for (const sizeMB of sizesMB) {
      const t = now();
      await loadData(c, sizeMB - loaded, opts.log);
      loaded = sizeMB;
      await purgeBinlogs(c);
      dataBytes = dirBytes(path.join(c.runner.pvcDir("data", 0), "data"));
      results.dataFiles[sizeMB] = largestFiles(path.join(c.runner.pvcDir("data", 0), "data"));
      opts.log(
        `bootstrap: loaded ${sizeMB} MB in ${((now() - t) / 1000).toFixed(0)}s; data directory ${(dataBytes / 2 ** 20).toFixed(0)} MiB`,
      );
      for (let rep = 1; rep <= reps; rep++) {
        const {
          result: { run, cloneBytes, copy, copyTls },
          trouble,
        } = await opts.measure(`bootstrap ${sizeMB} MB #${rep}`, () =>
          watchPrimary(c, async () => {
            const r = await bootstrapOnce(c, 1);
            const bytes = dirBytes(path.join(c.runner.pvcDir("data", 1), "data"));
            const plain = await plainCopy(c, 0, 1);
            const tls = await plainCopy(c, 0, 1, true);
            await removeReplica(c, 1);
            return { run: r, cloneBytes: bytes, copy: plain, copyTls: tls };
          }),
        );
        for (const l of trouble) opts.log(`primary: ${l}`);
        results.runs.push({
          sizeMB,
          rep,
          parallelism: defaultParallelism,
          dataBytes,
          cloneBytes,
          ...run,
          copy,
          copyTls,
          primaryTrouble: trouble,
        });
        opts.log(
          `bootstrap ${sizeMB} MB #${rep}: ${run.phases.total.toFixed(1)}s (stream ${run.phases.stream.toFixed(1)}s, prepare ${run.phases.prepare.toFixed(1)}s); plain copy ${copy.seconds.toFixed(1)}s, with TLS ${copyTls.seconds.toFixed(1)}s`,
        );
      }
      if (sizeMB === results.parallelismSizeMB && !skipParallelism) await variantsAt(sizeMB);
    }
  });
  return results;
}
