// The backup stream (issue 14 hole 4, issue 13 defect 12): serve-backup.sh
// sends nothing to a peer that does not send the stream token first, whatever
// certificate it holds; and a receiver whose sender stalls (a node lost
// mid-stream) gives up after STREAM_IDLE_SECONDS instead of hanging the clone
// or the backup Job forever.

import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { resolveArgs } from "../../../../components/mysql-cluster/args";
import { sharedCaCertificates } from "../../../../local/tls";
import { makeSandbox, runBash, Sandbox, spawnBash } from "../../../support/sandbox";
import { Socket, connect } from "net";
import { execFileSync } from "child_process";

const BACKUP_PASSWORD = "backupSecret1";
const token = createHash("sha256").update(`mysql-cluster backup stream\n${BACKUP_PASSWORD}\n`).digest("hex");

/** Resolves once something listens on the port (read from /proc/net/tcp, without connecting to it). */
async function waitForListener(port: number): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (let i = 0; i < 100; i++) {
    const table = fs.readFileSync("/proc/net/tcp", "utf8") + fs.readFileSync("/proc/net/tcp6", "utf8");
    if (new RegExp(`:${hex} [0-9A-F:]+ 0A `).test(table)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}

describe("the backup stream", function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  const port = 42000 + Math.floor(Math.random() * 2000);
  let server: ChildProcess | undefined;

  beforeEach(() => {
    sandbox = makeSandbox({ BACKUP_PORT: String(port) });
    fs.writeFileSync(path.join(sandbox.secrets, "backup-password"), BACKUP_PASSWORD);
    fs.writeFileSync(path.join(sandbox.secrets, "monitor-password"), "monitorSecret1");
  });
  afterEach(() => {
    if (server?.pid)
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    server = undefined;
    sandbox.remove();
  });

  for (const [what, input] of [
    ["no first line", ""],
    ["a wrong token", `${"0".repeat(64)}\n`],
    ["the backup password itself", `${BACKUP_PASSWORD}\n`],
  ]) {
    it(`serve-backup.sh sends not a byte to a peer with ${what}, and logs the refusal`, async () => {
      const r = await runBash(
        sandbox,
        `bash "$SCRIPTS_DIR/serve-backup.sh"`,
        { SCRIPTS_DIR: sandbox.scripts, SOCAT_PEERADDR: "10.9.9.9", BACKUP_TOOL: "false" },
        input,
      );
      assert.strictEqual(r.stdout.length, 0, "bytes were sent");
      assert.notStrictEqual(r.code, 0);
      assert.match(r.stderr, /refused 10\.9\.9\.9: .*did not prove membership \(stream token\); nothing sent/);
    });
  }

  it("serve-backup.sh refuses an endless first line at once, without taking it in or waiting for its end", async () => {
    const run = spawnBash(
      sandbox,
      `bash "$SCRIPTS_DIR/serve-backup.sh"`,
      { SCRIPTS_DIR: sandbox.scripts, SOCAT_PEERADDR: "10.9.9.9", BACKUP_TOOL: "false" },
      15_000,
    );
    run.child.stdin.write("a".repeat(200_000));
    const r = await run.done;
    assert.ok(r.ms < 5_000, `the check waited ${r.ms} ms for the line to end`);
    assert.strictEqual(r.stdout.length, 0);
    assert.match(r.stderr, /refused 10\.9\.9\.9/);
  });

  // A TCP client that never starts the TLS handshake held a socat child for ever (socat's -T
  // counts only once the transfer runs), so connections piled up processes without bound.
  it("the sidecar's backup listener drops silent connections after the handshake timeout and forks at most 4 children", async () => {
    const { cluster } = sharedCaCertificates(resolveArgs("db", {}), "stream");
    fs.writeFileSync(path.join(sandbox.tls, "tls.crt"), cluster.cert);
    fs.writeFileSync(path.join(sandbox.tls, "tls.key"), cluster.key);
    fs.writeFileSync(path.join(sandbox.tls, "ca.crt"), cluster.ca);
    const run = spawnBash(
      sandbox,
      `bash "$SCRIPTS_DIR/sidecar.sh"`,
      { SCRIPTS_DIR: sandbox.scripts, STREAM_HANDSHAKE_SECONDS: "2" },
      40_000,
    );
    server = run.child;
    await waitForListener(port);
    const listenerChildren = () => {
      const ps = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.trim().split(/\s+/));
      const listener = ps.find((f) => f[1] === String(run.child.pid) && f[2] === "socat");
      assert.ok(listener, "no socat listener under the sidecar");
      return ps.filter((f) => f[1] === listener[0]).length;
    };
    const sockets: Socket[] = [];
    for (let i = 0; i < 10; i++) {
      const s = connect(port, "127.0.0.1");
      s.on("error", () => {
        /* dropped */
      });
      sockets.push(s);
    }
    let most = 0;
    const started = Date.now();
    while (Date.now() - started < 2_500) {
      most = Math.max(most, listenerChildren());
      await new Promise((r) => setTimeout(r, 100));
    }
    // All ten were accepted at some point only if they were dropped: wait for the last to go.
    let left = listenerChildren();
    for (let i = 0; i < 100 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      left = listenerChildren();
      most = Math.max(most, left);
    }
    sockets.forEach((s) => s.destroy());
    run.kill();
    assert.ok(most <= 4, `the listener had ${most} children at once`);
    assert.strictEqual(left, 0, "silent connections still hold listener children");
  });

  it("serve-backup.sh goes on past the check for the right token", async () => {
    // No data directory here: it gets past the token and stops at the next step.
    const r = await runBash(
      sandbox,
      `bash "$SCRIPTS_DIR/serve-backup.sh"`,
      { SCRIPTS_DIR: sandbox.scripts, SOCAT_PEERADDR: "10.9.9.9" },
      `${token}\n`,
    );
    assert.doesNotMatch(r.stderr, /refused/);
    assert.match(r.stderr, /no data directory to back up/);
  });

  it("receive_backup fails within the inactivity timeout when the sender stalls mid-stream", async () => {
    const { cluster } = sharedCaCertificates(resolveArgs("db", {}), "stream");
    fs.writeFileSync(path.join(sandbox.tls, "tls.crt"), cluster.cert);
    fs.writeFileSync(path.join(sandbox.tls, "tls.key"), cluster.key);
    fs.writeFileSync(path.join(sandbox.tls, "ca.crt"), cluster.ca);
    const tlsOptions = `cert=${sandbox.tls}/tls.crt,key=${sandbox.tls}/tls.key,cafile=${sandbox.tls}/ca.crt,verify=1`;
    // A sender that checks nothing, sends a little, then goes silent (its node lost) without closing.
    server = spawn(
      "socat",
      [`OPENSSL-LISTEN:${port},reuseaddr,${tlsOptions}`, "SYSTEM:read -r t; printf partial-stream; sleep 45"],
      { detached: true, stdio: "ignore" },
    );
    const sink = path.join(sandbox.dir, "sink");
    fs.writeFileSync(sink, "#!/usr/bin/env bash\ncat >/dev/null\n", { mode: 0o755 });
    await waitForListener(port);
    const target = path.join(sandbox.dir, "target");
    fs.mkdirSync(target);
    const r = await runBash(
      sandbox,
      `source "$LIB"; receive_backup localhost ${JSON.stringify(target)}`,
      { STREAM_IDLE_SECONDS: "2", STREAM_TOOL: sink, BACKUP_PARALLELISM: "1", BACKUP_TOOL: "false" },
      "",
      30_000,
    );
    assert.notStrictEqual(r.code, 0, r.stderr);
    assert.ok(r.ms < 10_000, `the receiver waited ${r.ms} ms on a stalled sender`);
    // Not a refused connection: the stream started, then stalled.
    assert.doesNotMatch(r.stderr, /Connection refused/);
    assert.match(r.stderr, /ended before its end marker|broke off or stalled/);
  });
});
