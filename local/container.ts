// Starting one container process and entering it, the container runtime's
// job. A container is: the pod's network namespace (ip netns exec), its own
// mount, UTS and PID namespaces (unshare), bind mounts for its volumes and for
// the image's private paths, the image's restricted PATH and the right user.
// Its main process is PID 1 of its PID namespace, so signal semantics match a
// real container (PID 1 ignores signals it has no handler for) and everything
// in it dies when PID 1 does.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CONTAINER_PATH, ImageLayout } from "./images";
import { HOST_PATH, isAlive, killGroup, killPid, run, RunResult, shq, signalNumber, sleep } from "./sh";
import { MountEntry } from "./volumes";

/**
 * Bind mount sources all live under workDir, and a container may mount over
 * /tmp (where workDir usually is). So the setup script first binds workDir
 * onto this stage, takes every source from there, then unmounts it. The
 * directory exists on the host only as an empty mount point, one per cluster
 * so one cluster's teardown cannot pull it from under another's.
 */
export function stageDir(clusterId: string): string {
  return `/run/mysql-local-stage-${clusterId}`;
}

export interface LaunchSpec {
  workDir: string;
  /** Empty host dir used as the mount stage (stageDir()). */
  stage: string;
  netns: string;
  podName: string;
  /** Per-container scratch dir: setup script and the private "writable layer" dirs. */
  containerDir: string;
  image: ImageLayout;
  argv: string[];
  env: Record<string, string>;
  runAsMysql: boolean;
  workingDir: string;
  mounts: MountEntry[];
  logFile: string;
  mysqlUid: number;
  mysqlGid: number;
}

export interface ExitStatus {
  code: number;
  signal: string | null;
}

