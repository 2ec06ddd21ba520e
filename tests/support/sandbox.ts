// A temporary copy of the pod scripts whose contract.sh (rendered from
// contract.ts, as in the ConfigMap) points every pod path (Secret files, run,
// private and exporter volumes, TLS, ports) into a test directory, so a script
// or a lib.sh function runs here as in a pod, against stubs for the SQL client
// and the exporter.

import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONTRACT_FILE, renderShellContract } from "../../components/mysql-cluster/contract";
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
  const constants: Record<string, string> = {
    SECRETS_DIR: s.secrets,
    RUN_DIR: s.run,
    PRIVATE_DIR: s.private,
    EXPORTER_DIR: s.exporter,
    TLS_DIR: s.tls,
    SCRIPTS: s.scripts,
    ...overrides,
  };
  writeScripts(s.scripts, scriptFiles(), constants);
  return s;
}

/** The scripts as the ConfigMap ships them: every scripts/*.sh, and contract.sh rendered from contract.ts. */
export function scriptFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of fs.readdirSync(SCRIPTS_DIR)) files[file] = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
  files[CONTRACT_FILE] = renderShellContract();
  return files;
}

/**
 * `files` with constants replaced: each `readonly NAME=value` line of contract.sh (or, for what
 * lib.sh composes itself, of lib.sh) gets `value` from `constants`. Throws on a name neither declares.
 */
export function patchConstants(
  files: Record<string, string>,
  constants: Record<string, string>,
): Record<string, string> {
  const patched = { ...files };
  for (const [name, value] of Object.entries(constants)) {
    const line = new RegExp(`^readonly ${name}=\\S+`, "m");
    const file = [CONTRACT_FILE, "lib.sh"].find((f) => line.test(patched[f] ?? ""));
    if (!file) throw new Error(`neither contract.sh nor lib.sh declares ${name}`);
    patched[file] = patched[file].replace(line, () => `readonly ${name}=${value}`);
  }
  return patched;
}

/** Writes `files` into `dir` with `constants` patched (see patchConstants). */
export function writeScripts(dir: string, files: Record<string, string>, constants: Record<string, string> = {}): void {
  for (const [file, text] of Object.entries(patchConstants(files, constants)))
    fs.writeFileSync(path.join(dir, file), text);
}

/**
 * The values `names` have in a pod script once it has sourced lib.sh (and through it contract.sh),
 * read from bash itself; throws when one is unset.
 */
export function libValues(names: string[]): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lib-values-"));
  try {
    writeScripts(dir, scriptFiles());
    const print = names.map((n) => `printf '%s\\0' "$${n}"`).join("; ");
    const r = spawnSync("bash", ["--norc", "--noprofile", "-c", `set -euo pipefail; source "$LIB"; ${print}`], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LIB: path.join(dir, "lib.sh"), FLAVOR: "mariadb" },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`sourcing lib.sh and printing ${names.join(" ")} failed: ${r.stderr}`);
    const values = r.stdout.split("\0");
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
