// The contract between the builders and the pod scripts (contract.ts): the
// ConfigMap carries it as contract.sh, which parses in bash and defines every
// name with its value; lib.sh sources it first; no script writes a contract
// value (a path, a port, a Secret key, a shared file name, an exit status)
// literally instead of its name, nor does any TypeScript but contract.ts (the
// builders, the runner, the benchmarks and the shell they hand to pods, the tools);
// and lib.sh checks FLAVOR once, so every `case $FLAVOR` names both flavors and
// no default arm stands for one.

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { buildConfigMap } from "../../../components/mysql-cluster/builders/config-map";
import { configMapData } from "../../../components/mysql-cluster/config-files";
import {
  CONTRACT_FILE,
  renderShellContract,
  SHELL_CONTRACT,
  ShellConstant,
} from "../../../components/mysql-cluster/contract";
import { FLAVORS } from "../../../components/mysql-cluster/flavors";
import { clusterNames } from "../../../components/mysql-cluster/names";
import { ROOT, SCRIPTS_DIR } from "../../support/paths";
import { scriptFiles, writeScripts } from "../../support/sandbox";

/** Code lines of a script: comment lines and trailing "# ..." comments dropped. */
function codeLines(text: string): { line: number; code: string }[] {
  return text
    .split("\n")
    .map((raw, i) => ({ line: i + 1, code: /^\s*#/.test(raw) ? "" : raw.replace(/(^|\s)#\s.*$/, "") }))
    .filter((l) => l.code.trim() !== "");
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** How a contract value shows when a script writes it literally. */
function literalPattern({ name, value }: ShellConstant): RegExp {
  const text = String(value);
  // An exit status: what exit or return gives, or what a status ($?, status, rc, ...) is compared with;
  // not any number compared (a JSON parser's depth == 3 is no exit status).
  if (name.startsWith("EXIT_"))
    return new RegExp(
      `(?:\\bexit|\\breturn|(?:\\$\\?|\\b\\w*(?:status|rc|code|ret)\\w*)\\}?"?\\s*(?:==|-eq))\\s*"?${text}\\b`,
      "i",
    );
  if (typeof value === "number") return new RegExp(`(?<![\\w.])${text}(?![\\w.])`);
  if (text.startsWith("/")) return new RegExp(`(?<![\\w$}.-])${escape(text)}(?![\\w.-])`);
  // A plain word (the data directory's name) only as a path segment; a name with a dot or dash anywhere.
  if (/^\w+$/.test(text)) return new RegExp(`/${escape(text)}(?![\\w.-])`);
  return new RegExp(`(?<![\\w.-])${escape(text)}(?![\\w.-])`);
}

/** Every contract value a script writes literally, as "file:line: NAME (value)". */
function literalsIn(file: string, text: string): string[] {
  const found: string[] = [];
  for (const { line, code } of codeLines(text)) {
    for (const constant of SHELL_CONTRACT) {
      if (literalPattern(constant).test(code)) found.push(`${file}:${line}: ${constant.name} (${constant.value})`);
    }
  }
  return found;
}

/**
 * The TypeScript that must take contract values from contract.ts, not restate them: the stack
 * program, the component, the local pod runner, the benchmarks and the repository's tools (the
 * shell they hand to pods included). Tests may spell values out; examples/app-stack is another
 * program, which knows the cluster only by its stack outputs.
 */
const TS_SOURCES = ["index.ts", "components", "local", "bench", "tools"];
const CONTRACT_TS = "components/mysql-cluster/contract.ts";

/**
 * Values these may write although they equal a contract value, because they are another fact:
 * a host's or an image's, not what the builders and the scripts agree on.
 */
const TS_NOT_THE_CONTRACT: { file: string; name: string; why: string }[] = [
  ...["TLS_CA_NAME", "SA_CA_NAME"].map((name) => ({
    file: "components/mysql-cluster/builders/failover.ts",
    name,
    why: "ROOT_CA_CONFIGMAP's key: Kubernetes names the key of kube-root-ca.crt, the projection names the file",
  })),
  ...["MYSQL_PORT", "TLS_CA_NAME", "SA_CA_NAME"].map((name) => ({
    file: "components/mysql-cluster/dialect.ts",
    name,
    why: "example statements the end-to-end dialect test has the server parse: any port, any file name",
  })),
  ...["RUN_DIR", "DATA_ROOT"].map((name) => ({
    file: "local/images.ts",
    name,
    why:
      "the directories the server images create (and this host's Debian server package uses), made private " +
      "in every stand-in container so that no container sees the host's; a pod's mounts cover them where it has them",
  })),
];

/** Contract values that mean something else on the host, outside components/: its /tmp is not a pod's scratch mount. */
const HOST_MEANING = new Set(["TMP_DIR"]);

/** Code lines of a TypeScript file: comment lines and trailing "// ..." comments dropped. */
function tsCodeLines(text: string): { line: number; code: string }[] {
  return text
    .split("\n")
    .map((raw, i) => ({
      line: i + 1,
      code: /^\s*(\/\/|\/\*|\*)/.test(raw) ? "" : raw.replace(/\s\/\/\s.*$/, ""),
    }))
    .filter((l) => l.code.trim() !== "");
}

/** How a contract value shows when TypeScript writes it literally: an exit status is what a status is compared with. */
function tsLiteralPattern(constant: ShellConstant): RegExp {
  if (!constant.name.startsWith("EXIT_")) return literalPattern(constant);
  return new RegExp(`(?:\\bexit\\s*\\(|\\b\\w*(?:status|code|rc)\\w*\\s*[!=]==?)\\s*${constant.value}\\b`, "i");
}

/** Every contract value a TypeScript file writes literally, as "file:line: NAME (value)". */
function tsLiteralsIn(file: string, text: string): string[] {
  const found: string[] = [];
  for (const { line, code } of tsCodeLines(text)) {
    for (const constant of SHELL_CONTRACT) {
      if (HOST_MEANING.has(constant.name) && !file.startsWith("components/")) continue;
      if (TS_NOT_THE_CONTRACT.some((x) => x.file === file && x.name === constant.name)) continue;
      if (tsLiteralPattern(constant).test(code)) found.push(`${file}:${line}: ${constant.name} (${constant.value})`);
    }
  }
  return found;
}

/** The .ts files of TS_SOURCES but contract.ts, relative to the repository root. */
function tsFiles(): string[] {
  const walk = (rel: string): string[] =>
    fs.statSync(path.join(ROOT, rel)).isDirectory()
      ? fs.readdirSync(path.join(ROOT, rel)).flatMap((name) => (name === "node_modules" ? [] : walk(`${rel}/${name}`)))
      : rel.endsWith(".ts")
        ? [rel]
        : [];
  return TS_SOURCES.flatMap(walk).filter((file) => file !== CONTRACT_TS);
}

/** The arms of each `case $FLAVOR in` of a script: their labels and whether the arm dies. */
function flavorCases(text: string): { line: number; arms: { label: string; dies: boolean }[] }[] {
  const cases: { line: number; arms: { label: string; dies: boolean }[] }[] = [];
  const lines = codeLines(text);
  for (let i = 0; i < lines.length; i++) {
    if (!/\bcase\s+"?\$\{?FLAVOR(?::-)?\}?"?\s+in\b/.test(lines[i].code)) continue;
    const found = { line: lines[i].line, arms: [] as { label: string; dies: boolean }[] };
    let depth = 1;
    for (let j = i + 1; j < lines.length && depth > 0; j++) {
      const code = lines[j].code;
      if (/\bcase\b.*\bin\s*$/.test(code)) depth++;
      if (/(^|[\s;])esac\b/.test(code)) depth--;
      const arm = depth === 1 ? /^\s*([a-z*|]+)\)(.*)$/.exec(code) : null;
      if (arm) found.arms.push({ label: arm[1], dies: /\bdie\b/.test(arm[2]) });
    }
    cases.push(found);
  }
  return cases;
}

function bash(script: string, env: Record<string, string> = {}) {
  return spawnSync("bash", ["--norc", "--noprofile", "-c", script], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });
}

describe("the TypeScript <-> shell contract (contract.ts, contract.sh)", function () {
  let work: string;
  before(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "contract-"));
  });
  after(function () {
    fs.rmSync(work, { recursive: true, force: true });
  });

  const scripts = fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh"));

  it("ships contract.sh in the scripts ConfigMap for both flavors, rendered from contract.ts", function () {
    for (const flavor of FLAVORS) {
      const args = resolveArgs("db", { flavor });
      const data = buildConfigMap(args, clusterNames(args)).data;
      assert.strictEqual(data[CONTRACT_FILE], renderShellContract());
    }
    assert.ok(!fs.existsSync(path.join(SCRIPTS_DIR, CONTRACT_FILE)), "a second, hand-written contract.sh");
  });

  it("renders a contract.sh that parses in bash and, sourced, defines every name read-only with its value", function () {
    const file = path.join(work, CONTRACT_FILE);
    fs.writeFileSync(file, configMapData(resolveArgs("db", {}))[CONTRACT_FILE]);
    const syntax = bash(`bash -n "$FILE"`, { FILE: file });
    assert.strictEqual(syntax.status, 0, syntax.stderr);
    const names = SHELL_CONTRACT.map((c) => c.name);
    const r = bash(`set -euo pipefail; source "$FILE"; for n in ${names.join(" ")}; do declare -p "$n"; done`, {
      FILE: file,
    });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(
      r.stdout.trim().split("\n"),
      SHELL_CONTRACT.map((c) => `declare -r ${c.name}="${c.value}"`),
    );
    assert.strictEqual(new Set(names).size, names.length, "a name is declared twice");
  });

  it("has lib.sh source contract.sh before any other line runs, and every script source lib.sh", function () {
    const lib = codeLines(fs.readFileSync(path.join(SCRIPTS_DIR, "lib.sh"), "utf8"));
    assert.strictEqual(lib[0].code, `source "\${BASH_SOURCE[0]%lib.sh}${CONTRACT_FILE}"`);
    // Libraries (no #! line: sourced after lib.sh by the scripts that use them) are not run on their own.
    const run = scripts.filter(
      (f) => f !== "lib.sh" && fs.readFileSync(path.join(SCRIPTS_DIR, f), "utf8").startsWith("#!"),
    );
    for (const file of run) {
      const code = codeLines(fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8")).map((l) => l.code.trim());
      assert.ok(code.includes('source "${0%/*}/lib.sh"'), `${file} does not source lib.sh`);
    }
  });

  it("finds a contract value written literally (the check itself)", function () {
    const script = [
      "cat /etc/mysql-topology/primary-ordinal",
      'sql_remote "$h" monitor monitor-password',
      "socat TCP:$h:3307 -",
      "exit 3",
      "(( status == 3 )) && reclone",
      'ls "$DATA_ROOT/data"',
      "curl 127.0.0.1:9105",
      '[[ $? -eq 3 ]] || [[ "${rc}" == 3 ]]',
      "(( depth == 3 )) && found",
      "# a comment may say exit 3 or /etc/mysql-tls",
    ].join("\n");
    assert.deepStrictEqual(
      literalsIn("x.sh", script).map((f) => f.replace(/ \(.*$/, "")),
      [
        "x.sh:1: TOPOLOGY_DIR",
        "x.sh:1: PRIMARY_ORDINAL_NAME",
        "x.sh:2: SECRET_KEY_MONITOR",
        "x.sh:3: BACKUP_PORT",
        "x.sh:4: EXIT_RECLONE",
        "x.sh:5: EXIT_RECLONE",
        "x.sh:6: DATA_DIR_NAME",
        "x.sh:7: EXPORTER_LOCAL_PORT",
        "x.sh:8: EXIT_RECLONE",
      ],
    );
    assert.deepStrictEqual(literalsIn("x.sh", 'exit "$EXIT_RECLONE"\ncat "$TOPOLOGY_FILE"\nexit 1'), []);
  });

  it("has no script write a contract value (path, port, Secret key, file name, exit status) instead of its name", function () {
    const found = scripts.flatMap((file) => literalsIn(file, fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8")));
    assert.deepStrictEqual(found, []);
  });

  it("finds a contract value written literally in TypeScript (the check itself)", function () {
    const code = [
      'await exec(0, "source /scripts/lib.sh && sql_root");',
      "const args = [`--mysql-port=3306`, `--port=${PORTS.backup}`];",
      'const password = passwords["app-password"];',
      "if (result.code === 3) reclone();",
      'const file = path.join(dir, "ca.crt");',
      "// a comment may say /var/lib/mysql or 9104",
      " * and so may a JSDoc line: root-password",
      'const url = "https://example.com/x"; // or a trailing one: exit(3)',
      "process.exit(3);",
      'fs.mkdtempSync("/tmp/bench-");',
      "tmpdir = /tmp",
      "const retries = 3;",
    ].join("\n");
    assert.deepStrictEqual(
      tsLiteralsIn("x.ts", code).map((f) => f.replace(/ \(.*$/, "")),
      [
        "x.ts:1: SCRIPTS",
        "x.ts:2: MYSQL_PORT",
        "x.ts:3: SECRET_KEY_APP",
        "x.ts:4: EXIT_RECLONE",
        "x.ts:5: TLS_CA_NAME",
        "x.ts:5: SA_CA_NAME",
        "x.ts:9: EXIT_RECLONE",
      ],
    );
    // The host's /tmp is not the pods' scratch mount; in the component it is.
    assert.deepStrictEqual(
      tsLiteralsIn("components/mysql-cluster/x.ts", "tmpdir = /tmp").map((f) => f.replace(/ \(.*$/, "")),
      ["components/mysql-cluster/x.ts:1: TMP_DIR"],
    );
    // The allowance is for one file only.
    assert.deepStrictEqual(tsLiteralsIn("local/images.ts", '{ path: "/var/lib/mysql" }'), []);
    assert.strictEqual(tsLiteralsIn("local/pod.ts", '{ path: "/var/lib/mysql" }').length, 1);
  });

  it("has no TypeScript but contract.ts write a contract value instead of importing it", function () {
    const files = tsFiles();
    for (const file of ["index.ts", "components/mysql-cluster/builders/statefulset.ts", "local/cli.ts", "bench/lag.ts"])
      assert.ok(files.includes(file), `${file} is not read: ${files.join(" ")}`);
    const found = files.flatMap((file) => tsLiteralsIn(file, fs.readFileSync(path.join(ROOT, file), "utf8")));
    assert.deepStrictEqual(found, []);
    // Every allowance still stands for a literal that is there, so none outlives its reason.
    for (const { file, name } of TS_NOT_THE_CONTRACT) {
      const constant = SHELL_CONTRACT.find((c) => c.name === name);
      assert.ok(constant, name);
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      assert.ok(
        tsCodeLines(text).some(({ code }) => literalPattern(constant).test(code)),
        `${file} no longer writes ${name}: drop its allowance`,
      );
    }
  });

  it("refuses an unknown FLAVOR once, in lib.sh, with one error naming the setting and both flavors", function () {
    writeScripts(work, scriptFiles());
    for (const flavor of ["postgres", ""]) {
      const r = bash(`source "$LIB"; echo sourced`, { LIB: path.join(work, "lib.sh"), FLAVOR: flavor });
      assert.strictEqual(r.status, 1, r.stdout);
      assert.strictEqual(r.stdout, "");
      const lines = r.stderr.trim().split("\n");
      assert.strictEqual(lines.length, 1, r.stderr);
      assert.match(
        lines[0],
        new RegExp(`ERROR: FLAVOR "${flavor}" is neither mysql nor mariadb \\(setting flavor\\)$`),
      );
    }
    for (const flavor of FLAVORS) {
      const r = bash(`source "$LIB"; echo sourced`, { LIB: path.join(work, "lib.sh"), FLAVOR: flavor });
      assert.strictEqual(r.stdout, "sourced\n", r.stderr);
    }
  });

  it("names both flavors, mariadb) and mysql), in every case $FLAVOR; a default arm only refuses (lib.sh's check)", function () {
    const problems: string[] = [];
    let cases = 0;
    for (const file of scripts) {
      for (const { line, arms } of flavorCases(fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8"))) {
        cases++;
        const labels = arms.flatMap((a) => a.label.split("|"));
        for (const flavor of FLAVORS) if (!labels.includes(flavor)) problems.push(`${file}:${line} lacks ${flavor})`);
        for (const arm of arms.filter((a) => a.label.split("|").includes("*")))
          if (!arm.dies) problems.push(`${file}:${line} has a default arm that stands for a flavor`);
        const unknown = labels.filter((l) => l !== "*" && !(FLAVORS as readonly string[]).includes(l));
        if (unknown.length > 0) problems.push(`${file}:${line} names ${unknown.join(", ")}`);
      }
    }
    assert.ok(cases > 20, `found only ${cases} flavor cases: is the parser still reading them?`);
    assert.deepStrictEqual(problems, []);
  });
});
