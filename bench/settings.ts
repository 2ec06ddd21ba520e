// The component defaults the figures depend on, read from the measured
// commit's own rendering (not assumed by the harness): the readiness probe, the
// sidecar's poll interval(s), MariaDB's parallel appliers, backupParallelism,
// the backup stream's socat block size and unpack writers.
// Recorded in the results so a report (and a before/after comparison) names
// the settings each run measured.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderObjects, resolveArgs } from "../components/mysql-cluster";
import { E2E_ARGS } from "../tests/e2e/helpers";
import { testCertificates } from "../local/tls";

export interface ComponentSettings {
  readinessProbe?: { periodSeconds?: number; failureThreshold?: number };
  /** The mysql container's startup probe: readiness probes start only once it has succeeded. */
  startupProbe?: { periodSeconds?: number; failureThreshold?: number };
  /** Every wait interval in sidecar.sh's main loop (`pause N`, formerly `sleep N & wait`), in the order written. */
  sidecarSleeps: number[];
  /** How many of those waits the loop makes per round once the pod is Ready (`[[ $verdict == ready ]] && rounds=N`); 1 if it does not slow down. */
  sidecarReadyRounds?: number;
  /** slave_parallel_threads in the MariaDB server config. */
  replicaParallelThreads?: number;
  backupParallelism: number;
  /** Whether the pod scripts' SQL clients keep TLS off the pod-local socket (lib.sh's SOCKET_TLS_OFF). */
  socketClientTlsOff?: boolean;
  /** socat's block size on both ends of the backup stream (lib.sh's STREAM_BLOCK_BYTES; socat's default 8192 where unset). */
  streamBlockBytes?: number;
  /** Whether the receiver unpacks the stream with backupParallelism writers (`-x --parallel=`) rather than one. */
  parallelUnpack?: boolean;
  /** While the pod is not Ready: how often (s) the sidecar looks whether the server's socket appeared or the agent published a new state, either ending its wait at once; unset: only once per round. */
  sidecarDownPoll?: number;
  /** How long (s) a failing startup or readiness probe looks again before it fails (probe.sh); 0: it fails at once. */
  probeWaitSeconds?: number;
}

interface Probe {
  periodSeconds?: number;
  failureThreshold?: number;
}

interface K8sObject {
  kind: string;
  data?: Record<string, string>;
  spec?: { template?: { spec?: { containers?: { name: string; readinessProbe?: Probe; startupProbe?: Probe }[] } } };
}

export function componentSettings(): ComponentSettings {
  const args = resolveArgs("benchs", { ...E2E_ARGS, replicas: 2 });
  const objects = renderObjects(args, () => "x", testCertificates(args)) as K8sObject[];
  const sts = objects.find((o) => o.kind === "StatefulSet");
  const mysqld = sts?.spec?.template?.spec?.containers?.find((c) => c.name === "mysql");
  const probe = mysqld?.readinessProbe;
  const startup = mysqld?.startupProbe;
  const config = objects.find((o) => o.kind === "ConfigMap" && o.data?.["sidecar.sh"])?.data ?? {};
  const sidecar = config["sidecar.sh"] ?? "";
  const cnf = Object.entries(config)
    .filter(([k]) => k.endsWith(".cnf"))
    .map(([, v]) => v)
    .join("\n");
  // Since issue 18 the loop waits in ticks: `rounds=5 tick=0.1` while not Ready, `rounds=10 tick=0.5` once Ready.
  const ticks = /^\s*rounds=(\d+) tick=([\d.]+)$/m.exec(sidecar);
  const readyTick = /\]\] && rounds=\d+ tick=([\d.]+)/.exec(sidecar);
  const downPoll = ticks?.[2];
  const threads = /^\s*slave_parallel_threads\s*=\s*(\d+)/m.exec(cnf)?.[1];
  return {
    readinessProbe: probe
      ? { periodSeconds: probe.periodSeconds, failureThreshold: probe.failureThreshold }
      : undefined,
    startupProbe: startup
      ? { periodSeconds: startup.periodSeconds, failureThreshold: startup.failureThreshold }
      : undefined,
    sidecarSleeps:
      ticks && readyTick
        ? [Number((Number(ticks[1]) * Number(ticks[2])).toFixed(3))]
        : [...sidecar.matchAll(/(?:sleep ([\d.]+) & wait|\bpause ([\d.]+)$)/gm)].map((m) => Number(m[1] ?? m[2])),
    // Rounds of the not-Ready wait's length once Ready (10 × 0.5 s = 5 s in ticks; 10 waits of 0.5 s before).
    sidecarReadyRounds:
      ticks && readyTick
        ? Math.round(
            (Number(/\]\] && rounds=(\d+)/.exec(sidecar)?.[1]) * Number(readyTick[1])) /
              (Number(ticks[1]) * Number(ticks[2])),
          )
        : Number(/\]\] && rounds=(\d+)/.exec(sidecar)?.[1] ?? 1),
    replicaParallelThreads: threads === undefined ? undefined : Number(threads),
    backupParallelism: args.backupParallelism,
    socketClientTlsOff: /SOCKET_TLS_OFF/.test(config["lib.sh"] ?? ""),
    streamBlockBytes: Number(/^readonly STREAM_BLOCK_BYTES=(\d+)/m.exec(config["lib.sh"] ?? "")?.[1] ?? 8192),
    parallelUnpack: /-x --parallel=/.test(config["lib.sh"] ?? ""),
    sidecarDownPoll: downPoll === undefined ? undefined : Number(downPoll),
    probeWaitSeconds: Number(/^readonly PROBE_WAIT_TENTHS=(\d+)/m.exec(config["probe.sh"] ?? "")?.[1] ?? 0) / 10,
  };
}

/**
 * The settings of another commit (for a baseline run that predates recording
 * them): exports the commit with this file and asks its rendering. `repo` is a
 * git checkout holding the commit. Undefined if that fails (e.g. no such commit).
 */
export function settingsAt(repo: string, commit: string): ComponentSettings | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-settings-"));
  try {
    execFileSync("bash", ["-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "_", repo, commit, dir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    fs.mkdirSync(path.join(dir, "bench"), { recursive: true });
    fs.copyFileSync(__filename, path.join(dir, "bench", "settings.ts"));
    fs.writeFileSync(
      path.join(dir, "bench", "print-settings.ts"),
      `import { componentSettings } from "./settings";\nconsole.log(JSON.stringify(componentSettings()));\n`,
    );
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"));
    const out = execFileSync(path.join(repo, "node_modules", ".bin", "tsx"), ["bench/print-settings.ts"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(out.trim().split("\n").pop() ?? "") as ComponentSettings;
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
