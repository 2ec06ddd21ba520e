// A temporary copy of the pod scripts whose lib.sh points every pod path
// (Secret files, run, private and exporter volumes, TLS, ports) into a test
// directory, so a script or a lib.sh function runs here as in a pod, against
// stubs for the SQL client and the exporter.

import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SCRIPTS_DIR } from "./paths";

export interface Sandbox {
  dir: string;
  scripts: string;
  secrets: string;
  run: string;
  private: string;
  exporter: string;
  tls: string;
  remove(): void;
}

export function makeSandbox(overrides: Record<string, string> = {}): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pod-scripts-"));
  const s = {
    dir,
    scripts: path.join(dir, "scripts"),
    secrets: path.join(dir, "secrets"),
    run: path.join(dir, "run"),
    private: path.join(dir, "private"),
    exporter: path.join(dir, "exporter"),
    tls: path.join(dir, "tls"),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
  for (const d of [s.scripts, s.secrets, s.run, s.private, s.exporter, s.tls]) fs.mkdirSync(d);
  for (const file of fs.readdirSync(SCRIPTS_DIR))
    fs.copyFileSync(path.join(SCRIPTS_DIR, file), path.join(s.scripts, file));
  const constants: Record<string, string> = {
    SECRETS_DIR: s.secrets,
    RUN_DIR: s.run,
    PRIVATE_DIR: s.private,
    EXPORTER_DIR: s.exporter,
    TLS_DIR: s.tls,
    SCRIPTS: s.scripts,
    ...overrides,
  };
  let lib = fs.readFileSync(path.join(s.scripts, "lib.sh"), "utf8");
  for (const [name, value] of Object.entries(constants)) {
    const patched = lib.replace(new RegExp(`^readonly ${name}=\\S+`, "m"), `readonly ${name}=${value}`);
    if (patched === lib) throw new Error(`lib.sh has no constant ${name}`);
    lib = patched;
  }
  fs.writeFileSync(path.join(s.scripts, "lib.sh"), lib);
  return s;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs bash with `script` (which may source lib.sh from the sandbox), input on stdin; kills it after timeoutMs. */
export function runBash(
  sandbox: Sandbox,
  script: string,
  env: Record<string, string> = {},
  input = "",
  timeoutMs = 20_000,
): Promise<Result> {
  const { child, done } = spawnBash(sandbox, script, env, timeoutMs);
  child.stdin.end(input);
  return done;
}

/**
 * Runs bash with `script` with stdin left open for the caller to write to (a slow or silent client);
 * `done` resolves when bash exits or is killed after timeoutMs.
 */
export function spawnBash(sandbox: Sandbox, script: string, env: Record<string, string> = {}, timeoutMs = 20_000) {
  const started = Date.now();
  const child = spawn("bash", ["--norc", "--noprofile", "-c", script], {
    cwd: sandbox.dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      POD_NAME: "db-1",
      FLAVOR: "mariadb",
      SECRET_NAME: "db-credentials",
      LIB: path.join(sandbox.scripts, "lib.sh"),
      ...env,
    },
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("latin1")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.on("error", () => {
    /* the script stopped reading: expected */
  });
  const kill = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  const timer = setTimeout(kill, timeoutMs);
  const done = new Promise<Result>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
  return { child, done, kill };
}
