// Small helpers for running host commands (ip, mount, chown...) from the runner.
// Everything the runner does to the host goes through here so failures carry
// the command line, and teardown code can ask for "don't throw" explicitly.
import { spawn } from "child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Host tools live in sbin too; the runner must not depend on the caller's PATH. */
export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // detached: a timed-out command is killed as a whole process group.
    const child = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: opts.env ?? { PATH: HOST_PATH },
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup(child.pid, "SIGKILL");
        }, opts.timeoutMs)
      : undefined;
    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      if (opts.allowFail) resolve({ code: 127, stdout, stderr: stderr + String(err) });
      else reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      // 124 on a timeout, as timeout(1) and kubectl exec report it.
      const rc = timedOut ? 124 : (code ?? 128 + signalNumber(signal));
      if (timedOut) stderr += `\n(timed out after ${opts.timeoutMs}ms)`;
      if (rc !== 0 && !opts.allowFail) {
        reject(new Error(`${cmd} ${args.join(" ")} exited ${rc}: ${stderr.trim()}`));
      } else {
        resolve({ code: rc, stdout, stderr });
      }
    });
    child.stdin.on("error", () => undefined); // the command may exit before reading stdin
    child.stdin.end(opts.input ?? "");
  });
}

/** Like run() but never throws: for teardown of things that may already be gone. */
export function tryRun(cmd: string, args: string[]): Promise<RunResult> {
  return run(cmd, args, { allowFail: true, timeoutMs: 30_000 });
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

export function killPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGTERM: 15,
};

export function signalNumber(signal: string | null | undefined): number {
  if (!signal) return 0;
  return SIGNALS[signal] ?? 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until cond() is true; the only way the runner waits for anything. */
export async function pollUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 100) / 10}s waiting for ${what}`);
    }
    await sleep(Math.min(intervalMs, Math.max(10, deadline - Date.now())));
  }
}

/** Single-quote a string for bash. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
