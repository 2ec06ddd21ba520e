// Question 3 (and the replication-threads part of 4): replication lag under a
// standard write load. sysbench oltp_write_only runs against the primary's pod
// IP as the app user while every pod is sampled once a second (GTID position,
// heartbeat age on replicas); after the load, replicas are polled every 100 ms
// until they hold the primary's last transaction.

import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { PORTS, SECRET_KEYS } from "../components/mysql-cluster/contract";
import { APP } from "../tests/e2e/helpers";
import { benchCluster, BenchCluster, BenchOptions, now, pollFor, sleep, withCluster } from "./common";

export interface LagSample {
  /** Seconds since the load started (negative: before). */
  t: number;
  /** GTID sequence number (domain 0) per ordinal: binlog position on the primary, slave position on replicas. */
  seq: number[];
  /** Heartbeat row age in seconds per ordinal (index 0: the primary's own row, 0–1 s as it is rewritten every second). */
  lag: (number | null)[];
  /** Replication delay per replica (index 0 unused): see heartbeatDelay. */
  delay: (number | null)[];
}

/** The heartbeat event's period on the primary. */
const HEARTBEAT_SECONDS = 1;

/**
 * A replica's delay from heartbeat ages sampled at the same moment: the age of
 * the oldest heartbeat it has not applied, 0 when it holds the primary's newest.
 * A replica k beats behind reads about primary age + k; its oldest missing beat
 * was written one period after its own, so is (its age - one period) old. The
 * plain difference of ages would count a beat still in flight (written a few
 * ms before the sample) as a whole second of delay.
 */
export function heartbeatDelay(replicaAge: number | null, primaryAge: number | null): number | null {
  if (replicaAge === null || primaryAge === null) return null;
  const behind = replicaAge - primaryAge;
  return behind < HEARTBEAT_SECONDS / 2 ? Math.max(0, behind) : Math.max(0, replicaAge - HEARTBEAT_SECONDS);
}

/** Recomputes every sample's delay and the run's peak and end delay with heartbeatDelay (for runs recorded with the plain difference). */
export function withHeartbeatDelays(run: LagRun): LagRun {
  const samples = run.samples.map((x) => ({
    ...x,
    delay: x.lag.map((age, ord) => (ord === 0 ? null : heartbeatDelay(age, x.lag[0]))),
  }));
  const replicas = run.peakDelay.map((_, i) => i + 1);
  const during = samples.filter((x) => x.t <= run.seconds);
  const end = during[during.length - 1];
  return {
    ...run,
    samples,
    peakDelay: replicas.map((ord) => Math.max(...during.map((x) => x.delay[ord] ?? 0))),
    endDelay: replicas.map((ord) => end?.delay[ord] ?? NaN),
  };
}

export interface LagRun {
  clients: number;
  /** slave_parallel_threads on the replicas during the run. */
  replicaThreads: number;
  rep: number;
  seconds: number;
  /** sysbench's own figure. */
  sysbenchTps: number;
  /** Transactions per second the primary committed during the load (GTIDs, heartbeat events included). */
  commitRate: number;
  /** Per replica: transactions per second applied during the load window, and the ratio to the commit rate. */
  applyRate: number[];
  applyRatio: number[];
  /** Per replica: peak heartbeat lag during the load and the lag at the moment the load stopped. */
  peakLag: number[];
  endLag: number[];
  /** The same for the delay (heartbeatDelay). */
  peakDelay: number[];
  endDelay: number[];
  /** Per replica: transactions behind at the end of the load, and seconds after it until the replica held the primary's last GTID. */
  backlogAtEnd: number[];
  drainSeconds: number[];
  samples: LagSample[];
}

export interface LagResults {
  replicas: number;
  tables: number;
  tableSize: number;
  seconds: number;
  clientCounts: number[];
  defaultThreads: number;
  runs: LagRun[];
  /** Replica parallel-apply threads compared at this client count. */
  threadsClients: number;
  threadVariants: number[];
}

function seqOf(gtidPos: string): number {
  for (const part of gtidPos.split(",")) {
    const [domain, , seq] = part.trim().split("-");
    if (domain === "0") return Number(seq);
  }
  return 0;
}

class Sampler {
  private constructor(private readonly conns: mysql.Connection[]) {}

  static async open(c: BenchCluster, pods: number): Promise<Sampler> {
    const conns: mysql.Connection[] = [];
    for (let ord = 0; ord < pods; ord++) conns.push(await c.connect(ord, "monitor"));
    return new Sampler(conns);
  }

  async seq(ord: number): Promise<number> {
    const variable = ord === 0 ? "@@global.gtid_binlog_pos" : "@@global.gtid_slave_pos";
    const [rows] = await this.conns[ord].query(`SELECT ${variable} AS pos`);
    return seqOf(String((rows as mysql.RowDataPacket[])[0].pos ?? ""));
  }

