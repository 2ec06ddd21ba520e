// The long-lived side of `npm run local`: a detached process that owns one
// LocalCluster (its pods are its children and its proxies live in it) and
// answers CLI commands on a unix socket. The CLI itself exits after each
// command; without this process the cluster would die with it.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { TLS_KEYS } from "../components/mysql-cluster/contract";
import { LocalCluster } from "./cluster";
import { K8sObject } from "./k8s";
import type { ClientAccess } from "./render-source";

export const CONTROL_DIR = "/tmp/mysql-local";
export const READY_MARK = "@@READY";
export const FAILED_MARK = "@@FAILED";

export function socketPath(id: string): string {
  return path.join(CONTROL_DIR, `${id}.sock`);
}

export function supervisorLog(id: string): string {
  return path.join(CONTROL_DIR, `${id}.supervisor.log`);
}

export interface SupervisorOptions {
  id: string;
  /** Default: the stack's, or 3. */
  replicas?: number;
  flavor?: string;
  /** Run this stack's settings (Pulumi.<stack>.yaml). */
  stack?: string;
  /** A JSON/YAML file of objects instead of the component's render (e.g. `npm run render` output). */
  objectsFile?: string;
}

export interface Request {
  cmd: "status" | "exec" | "logs" | "events" | "scale" | "restart" | "kill" | "down";
  pod?: string;
  container?: string;
  argv?: string[];
  stdin?: string;
  replicas?: number;
}

interface Source {
  render(replicas?: number): {
    objects: K8sObject[];
    secretValues: Record<string, Record<string, string>>;
    passwords?: Record<string, string>;
    app?: ClientAccess;
  };
}

/** Where the application user's client files go: root's only (0700), removed by `down`. */
export function clientDir(id: string): string {
  return path.join(CONTROL_DIR, `${id}.client`);
}

/** How to connect as the application user, as `up` and `status` print it. */
export interface Connection {
  user: string;
  /** The client option file holding the password (mode 0600). */
  optionFile: string;
  /** The full command; no password in it. */
  command: string;
}

/**
 * Writes the application user's client option file (user, password, CA,
 * server-certificate check) and returns the command that connects with it
 * from the cluster's client network namespace to the write Service, so the
 * password never appears on a command line (README: Local pod runner).
 */
export function writeClientAccess(id: string, app: ClientAccess, netns: string): Connection {
  const dir = clientDir(id);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const ca = path.join(dir, TLS_KEYS.ca);
  fs.writeFileSync(ca, app.ca, { mode: 0o644 });
  const optionFile = path.join(dir, `${app.user}.cnf`);
  // The password is generatePassword()'s [A-Za-z0-9_] (render-source.ts): no quoting needed in an option file.
  fs.writeFileSync(
    optionFile,
    `[client]\nuser=${app.user}\npassword=${app.password}\nssl-ca=${ca}\nssl-verify-server-cert\n`,
    { mode: 0o600 },
  );
  fs.chmodSync(optionFile, 0o600);
  const command =
    `ip netns exec ${netns} mariadb --defaults-extra-file=${optionFile} -h ${app.host} -P ${app.port}` +
    (app.database ? ` ${app.database}` : "");
  return { user: app.user, optionFile, command };
}

export function objectSource(o: Pick<SupervisorOptions, "objectsFile" | "flavor" | "stack">): Source {
  if (o.objectsFile) {
    const file = o.objectsFile;
    return {
      render(replicas = 3) {
        // Lazy require: only this mode needs the yaml parser.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const YAML = require("yaml") as typeof import("yaml");
        const text = fs.readFileSync(file, "utf8");
        const docs: K8sObject[] = YAML.parseAllDocuments(text).flatMap((d) => {
          const v = d.toJSON();
          return Array.isArray(v) ? v : v?.kind === "List" ? v.items : [v];
        });
        const objects = docs
          .filter(Boolean)
          .map((obj) => (obj.kind === "StatefulSet" ? { ...obj, spec: { ...obj.spec, replicas } } : obj));
        return { objects, secretValues: {} };
      },
    };
  }
  return {
    render(replicas) {
      // Required lazily so `--objects` works even while the component does not build.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { renderForLocal } = require("./render-source") as typeof import("./render-source");
      return renderForLocal({ replicas, flavor: o.flavor, stack: o.stack });
    },
  };
}

export async function runSupervisor(o: SupervisorOptions): Promise<void> {
  const say = (line: string): void => {
    process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  };
  const source = objectSource(o);
  let rendered: ReturnType<Source["render"]>;
  try {
    rendered = source.render(o.replicas);
  } catch (e) {
    say(`${FAILED_MARK} cannot render objects: ${(e as Error).message}`);
    process.exit(1);
  }
  const cluster = new LocalCluster({
    objects: rendered.objects,
    secretValues: rendered.secretValues,
    clusterId: o.id,
    log: say,
    handleSignals: true,
  });
  const sock = socketPath(o.id);
  fs.rmSync(sock, { force: true });
  // However we exit (the cluster's own SIGINT/SIGTERM handler included), the socket and client files go too.
  process.on("exit", () => {
    fs.rmSync(sock, { force: true });
    fs.rmSync(clientDir(o.id), { recursive: true, force: true });
  });
  let connection: Connection | undefined;
  const exit = async (code: number): Promise<never> => {
    await cluster.down();
    server.close();
    fs.rmSync(sock, { force: true });
    process.exit(code);
  };
  const server = net.createServer((conn) => {
    let buf = "";
    conn.on("data", (d) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      const req = JSON.parse(buf.slice(0, nl)) as Request;
      handle(req).then(
        (result) => conn.end(JSON.stringify({ ok: true, result }) + "\n"),
        (e: Error) => conn.end(JSON.stringify({ ok: false, error: e.message }) + "\n"),
      );
    });
    conn.on("error", () => undefined);
  });
  const ord = (pod?: string): number => cluster.ordinalOf(pod ?? "");
  const handle = async (req: Request): Promise<unknown> => {
    switch (req.cmd) {
      case "status":
        return {
          clusterId: o.id,
          workDir: cluster.workDir,
          pods: cluster.status(),
          lease: cluster.lease(),
          services: cluster.services(),
          connection,
        };
      case "exec": {
        const n = ord(req.pod);
        return cluster.exec(n, req.container ?? cluster.defaultContainer(n), req.argv ?? [], { stdin: req.stdin });
      }
      case "logs": {
        const n = ord(req.pod);
        return cluster.logs(n, req.container ?? cluster.defaultContainer(n));
      }
      case "events":
        return cluster.events();
      case "scale":
        rendered = source.render(req.replicas ?? 1);
        // Scaling must not rotate the application's password: the option file stays valid.
        await cluster.apply(rendered.objects);
        return cluster.status();
      case "restart":
        await cluster.restartPod(ord(req.pod));
        await cluster.waitReady(ord(req.pod));
        return cluster.status();
      case "kill":
        await cluster.killPod(ord(req.pod));
        await cluster.waitReady(ord(req.pod));
        return cluster.status();
      case "down":
        await cluster.down(); // before answering, so the CLI returns only when everything is gone
        setImmediate(() => void exit(0));
        return "down";
    }
    throw new Error(`unknown command ${String(req.cmd)}`);
  };
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  say(`supervisor pid ${process.pid} listening on ${sock}`);
  try {
    await cluster.up();
    if (rendered.app) connection = writeClientAccess(o.id, rendered.app, await cluster.clientNamespace());
    say(READY_MARK);
  } catch (e) {
    say(`${FAILED_MARK} ${(e as Error).message}`);
    await exit(1);
  }
}
