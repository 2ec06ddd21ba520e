// The long-lived side of `npm run local`: a detached process that owns one
// LocalCluster (its pods are its children and its proxies live in it) and
// answers CLI commands on a unix socket. The CLI itself exits after each
// command; without this process the cluster would die with it.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { LocalCluster } from "./cluster";
import { K8sObject } from "./k8s";

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
  replicas: number;
  flavor?: string;
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
  render(replicas: number): {
    objects: K8sObject[];
    secretValues: Record<string, Record<string, string>>;
    passwords?: Record<string, string>;
  };
}

export function objectSource(o: Pick<SupervisorOptions, "objectsFile" | "flavor">): Source {
  if (o.objectsFile) {
    const file = o.objectsFile;
    return {
      render(replicas) {
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
      return renderForLocal({ replicas, flavor: o.flavor });
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
  // However we exit (the cluster's own SIGINT/SIGTERM handler included), the socket goes too.
  process.on("exit", () => fs.rmSync(sock, { force: true }));
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
          services: cluster.services(),
          passwords: rendered.passwords ?? {},
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
    say(READY_MARK);
  } catch (e) {
    say(`${FAILED_MARK} ${(e as Error).message}`);
    await exit(1);
  }
}
