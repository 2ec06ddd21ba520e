// probe.sh readiness, run against a temporary run directory: it passes only on
// a fresh "ready" verdict from the sidecar, and, since the kubelet runs it every
// second on every pod, it does so without starting any process (no PATH at all).

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveArgs } from "../../../../components/mysql-cluster/args";
import { configMapData } from "../../../../components/mysql-cluster/config-files";
import { writeScripts } from "../../../support/sandbox";

describe("probe.sh readiness", function () {
  let work: string;
  let runDir: string;
  let scripts: string;
  const data = configMapData(resolveArgs("db", { flavor: "mariadb" }));

  before(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
    runDir = path.join(work, "run");
    scripts = path.join(work, "scripts");
    for (const d of [runDir, scripts]) fs.mkdirSync(d);
    writeScripts(scripts, data, { RUN_DIR: runDir });
  });

  after(function () {
    fs.rmSync(work, { recursive: true, force: true });
  });

  const verdictFile = (): string => path.join(runDir, "readiness");
  const epoch = (): number => Math.floor(Date.now() / 1000);

  /** Runs the readiness probe with an empty PATH, so any command it would start fails the probe. */
  function probe(): { code: number | null; output: string } {
    const r = spawnSync("/bin/bash", [path.join(scripts, "probe.sh"), "readiness"], {
      env: { PATH: path.join(work, "no-commands-here"), POD_NAME: "db-1", FLAVOR: "mariadb" },
      encoding: "utf8",
    });
    return { code: r.status, output: (r.stdout + r.stderr).trim() };
  }

  afterEach(function () {
    fs.rmSync(verdictFile(), { force: true });
  });

  it("passes on a fresh ready verdict, without starting a process", function () {
    fs.writeFileSync(verdictFile(), `${epoch()} ready\n`);
    const r = probe();
    assert.strictEqual(r.code, 0, `probe failed: ${r.output}`);
    assert.strictEqual(r.output, "");
  });

  it("fails with the sidecar's reason on a fresh not-ready verdict", function () {
    fs.writeFileSync(verdictFile(), `${epoch()} not ready: lag 9s exceeds 5s\n`);
    assert.deepStrictEqual(probe(), { code: 1, output: "not ready: lag 9s exceeds 5s" });
  });

  it("fails when the sidecar has not written a verdict yet", function () {
    assert.deepStrictEqual(probe(), { code: 1, output: "not ready: the sidecar has not judged readiness yet" });
  });

  it("fails on a ready verdict older than 30 s (sidecar stuck or gone)", function () {
    fs.writeFileSync(verdictFile(), `${epoch() - 40} ready\n`);
    const r = probe();
    assert.strictEqual(r.code, 1);
    assert.match(r.output, /^not ready: the sidecar's verdict is 4[01]s old$/);
  });

  it("fails on a verdict without its time (an older sidecar's format)", function () {
    fs.writeFileSync(verdictFile(), "ready\n");
    assert.deepStrictEqual(probe(), { code: 1, output: "not ready: the sidecar's verdict has no time" });
  });
});
