// `npm run local -- <cmd>`: run the rendered cluster on this machine for
// poking at by hand. `up` checks that this host can stand in for every image
// (host-check.ts), then starts a detached supervisor (supervisor.ts) that owns
// the pods; every other command talks to it over its unix socket.
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import { MOUNTS } from "../components/mysql-cluster/contract";
import { LocalCluster, PodStatus } from "./cluster";
import { sleep } from "./sh";
import {
  clientDir,
  Connection,
  CONTROL_DIR,
  FAILED_MARK,
  objectSource,
  READY_MARK,
  Request,
  runSupervisor,
  socketPath,
  supervisorLog,
} from "./supervisor";

const USAGE = `usage: npm run local -- [--id ID] <command>
  up --stack NAME [--replicas N]                           start a stack's settings (Pulumi.NAME.yaml), as pulumi up would
  up [--replicas N] [--flavor mariadb] [--objects FILE]   start the cluster (detached supervisor)
  status                                                   pods, services, how to connect
  exec <pod> [-c container] -- <argv...>                   run a command in a container (stdin is passed if piped)
  logs <pod> [-c container]                                a container's log (all restarts)
  events                                                   what the kubelet/controller did
  scale N                                                  re-render with N replicas and apply
  restart <pod>                                            graceful delete, recreate, wait Ready
  kill <pod>                                               SIGKILL the pod, recreate, wait Ready
  down                                                     tear everything down
ID defaults to $MYSQL_LOCAL_ID or "local"; --help (or -h) anywhere prints this and starts nothing.`;

/** The options that take a value; any other --option is refused before anything starts. */
const VALUE_OPTIONS = new Set(["id", "stack", "replicas", "flavor", "objects"]);

interface Parsed {
  id: string;
  cmd: string;
  positional: string[];
  flags: Record<string, string>;
  rest: string[];
  help: boolean;
  /** What was wrong with the command line: an unknown option, an option without its value. */
  problems: string[];
}