  async lag(ord: number): Promise<number | null> {
    const [rows] = await this.conns[ord].query(
      "SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6))/1e6 AS lag FROM cluster_meta.heartbeat WHERE id = 1",
    );
    const v = (rows as mysql.RowDataPacket[])[0]?.lag;
    return v === undefined || v === null ? null : Number(v);
  }

  async sample(t: number): Promise<LagSample> {
    const seq = await Promise.all(this.conns.map((_, ord) => this.seq(ord)));
    const lag = await Promise.all(this.conns.map((_, ord) => this.lag(ord)));
    const delay = lag.map((x, ord) => (ord === 0 ? null : heartbeatDelay(x, lag[0])));
    return { t, seq, lag, delay };
  }

  /** The replica's slave_parallel_threads right now (the component's default until the harness changes it). */
  async threads(ord: number): Promise<number> {
    const [rows] = await this.conns[ord].query("SELECT @@global.slave_parallel_threads AS n");
    return Number((rows as mysql.RowDataPacket[])[0].n);
  }

  close(): void {
    for (const c of this.conns) c.destroy();
  }
}

/**
 * sysbench with the app password in a private config file, never on the
 * command line. With --mysql-ssl=on sysbench 1.0 reads cacert.pem,
 * client-cert.pem and client-key.pem from its working directory: the cluster's
 * CA and certificate go there.
 */
