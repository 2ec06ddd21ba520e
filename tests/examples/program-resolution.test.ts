// Which program `pulumi up` runs in each Pulumi project of the repository,
// resolved the way Pulumi's Node.js launcher does (pulumi/pulumi
// sdk/nodejs/cmd/run/run.ts at 1b5949891, `run`): the language host passes
// the project's `main` option, or "." (the project directory); the launcher
// finds the nearest package.json (or package.yaml) by walking up from that
// directory (npmPackageRootFromProgramPath -> runtime/manifest.ts
// searchupPackageManifest) and, with no `main` option in Pulumi.yaml, takes
// that package's `exports` or `main`, joined to the package's directory
// (resolveEntrypoint). A project without a package.json of its own so runs
// its parent's program: examples/app-stack used to deploy the database
// (issue 13, defect 1).

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "../support/paths";

const MANIFESTS = ["package.json", "package.yaml"];

/** Every Pulumi.yaml under the repository, node_modules excluded. */
function projects(dir = ROOT): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...projects(full));
    else if (entry.name === "Pulumi.yaml") found.push(dir);
  }
  return found;
}

function searchupPackageManifest(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    for (const name of MANIFESTS) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The file the launcher loads for the project in `projectDir`. */
export function resolveProgram(projectDir: string): string {
  const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
  assert.strictEqual(project.runtime?.name ?? project.runtime, "nodejs", `${projectDir}: not a Node.js project`);
  const main: string | undefined = project.main;
  let program = main ? path.join(projectDir, main) : projectDir;
  const programDir = fs.existsSync(program) && fs.statSync(program).isDirectory() ? program : path.dirname(program);
  const manifest = searchupPackageManifest(programDir);
  const packageRoot = manifest ? path.dirname(manifest) : programDir;
  const pkg = manifest && manifest.endsWith(".json") ? JSON.parse(fs.readFileSync(manifest, "utf8")) : {};
  const resolveEntrypoint = (entry: string) =>
    fs.existsSync(path.join(packageRoot, entry)) ? path.join(packageRoot, entry) : program;
  if (!main) {
    if (typeof pkg.exports === "string") program = resolveEntrypoint(pkg.exports);
    else if (pkg.exports && typeof pkg.exports === "object") {
      const dot = pkg.exports["."];
      program = resolveEntrypoint(typeof dot === "string" ? dot : (dot.default ?? dot.require ?? dot.import));
    } else if (pkg.main) program = resolveEntrypoint(pkg.main);
  }
  // A directory is loaded as Node loads one: its own package.json's main, else index.ts / index.js.
  if (fs.existsSync(program) && fs.statSync(program).isDirectory()) {
    const own = path.join(program, "package.json");
    const ownMain = fs.existsSync(own) ? JSON.parse(fs.readFileSync(own, "utf8")).main : undefined;
    program = ownMain
      ? path.join(program, ownMain)
      : (["index.ts", "index.js"].map((f) => path.join(program, f)).find((f) => fs.existsSync(f)) ?? program);
  }
  return program;
}

describe("Pulumi projects resolve to their own programs (as the Node.js launcher resolves them)", function () {
  const found = projects().sort();

  it("finds the root project and examples/app-stack", function () {
    assert.deepStrictEqual(
      found.map((p) => path.relative(ROOT, p) || "."),
      [".", "examples/app-stack"],
    );
  });

  for (const dir of found) {
    const name = path.relative(ROOT, dir) || ".";
    it(`runs ${name}/index.ts for the project in ${name}`, function () {
      assert.strictEqual(path.relative(ROOT, resolveProgram(dir)), path.join(path.relative(ROOT, dir), "index.ts"));
    });
  }

  it("gives examples/app-stack the packages its program imports", function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/app-stack/package.json"), "utf8"));
    const imports = new Set<string>();
    for (const file of ["index.ts", "database-env.ts"]) {
      const text = fs.readFileSync(path.join(ROOT, "examples/app-stack", file), "utf8");
      for (const m of text.matchAll(/from "(@[^/"]+\/[^/"]+|[^@./"][^/"]*)/g)) imports.add(m[1]);
    }
    assert.deepStrictEqual([...imports].sort(), Object.keys(pkg.dependencies).sort());
  });
});