function parse(argv: string[]): Parsed {
  const out: Parsed = {
    id: process.env.MYSQL_LOCAL_ID ?? "local",
    cmd: "",
    positional: [],
    flags: {},
    rest: [],
    help: false,
    problems: [],
  };
  /** The value after option `a`, or a problem when there is none. */
  const value = (a: string, i: number): string => {
    const v = argv[i];
    if (v === undefined || v === "--" || v.startsWith("-")) out.problems.push(`${a} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a === "--help" || a === "-h") out.help = true;
    else if (a === "--id") out.id = value(a, ++i);
    else if (a.startsWith("--")) {
      if (VALUE_OPTIONS.has(a.slice(2))) out.flags[a.slice(2)] = value(a, ++i);
      else out.problems.push(`unknown option ${a}`);
    } else if (a === "-c") out.flags.container = value(a, ++i);
    else if (a.startsWith("-")) out.problems.push(`unknown option ${a}`);
    else if (!out.cmd) out.cmd = a;
    else out.positional.push(a);
  }
  return out;
}

function request(id: string, req: Request): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath(id));
    let buf = "";
    conn.on("connect", () => conn.write(JSON.stringify(req) + "\n"));
    conn.on("data", (d) => (buf += d.toString()));
    conn.on("error", (e) =>
      reject(new Error(`cluster "${id}" is not up (${e.message}); start it with: npm run local -- up`)),
    );
    conn.on("end", () => {
      try {
        const res = JSON.parse(buf);
        if (res.ok) resolve(res.result);
        else reject(new Error(res.error));
      } catch {
        reject(new Error(`bad answer from supervisor: ${buf}`));
      }
    });
  });
}

async function isUp(id: string): Promise<boolean> {
  try {
    await request(id, { cmd: "status" });
    return true;
  } catch {
    return false;
  }
}

/** Print the supervisor's log as it grows; stop() returns once the rest is printed. */
function followLog(file: string, onLine: (line: string) => void): { stop: () => void } {
  let offset = 0;
  try {
    offset = fs.statSync(file).size;
  } catch {
    /* not yet there */
  }
  let partial = "";
  const pump = (): void => {
    let text = "";
    try {
      const fd = fs.openSync(file, "r");
      const size = fs.fstatSync(fd).size;
      if (size > offset) {
        const b = Buffer.alloc(size - offset);
        fs.readSync(fd, b, 0, b.length, offset);
        offset = size;
        text = b.toString();
      }
      fs.closeSync(fd);
    } catch {
      return;
    }
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) onLine(l);
  };
  const timer = setInterval(pump, 200);
  return {
    stop: () => {
      clearInterval(timer);
      pump();
    },
  };
}

interface Status {
  pods: PodStatus[];
  /** The Lease (failover): who holds it, and how many times it changed hands. */
  lease?: { holder: string; transitions: number };
  services: { name: string; host: string; port: number }[];
  connection?: Connection;
}

/** How to connect as the stack's application user; the password stays in the option file. */
function printConnection(c: Connection | undefined): void {
  if (!c) return;
  console.log(
    `\nconnect as the application user ${c.user} (from the cluster's client network namespace, to the write Service):`,
  );
  console.log(`  ${c.command}`);
  console.log(
    `the password is read from ${c.optionFile} (root only, mode 0600), never from the command line; ` +
      `to type it instead, drop --defaults-extra-file and add -u ${c.user} -p`,
  );
}

function printStatus(s: Status): void {
  console.log(
    "POD".padEnd(14) + "READY".padEnd(7) + "STATUS".padEnd(28) + "RESTARTS".padEnd(10) + "AGE".padEnd(7) + "IP",
  );
  for (const p of s.pods) {
    console.log(
      p.name.padEnd(14) +
        (p.ready ? "1/1" : "0/1").padEnd(7) +
        p.phase.slice(0, 27).padEnd(28) +
        String(p.restarts).padEnd(10) +
        `${p.ageSeconds}s`.padEnd(7) +
        p.ip,
    );
  }
  for (const svc of s.services) console.log(`service ${svc.name}: ${svc.host}:${svc.port}`);
  if (s.lease)
    console.log(
      `primary: ${s.lease.holder || "none (the Lease is free)"} (Lease holder; changed hands ${s.lease.transitions} times)`,
    );
  printConnection(s.connection);
}

/** What main() may be given instead of the real host, for tests. */
export interface CliDeps {
  /** Where the host check looks for stand-in binaries (default: the runner's PATH). */
  hostPath?: string;
}

async function up(p: Parsed, deps: CliDeps): Promise<number> {
  if (p.flags.stack !== undefined && (p.flags.flavor !== undefined || p.flags.objects !== undefined)) {
    console.error("--stack runs the stack's own settings: it does not combine with --flavor or --objects");
    return 2;
  }
  if (p.flags.replicas !== undefined && !/^\d+$/.test(p.flags.replicas)) {
    console.error(`--replicas: expected a whole number, got "${p.flags.replicas}"`);
    return 2;
  }
  if (await isUp(p.id)) {
    console.error(`cluster "${p.id}" is already up (npm run local -- status | down)`);
    return 1;
  }
  // Before starting anything: name the Debian packages a missing stand-in binary needs.
  let objects;
  try {
    objects = objectSource({ objectsFile: p.flags.objects, flavor: p.flags.flavor, stack: p.flags.stack }).render(
      p.flags.replicas === undefined ? undefined : Number(p.flags.replicas),
    ).objects;
  } catch (e) {
    console.error(`cannot render objects: ${(e as Error).message}`);
    return 1;
  }
  const problem = LocalCluster.hostProblem(objects, deps.hostPath);
  if (problem) {
    console.error(problem);
    return 1;
  }
  fs.mkdirSync(CONTROL_DIR, { recursive: true });
  const logFile = supervisorLog(p.id);
  fs.writeFileSync(logFile, "");
  const args = ["__supervise", "--id", p.id];
  for (const flag of ["replicas", "flavor", "objects", "stack"])
    if (p.flags[flag] !== undefined) args.push(`--${flag}`, p.flags[flag]);
  const fd = fs.openSync(logFile, "a");
  // Same node flags (tsx's loader) so the supervisor can load TypeScript too.
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...args], {
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  fs.closeSync(fd);
  let exited = false;
  child.on("exit", () => (exited = true));
  child.unref();
  let result: "ready" | "failed" | undefined;
  const follower = followLog(logFile, (line) => {
    if (line.includes(READY_MARK)) result = "ready";
    else if (line.includes(FAILED_MARK)) {
      result = "failed";
      console.error(line.replace(FAILED_MARK, "FAILED:"));
    } else console.log(line);
  });
  while (!result && !exited) await sleep(200);
  await sleep(300);
  follower.stop();
  if (result === "ready") {
    const status = (await request(p.id, { cmd: "status" })) as Status;
    printStatus({ ...status, connection: undefined });
    console.log(`\nsupervisor log: ${logFile}`);
    // No password is printed: root logs in over the pod's socket with the file the sidecar keeps.
    if (status.pods[0]) {
      console.log(
        `as root: npm run local -- exec ${status.pods[0].name} -c sidecar -- bash -c 'source ${MOUNTS.scripts}/lib.sh && sql_root -e "SELECT @@server_id"'`,
      );
    }
    printConnection(status.connection);
    return 0;
  }
  if (!result) console.error(`supervisor exited early; see ${logFile}`);
  return 1;
}

async function withProgress<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const follower = followLog(supervisorLog(id), (l) => console.log(l));
  try {
    return await fn();
  } finally {
    follower.stop();
  }
}

/** Runs one command; the exit code, or -1 when the process must keep running (the supervisor). */
export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const p = parse(argv);
  // Before anything starts: a misspelt option must not bring up a cluster with the defaults.
  if (p.help) {
    console.log(USAGE);
    return 0;
  }
  if (p.problems.length > 0) {
    for (const problem of p.problems) console.error(problem);
    console.error(USAGE);
    return 2;
  }
  if (p.cmd === "__supervise") {
    await runSupervisor({
      id: p.id,
      replicas: p.flags.replicas === undefined ? undefined : Number(p.flags.replicas),
      flavor: p.flags.flavor,
      objectsFile: p.flags.objects,
      stack: p.flags.stack,
    });
    return -1; // keep running: the server owns the process now
  }
  switch (p.cmd) {
    case "up":
      return up(p, deps);
    case "status":
      printStatus((await request(p.id, { cmd: "status" })) as Status);
      return 0;
    case "exec": {
      if (!p.positional[0] || p.rest.length === 0) throw new Error("usage: exec <pod> [-c container] -- <argv...>");
      const stdin = process.stdin.isTTY ? undefined : fs.readFileSync(0, "utf8");
      const r = (await request(p.id, {
        cmd: "exec",
        pod: p.positional[0],
        container: p.flags.container,
        argv: p.rest,
        stdin,
      })) as {
        code: number;
        stdout: string;
        stderr: string;
      };
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code;
    }
    case "logs":
      process.stdout.write(
        (await request(p.id, { cmd: "logs", pod: p.positional[0], container: p.flags.container })) as string,
      );
      return 0;
    case "events":
      for (const e of (await request(p.id, { cmd: "events" })) as string[]) console.log(e);
      return 0;
    case "scale":
    case "restart":
    case "kill": {
      const req: Request =
        p.cmd === "scale" ? { cmd: "scale", replicas: Number(p.positional[0]) } : { cmd: p.cmd, pod: p.positional[0] };
      if (p.cmd === "scale" && !((req.replicas ?? -1) >= 0)) throw new Error("usage: scale N");
      await withProgress(p.id, () => request(p.id, req));
      printStatus((await request(p.id, { cmd: "status" })) as Status);
      return 0;
    }
    case "down":
      if (await isUp(p.id)) await withProgress(p.id, () => request(p.id, { cmd: "down" }));
      else await LocalCluster.cleanup(p.id, undefined, (l) => console.log(l)); // a crashed supervisor's leftovers
      fs.rmSync(socketPath(p.id), { force: true });
      fs.rmSync(supervisorLog(p.id), { force: true });
      fs.rmSync(clientDir(p.id), { recursive: true, force: true });
      try {
        fs.rmdirSync(CONTROL_DIR);
      } catch {
        /* other clusters still there */
      }
      return 0;
    default:
      console.error(USAGE);
      return p.cmd ? 2 : 0;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
