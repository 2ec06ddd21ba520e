// The server's dead man's switch (promote.sh's fence event) on a real
// MariaDB server, alone: a primary whose commits wait for a semi-synchronous
// acknowledgement that never comes (no replica, wait_no_slave on, no timeout,
// as a primary cut off from its replicas) must still turn read-only within
// seconds of its deadline, close those sessions without acknowledging them,
// and leave the scheduler running. The event that set read_only in one
// statement with the scheduler failed every second on the global read lock
// and left the server writable.

import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../support/sandbox";

const PASSWORD = "fenceTest1";

describe("the fence event on a server whose commits wait for an acknowledgement", function () {
  this.timeout(120_000);
  let dir: string;
  let server: ChildProcess | undefined;
  let sandbox: Sandbox;
  let socket: string;

  const client = (sql: string, user = "root") =>
    execFileSync("mariadb", ["-S", socket, `-u${user}`, `-p${PASSWORD}`, "--batch", "--skip-column-names", "-e", sql], {
      encoding: "utf8",
      timeout: 20_000,
    }).trim();

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fence-event-"));
    socket = path.join(dir, "sock");
    execFileSync("mariadb-install-db", ["--no-defaults", "--user=root", `--datadir=${dir}/data`], { stdio: "ignore" });
    // As server.cnf has it with failover: semi-sync after sync, waiting without limit, also with no replica.
    server = spawn(
      "mariadbd",
      [
        "--no-defaults",
        "--user=root",
        `--datadir=${dir}/data`,
        `--socket=${socket}`,
        `--pid-file=${dir}/pid`,
        "--skip-networking",
        "--log-bin=binlog",
        "--server-id=100",
        "--rpl-semi-sync-master-wait-point=AFTER_SYNC",
        "--rpl-semi-sync-master-wait-no-slave=ON",
        "--rpl-semi-sync-master-timeout=3600000",
        "--read-only=ON",
      ],
      { stdio: "ignore" },
    );
    const started = Date.now();
    while (!fs.existsSync(socket)) {
      if (Date.now() - started > 30_000) throw new Error("mariadbd did not open its socket within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    execFileSync("mariadb", ["-S", socket, "-uroot", "-e", `ALTER USER root@localhost IDENTIFIED BY '${PASSWORD}'`]);
    client(
      "CREATE DATABASE cluster_meta; CREATE TABLE cluster_meta.heartbeat (id INT PRIMARY KEY, ts DATETIME(6) NOT NULL);" +
        "CREATE EVENT cluster_meta.heartbeat ON SCHEDULE EVERY 1 SECOND DO REPLACE INTO cluster_meta.heartbeat VALUES (1, UTC_TIMESTAMP(6));" +
        "CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY);" +
        `CREATE USER shop@localhost IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON shop.* TO shop@localhost`,
    );
    sandbox = makeSandbox({ DATA_ROOT: dir });
    fs.writeFileSync(path.join(sandbox.private, "root.cnf"), `[client]\nuser=root\npassword=${PASSWORD}\n`, {
      mode: 0o600,
    });
  });

  after(async () => {
    sandbox?.remove();
    if (server && server.exitCode === null) {
      server.kill("SIGKILL");
      await new Promise((resolve) => server!.once("exit", resolve));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("turns read-only within 2 s of the deadline, drops the waiting commits unacknowledged, keeps the scheduler", async () => {
    const promote = await runBash(sandbox, `bash "${sandbox.scripts}/promote.sh" 3`, {
      SQL_SOCKET: socket,
      DB_CLIENT: "mariadb",
    });
    assert.strictEqual(promote.code, 0, promote.stderr);
    const deadline = Date.now() + 3_000;
    // Semi-sync from here on (promote.sh's own statements would wait for a replica too).
    client("SET GLOBAL rpl_semi_sync_master_enabled = ON");
    assert.strictEqual(client("SELECT @@global.read_only, @@global.event_scheduler"), "0\tON");

    // Three application commits, each waiting for an acknowledgement no replica will send.
    const commits = [1, 2, 3].map(
      (id) =>
        new Promise<string>((resolve) => {
          const c = spawn("mariadb", [
            "-S",
            socket,
            "-ushop",
            `-p${PASSWORD}`,
            "-e",
            `INSERT INTO shop.t VALUES (${id})`,
          ]);
          let err = "";
          c.stderr.on("data", (d: Buffer) => (err += d.toString()));
          c.on("exit", (code) => resolve(code === 0 ? "acknowledged" : err.trim()));
        }),
    );
    let waiting = "";
    while (Date.now() < deadline - 500) {
      // One binlog group commit leader says semi-sync; the commits queued behind it do not.
      waiting = client("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO shop.t%'");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(Number(waiting) >= 3, `${waiting} of the 3 commits were still waiting before the deadline`);

    let readOnlyAt = 0;
    while (!readOnlyAt && Date.now() < deadline + 15_000) {
      if (client("SELECT @@global.read_only") === "1") readOnlyAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(readOnlyAt, "still writable 15 s after the deadline");
    const late = (readOnlyAt - deadline) / 1000;
    console.log(`      read-only ${late.toFixed(2)} s after the deadline`);
    assert.ok(late <= 2, `read-only ${late.toFixed(2)} s after the deadline`);
    const outcomes = await Promise.all(commits);
    for (const outcome of outcomes) assert.match(outcome, /Lost connection|server has gone away/, outcome);
    assert.strictEqual(client("SELECT @@global.event_scheduler"), "ON", "the fence stopped the scheduler");
    // Written before the wait, so kept on this server: what a re-clone keeps as errant.
    assert.strictEqual(client("SELECT COUNT(*) FROM shop.t"), "3");
    // The application cannot write any more; the heartbeat stopped with the deadline.
    assert.throws(() => client("INSERT INTO shop.t VALUES (4)", "shop"), /read-only/);
    const beat = client("SELECT ts FROM cluster_meta.heartbeat");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.strictEqual(client("SELECT ts FROM cluster_meta.heartbeat"), beat, "the heartbeat still writes");
  });
});
