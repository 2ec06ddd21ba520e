// The kubelet's probe workers: run a probe (exec / tcpSocket / httpGet) on its
// schedule and turn results into state changes with the success/failure
// thresholds. The container decides what a state change means (restart,
// readiness); this file only counts.
import * as http from "http";
import * as net from "net";
import { K8sObject } from "./k8s";

export interface ProbeTarget {
  /** Run argv inside the container (like kubectl exec). */
  exec(argv: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }>;
  podIp(): string;
  /** Resolve a named container port. */
  port(p: number | string): number;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export async function probeOnce(probe: K8sObject, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const r = await target.exec(probe.exec.command, timeoutMs);
    return { ok: r.code === 0, detail: `exit ${r.code}: ${(r.stdout + r.stderr).trim().slice(-300)}` };
  }
  if (probe.tcpSocket) {
    const port = target.port(probe.tcpSocket.port);
    const host = probe.tcpSocket.host ?? target.podIp();
    return tcpCheck(host, port, timeoutMs);
  }
  if (probe.httpGet) {
    const port = target.port(probe.httpGet.port);
    return httpCheck(probe.httpGet.host ?? target.podIp(), port, probe.httpGet.path ?? "/", timeoutMs);
  }
  if (probe.grpc) return { ok: false, detail: "grpc probes are not supported by the local runner" };
  return { ok: false, detail: "probe has no handler" };
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (r: ProbeResult): void => {
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => done({ ok: false, detail: `tcp ${host}:${port} timed out` }));
    sock.on("connect", () => done({ ok: true, detail: "connected" }));
    sock.on("error", (e) => done({ ok: false, detail: `tcp ${host}:${port}: ${e.message}` }));
  });
}

function httpCheck(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ ok: code >= 200 && code < 400, detail: `http ${code}` });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ ok: false, detail: `http: ${e.message}` }));
  });
}

export type ProbeKind = "startup" | "liveness" | "readiness";

/**
 * One probe worker. Readiness starts false and flips with the thresholds;
 * liveness starts true and reports false after failureThreshold misses;
 * startup starts false, reports true once, or false after failureThreshold
 * misses. The owner stops the worker when it acts on a report.
 */
export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private state: boolean;
  lastDetail = "";

  constructor(
    private readonly probe: K8sObject,
    private readonly kind: ProbeKind,
    private readonly target: ProbeTarget,
    private readonly onChange: (ok: boolean, detail: string) => void,
  ) {
    this.state = kind === "liveness";
  }

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get ok(): boolean {
    return this.state;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    let r: ProbeResult;
    try {
      r = await probeOnce(this.probe, this.target);
    } catch (e) {
      r = { ok: false, detail: String(e) };
    }
    if (this.stopped) return;
    this.lastDetail = r.detail;
    if (r.ok) {
      this.successes++;
      this.failures = 0;
      // Only readiness may ask for more than one success (the API enforces 1 for the others).
      const need = this.kind === "readiness" ? (this.probe.successThreshold ?? 1) : 1;
      if (!this.state && this.successes >= need) {
        this.state = true;
        this.onChange(true, r.detail);
      }
    } else {
      this.failures++;
      this.successes = 0;
      if (this.failures >= (this.probe.failureThreshold ?? 3) && (this.state || this.kind === "startup")) {
        this.state = false;
        this.failures = 0;
        this.onChange(false, r.detail);
      }
    }
    const period = (this.probe.periodSeconds ?? 10) * 1000;
    this.schedule(Math.max(0, period - (Date.now() - started)));
  }
}