async function sysbench(c: BenchCluster, args: string[], timeoutMs: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sysbench-"));
  const config = path.join(dir, "sysbench.cfg");
  fs.writeFileSync(config, `mysql-password=${c.passwords[SECRET_KEYS.app]}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, "cacert.pem"), c.tls.ca);
  fs.writeFileSync(path.join(dir, "client-cert.pem"), c.tls.cert);
  fs.writeFileSync(path.join(dir, "client-key.pem"), c.tls.key, { mode: 0o600 });
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(
        "sysbench",
        [
          "oltp_write_only",
          `--config-file=${config}`,
          "--db-driver=mysql",
          `--mysql-host=${c.runner.podIp(0)}`,
          `--mysql-port=${PORTS.mysql}`,
          `--mysql-user=${APP.user}`,
          `--mysql-db=${APP.database}`,
          `--mysql-ssl=${c.args.requireTls === false ? "off" : "on"}`,
          ...args,
        ],
        { stdio: ["ignore", "pipe", "pipe"], cwd: dir },
      );
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`sysbench ${args.join(" ")} exited ${code}:\n${out.slice(-2000)}`));
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function setReplicaThreads(c: BenchCluster, replicas: number[], threads: number): Promise<void> {
  for (const ord of replicas) {
    // The sidecar restarts stopped threads on its next poll; retry if it does so between STOP and SET.
    for (let attempt = 1; ; attempt++) {
      try {
        await c.rootSql(ord, `STOP SLAVE; SET GLOBAL slave_parallel_threads = ${threads}; START SLAVE;`);
        break;
      } catch (e) {
        if (attempt >= 5) throw e;
        await sleep(500);
      }
    }
  }
}

async function waitCaughtUp(s: Sampler, replicas: number[], timeoutMs: number): Promise<number[]> {
  const target = await s.seq(0);
  return Promise.all(
    replicas.map((ord) =>
      pollFor(`replica ${ord} to reach seq ${target}`, async () => (await s.seq(ord)) >= target, timeoutMs).then(
        (ms) => ms / 1000,
      ),
    ),
  );
}

async function loadRun(
  c: BenchCluster,
  s: Sampler,
  pods: number,
  cfg: { clients: number; threads: number; rep: number; seconds: number; tables: number; tableSize: number },
): Promise<LagRun> {
  const replicas = Array.from({ length: pods - 1 }, (_, i) => i + 1);
  await waitCaughtUp(s, replicas, 300_000);
  const samples: LagSample[] = [];
  const t0 = now();
  const t = (): number => (now() - t0) / 1000;
  const start = await s.sample(0);
  samples.push(start);
  let loading = true;
  const sampler = (async () => {
    let next = 1;
    while (loading) {
      const wait = t0 + next * 1000 - now();
      if (wait > 0) await sleep(wait);
      if (!loading) break;
      samples.push(await s.sample(t()));
      next++;
    }
  })();
  let out: string;
  try {
    out = await sysbench(
      c,
      [
        `--tables=${cfg.tables}`,
        `--table-size=${cfg.tableSize}`,
        `--threads=${cfg.clients}`,
        `--time=${cfg.seconds}`,
        "--report-interval=0",
        "run",
      ],
      (cfg.seconds + 120) * 1000,
    );
  } finally {
    loading = false;
    await sampler;
  }
  const end = await s.sample(t());
  const loadSeconds = end.t;
  samples.push(end);
  const finalSeq = end.seq[0];
  // After the load: poll every 100 ms until each replica holds the primary's last GTID; keep sampling once a second meanwhile.
  const tEnd = now();
  const drainSeconds = await Promise.all(
    replicas.map((ord) =>
      pollFor(`replica ${ord} to catch up`, async () => (await s.seq(ord)) >= finalSeq, 600_000).then(
        (ms) => ms / 1000,
      ),
    ),
  );
  for (let extra = 1; extra <= 3; extra++) {
    await sleep(Math.max(0, tEnd + extra * 1000 - now()));
    samples.push(await s.sample(t()));
  }
  const during = samples.filter((x) => x.t <= loadSeconds);
  const commitRate = (end.seq[0] - start.seq[0]) / loadSeconds;
  const applyRate = replicas.map((ord) => (end.seq[ord] - start.seq[ord]) / loadSeconds);
  return {
    clients: cfg.clients,
    replicaThreads: cfg.threads,
    rep: cfg.rep,
    seconds: loadSeconds,
    sysbenchTps: Number(/transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(out)?.[1]),
    commitRate,
    applyRate,
    applyRatio: applyRate.map((r) => r / commitRate),
    peakLag: replicas.map((ord) => Math.max(...during.map((x) => x.lag[ord] ?? 0))),
    endLag: replicas.map((ord) => end.lag[ord] ?? NaN),
    peakDelay: replicas.map((ord) => Math.max(...during.map((x) => x.delay[ord] ?? 0))),
    endDelay: replicas.map((ord) => end.delay[ord] ?? NaN),
    backlogAtEnd: replicas.map((ord) => end.seq[0] - end.seq[ord]),
    drainSeconds,
    samples,
  };
}

export async function benchLag(opts: BenchOptions): Promise<LagResults> {
  const pods = 3;
  const tables = 4;
  const tableSize = opts.quick ? 2000 : 50_000;
  const seconds = opts.quick ? 8 : 30;
  const clientCounts = opts.quick ? [1, 8] : [1, 4, 16];
  const threadsClients = clientCounts[clientCounts.length - 1];
  // Filled in from the running replicas: the default is whatever the measured commit configures, not what the harness assumes.
  const results: LagResults = {
    replicas: pods - 1,
    tables,
    tableSize,
    seconds,
    clientCounts,
    defaultThreads: NaN,
    runs: [],
    threadsClients,
    threadVariants: [],
  };
  const c = benchCluster("benchl", { replicas: pods });
  await withCluster(c, async () => {
    await c.up();
    await sysbench(c, [`--tables=${tables}`, `--table-size=${tableSize}`, "--threads=4", "prepare"], 600_000);
    const s = await Sampler.open(c, pods);
    try {
      const replicas = Array.from({ length: pods - 1 }, (_, i) => i + 1);
      const configured = await Promise.all(replicas.map((ord) => s.threads(ord)));
      if (new Set(configured).size !== 1)
        throw new Error(`replicas disagree on slave_parallel_threads: ${configured.join(", ")}`);
      const defaultThreads = configured[0];
      results.defaultThreads = defaultThreads;
      // Serial apply, the previous default and the current one's neighbours, without the default itself (its runs are the client-count runs).
      const threadVariants = (opts.quick ? [0] : [0, 4, 8, 16]).filter((n) => n !== defaultThreads);
      results.threadVariants = threadVariants;
      opts.log(
        `lag: replicas run with slave_parallel_threads = ${defaultThreads}; comparing ${threadVariants.join(", ")} at ${threadsClients} clients`,
      );
      const measure = async (clients: number, threads: number): Promise<void> => {
        for (let rep = 1; rep <= opts.reps; rep++) {
          const run = await opts.measure(`lag ${clients} clients, ${threads} apply threads #${rep}`, () =>
            loadRun(c, s, pods, { clients, threads, rep, seconds, tables, tableSize }),
          );
          results.runs.push(run);
          opts.log(
            `lag ${clients} clients, ${threads} apply threads #${rep}: commit ${run.commitRate.toFixed(0)}/s, apply ${run.applyRate.map((r) => r.toFixed(0)).join("/")}/s, ` +
              `peak lag ${run.peakLag.map((x) => x.toFixed(2)).join("/")}s, end lag ${run.endLag.map((x) => x.toFixed(2)).join("/")}s, drain ${run.drainSeconds.map((x) => x.toFixed(1)).join("/")}s`,
          );
        }
      };
      for (const clients of clientCounts) await measure(clients, defaultThreads);
      for (const threads of threadVariants) {
        await setReplicaThreads(c, replicas, threads);
        await measure(threadsClients, threads);
      }
      await setReplicaThreads(c, replicas, defaultThreads);
    } finally {
      s.close();
    }
  });
  return results;
}