/** The user switch + clean environment that both the container and exec() use. */
function userAndEnvPrefix(runAsMysql: boolean, env: Record<string, string>): string[] {
  const user = runAsMysql ? ["/usr/bin/setpriv", "--reuid", "mysql", "--regid", "mysql", "--init-groups", "--"] : [];
  return [...user, "/usr/bin/env", "-i", "--", ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
}

/** Find a command the way execvp would in the container, or undefined. */
export function resolveCommand(argv0: string, binDir: string): string | undefined {
  if (argv0.includes("/")) return fs.existsSync(argv0) ? argv0 : undefined;
  const p = path.join(binDir, argv0);
  return fs.existsSync(p) ? p : undefined;
}

/** Private dirs the image would have in its writable layer, fresh for every container start. */
function prepareLayer(spec: LaunchSpec): MountEntry[] {
  const layer = path.join(spec.containerDir, "layer");
  fs.rmSync(layer, { recursive: true, force: true });
  const out: MountEntry[] = [{ source: spec.image.binDir, target: CONTAINER_PATH, readOnly: true, isFile: false }];
  for (const [target, src] of Object.entries(spec.image.sharedDirs)) {
    const dir = path.join(layer, target.replace(/\//g, "_"));
    fs.cpSync(src, dir, { recursive: true });
    out.push({ source: dir, target, readOnly: false, isFile: false });
  }
  for (const p of spec.image.privateDirs) {
    const dir = path.join(layer, p.path.replace(/\//g, "_"));
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, p.mode);
    if (p.mysqlOwned) fs.chownSync(dir, spec.mysqlUid, spec.mysqlGid);
    out.push({ source: dir, target: p.path, readOnly: false, isFile: false });
  }
  return out;
}

function setupScript(spec: LaunchSpec, mounts: MountEntry[]): string {
  const stage = shq(spec.stage);
  // --rbind: each claim is its own filesystem mounted below workDir, and must come along.
  const lines = ["set -e", `/usr/bin/mount --rbind ${shq(spec.workDir)} ${stage}`];
  // Parents before children so a mount inside another mount is not hidden by it.
  const ordered = mounts
    .map((m, i) => ({ m, i }))
    .sort((a, b) => a.m.target.split("/").length - b.m.target.split("/").length || a.i - b.i)
    .map((x) => x.m);
  for (const m of ordered) {
    const rel = path.relative(spec.workDir, m.source);
    if (rel.startsWith("..")) throw new Error(`mount source ${m.source} is outside ${spec.workDir}`);
    const t = shq(m.target);
    lines.push(
      m.isFile
        ? `[ -e ${t} ] || { /usr/bin/mkdir -p "$(/usr/bin/dirname ${t})"; : > ${t}; }`
        : `[ -d ${t} ] || /usr/bin/mkdir -p ${t}`,
      `/usr/bin/mount --bind ${shq(path.join(spec.stage, rel))} ${t}`,
    );
    if (m.readOnly) lines.push(`/usr/bin/mount -o remount,bind,ro ${t}`);
  }
  lines.push(`/usr/bin/umount -R ${stage}`, `/usr/bin/hostname ${shq(spec.podName)}`);
  lines.push(`cd ${shq(spec.workingDir)}`);
  // Tell the runner the sandbox is complete (fd 3 is a pipe to it), and keep fd 3 out of the container.
  lines.push("echo started >&3", "exec 3>&-");
  lines.push(`exec ${userAndEnvPrefix(spec.runAsMysql, spec.env).concat(spec.argv).map(shq).join(" ")}`);
  return lines.join("\n") + "\n";
}

export class ContainerProcess {
  readonly proc: ChildProcess;
  /** Host pid of the container's PID 1 (found after unshare forks it). */
  pid1?: number;
  readonly exited: Promise<ExitStatus>;
  private done = false;

  private constructor(proc: ChildProcess) {
    this.proc = proc;
    this.exited = new Promise((resolve) => {
      proc.on("exit", (code, signal) => {
        this.done = true;
        resolve({ code: code ?? 128 + signalNumber(signal), signal });
      });
      proc.on("error", () => {
        this.done = true;
        resolve({ code: 128, signal: null });
      });
    });
  }

  static async launch(spec: LaunchSpec): Promise<ContainerProcess> {
    fs.mkdirSync(spec.containerDir, { recursive: true });
    fs.mkdirSync(spec.stage, { recursive: true });
    const mounts = [...prepareLayer(spec), ...spec.mounts];
    const script = path.join(spec.containerDir, "start.sh");
    fs.writeFileSync(script, setupScript(spec, mounts), { mode: 0o700 });
    const fd = fs.openSync(spec.logFile, "a");
    let proc: ChildProcess;
    try {
      proc = spawn(
        "/usr/sbin/ip",
        [
          "netns",
          "exec",
          spec.netns,
          "/usr/bin/unshare",
          "--mount",
          "--uts",
          "--pid",
          "--fork",
          "--mount-proc",
          "--propagation",
          "private",
          "--kill-child",
          "/bin/bash",
          script,
        ],
        { detached: true, stdio: ["ignore", fd, fd, "pipe"], env: { PATH: HOST_PATH } },
      );
    } finally {
      fs.closeSync(fd);
    }
    const c = new ContainerProcess(proc);
    await c.waitStarted();
    await c.findPid1();
    return c;
  }

  /** Resolves once the setup script is about to exec the container command (or the process died). */
  private waitStarted(): Promise<void> {
    const pipe = this.proc.stdio[3] as NodeJS.ReadableStream | null;
    if (!pipe) return Promise.resolve();
    return new Promise((resolve) => {
      let buf = "";
      const done = (): void => {
        pipe.removeAllListeners("data");
        resolve();
      };
      pipe.on("data", (d: Buffer) => {
        buf += d.toString();
        if (buf.includes("started")) done();
      });
      pipe.on("error", done);
      void this.exited.then(done);
    });
  }

  private async findPid1(): Promise<void> {
    const pid = this.proc.pid;
    if (!pid) return;
    for (let i = 0; i < 250 && !this.done; i++) {
      try {
        const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
        if (kids) {
          this.pid1 = Number(kids.split(/\s+/)[0]);
          return;
        }
      } catch {
        return; // already exited
      }
      await sleep(20);
    }
  }

  get running(): boolean {
    return !this.done;
  }

  /** Signal the container's PID 1 only, as `docker stop`/the kubelet do. */
  signal(sig: NodeJS.Signals): void {
    if (this.pid1) killPid(this.pid1, sig);
    else if (sig === "SIGKILL") killGroup(this.proc.pid, sig);
  }

  /**
   * `sig` to every process of the container (its PID namespace), not only PID 1: SIGSTOP
   * then freezes it all, as the cgroup freezer of a paused container (or a stalled node) would.
   */
  signalAll(sig: NodeJS.Signals): void {
    if (!this.pid1) return this.signal(sig);
    this.signalMatching(sig, () => true);
  }

  /**
   * `sig` to the container's processes whose command line (arguments joined by spaces)
   * `matches`: one stage of a pipeline stalled, the rest of the container running. Returns
   * how many were signalled.
   */
  signalMatching(sig: NodeJS.Signals, matches: (commandLine: string) => boolean): number {
    if (!this.pid1) return 0;
    let ns: string;
    try {
      ns = fs.readlinkSync(`/proc/${this.pid1}/ns/pid`);
    } catch {
      return 0; // gone
    }
    let signalled = 0;
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (fs.readlinkSync(`/proc/${entry}/ns/pid`) !== ns) continue;
        const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
        if (!matches(commandLine)) continue;
        killPid(Number(entry), sig);
        signalled++;
      } catch {
        /* exited meanwhile */
      }
    }
    return signalled;
  }

  /** PID 1 dying takes the whole PID namespace with it; the group kill covers the unshare wrapper. */
  kill(): void {
    if (this.pid1) killPid(this.pid1, "SIGKILL");
    killGroup(this.proc.pid, "SIGKILL");
  }

  /** SIGTERM, wait up to graceMs, SIGKILL; resolves when the process is gone. */
  async stop(graceMs: number, firstSignal: NodeJS.Signals = "SIGTERM"): Promise<ExitStatus> {
    if (this.done) return this.exited;
    this.signal(firstSignal);
    const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs));
    if ((await Promise.race([this.exited, timer])) === "timeout") this.kill();
    return this.exited;
  }
}

export interface ExecOptions {
  stdin?: string;
  timeoutMs?: number;
}

/** kubectl exec: enter all namespaces of the running container, same user, env and PATH. */
export function execInContainer(
  pid1: number,
  runAsMysql: boolean,
  env: Record<string, string>,
  binDir: string,
  argv: string[],
  opts: ExecOptions = {},
): Promise<RunResult> {
  if (!isAlive(pid1)) return Promise.resolve({ code: 126, stdout: "", stderr: "container is not running\n" });
  if (argv.length === 0 || !resolveCommand(argv[0], binDir)) {
    return Promise.resolve({
      code: 127,
      stdout: "",
      stderr: `exec: "${argv[0] ?? ""}": executable file not found in $PATH\n`,
    });
  }
  return run(
    "/usr/bin/nsenter",
    ["-t", String(pid1), "-m", "-u", "-n", "-p", "--wd", "--", ...userAndEnvPrefix(runAsMysql, env), ...argv],
    { input: opts.stdin, timeoutMs: opts.timeoutMs, allowFail: true },
  );
}
