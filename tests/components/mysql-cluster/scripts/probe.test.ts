// probe.sh readiness and startup, run against a temporary run directory:
// readiness passes only on a fresh "ready" verdict from the sidecar, and, since
// the kubelet runs it every second on every pod, it does so without starting
// any command (no PATH at all). Both wait a little (0.8 s, under the 1 s period)
// for the verdict or the server's socket before they fail, so a pod need not
// wait out a whole probe period after the moment it could pass.

import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { resolveArgs } from "../../../../components/mysql-cluster/args";
import { configMapData } from "../../../../components/mysql-cluster/config-files";
import { FILES } from "../../../../components/mysql-cluster/contract";
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

  /** Runs a probe in the background; resolves with its exit code, output and duration. */
  function probeAsync(
    mode: string,
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; output: string; ms: number }> {
    const t0 = Date.now();
    const child = spawn("/bin/bash", [path.join(scripts, "probe.sh"), mode], {
      env: { PATH: path.join(work, "no-commands-here"), POD_NAME: "db-1", FLAVOR: "mariadb", ...env },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    return new Promise((resolve) =>
      child.on("close", (code) => resolve({ code, output: output.trim(), ms: Date.now() - t0 })),
    );
  }

  it("passes on a verdict that turns ready while it waits, without waiting out the period", async function () {
    fs.writeFileSync(verdictFile(), `${epoch()} not ready: replication io=Connecting sql=Yes\n`);
    const running = probeAsync("readiness");
    await new Promise((r) => setTimeout(r, 300));
    fs.writeFileSync(verdictFile(), `${epoch()} ready\n`);
    const r = await running;
    assert.strictEqual(r.code, 0, `probe failed: ${r.output}`);
    assert.ok(r.ms < 800, `the probe took ${r.ms} ms for a verdict written after 300 ms`);
  });

  it("fails a verdict that stays not ready within the 1 s period, with the last reason", async function () {
    fs.writeFileSync(verdictFile(), `${epoch()} not ready: lag 9s exceeds 5s\n`);
    const r = await probeAsync("readiness");
    assert.deepStrictEqual([r.code, r.output], [1, "not ready: lag 9s exceeds 5s"]);
    // It looked again for 0.8 s (8 pauses of 0.1 s), and no longer: the probe's period is 1 s.
    assert.ok(r.ms >= 750 && r.ms < 1000, `the failing probe took ${r.ms} ms, not 0.8 s`);
  });
});

describe("probe.sh startup", function () {
  let work: string;
  let runDir: string;
  let scripts: string;
  let bin: string;
  let server: net.Server | undefined;
  const data = configMapData(resolveArgs("db", { flavor: "mariadb" }));

  before(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "probe-startup-"));
    runDir = path.join(work, "run");
    scripts = path.join(work, "scripts");
    bin = path.join(work, "bin");
    for (const d of [runDir, scripts, bin]) fs.mkdirSync(d);
    writeScripts(scripts, data, { RUN_DIR: runDir });
    // A stand-in admin client: it answers the ping when the server's socket is there, and notes when it ran.
    fs.writeFileSync(
      path.join(bin, "admin"),
      `#!/bin/bash\necho called >>"${work}/admin-calls"\nfor a; do [[ $a == --socket=* ]] && s=\${a#--socket=}; done\n[[ -S $s ]]\n`,
      { mode: 0o755 },
    );
  });

  afterEach(async function () {
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    fs.rmSync(path.join(work, "admin-calls"), { force: true });
  });

  after(function () {
    fs.rmSync(work, { recursive: true, force: true });
  });

  function startup(): Promise<{ code: number | null; ms: number }> {
    const t0 = Date.now();
    const child = spawn("/bin/bash", [path.join(scripts, "probe.sh"), "startup"], {
      env: { PATH: "/usr/bin:/bin", POD_NAME: "db-1", FLAVOR: "mariadb", DB_ADMIN: path.join(bin, "admin") },
      stdio: "ignore",
    });
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, ms: Date.now() - t0 })));
  }

  const socketPath = (): string => path.join(runDir, FILES.socket);
  const calls = (): number => {
    try {
      return fs.readFileSync(path.join(work, "admin-calls"), "utf8").trim().split("\n").length;
    } catch {
      return 0;
    }
  };

  it("waits for the server's socket to appear, then pings once", async function () {
    const running = startup();
    await new Promise((r) => setTimeout(r, 300));
    server = net.createServer();
    await new Promise<void>((r) => server!.listen(socketPath(), r));
    const r = await running;
    assert.strictEqual(r.code, 0, "the startup probe failed although the socket appeared after 300 ms");
    assert.ok(r.ms < 800, `the probe took ${r.ms} ms for a socket that appeared after 300 ms`);
    assert.strictEqual(calls(), 1, "the probe pinged more than once (or not at all)");
  });

  it("fails within the 1 s period when no server listens", async function () {
    const r = await startup();
    assert.strictEqual(r.code, 1);
    assert.ok(r.ms >= 750 && r.ms < 1000, `the failing probe took ${r.ms} ms, not 0.8 s`);
    assert.strictEqual(calls(), 1, "the probe pinged other than once");
  });
});
