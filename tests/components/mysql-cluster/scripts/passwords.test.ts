// How the pod scripts read and use passwords (issue 14, holes 1-3): each value
// is checked as it is read, every time; an unsafe one (an injection, or an
// honest "it's") reaches no SQL client and is logged once, by key, never by
// value; statements that name a password go to the client on stdin with the
// binary log off, and on MySQL super_read_only is restored even when they fail.

import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

const ATTACK = "x'; CREATE USER evil@'%' IDENTIFIED BY 'pw'; GRANT ALL ON *.* TO evil@'%' WITH GRANT OPTION; -- ";
const HONEST = "it'sNew";

/** A stub SQL client: records each call's arguments and stdin; answers 1 to a read_only query and SUPER_READ_ONLY (default 1) to a super_read_only one; fails on ALTER USER when told to. */
function stubClient(sandbox: Sandbox): { path: string; calls: () => { argv: string; stdin: string }[] } {
  const log = path.join(sandbox.dir, "client.log");
  const stub = path.join(sandbox.dir, "db-client");
  fs.writeFileSync(
    stub,
    `#!/usr/bin/env bash
args="$*"
stdin=""
[[ $args == *" -e "* ]] || stdin=$(cat)
printf 'ARGV %s\\nSTDIN %s\\n--\\n' "$args" "$stdin" >>${JSON.stringify(log)}
[[ $args == *"SELECT @@global.super_read_only"* ]] && { echo \${SUPER_READ_ONLY:-1}; exit 0; }
[[ $args == *"SELECT @@global.read_only"* ]] && { echo 1; exit 0; }
[[ -n \${FAIL_ALTER:-} && $stdin == *"ALTER USER"* ]] && { echo "ERROR 1064 (42000): You have an error in your SQL syntax" >&2; exit 1; }
exit 0
`,
    { mode: 0o755 },
  );
  return {
    path: stub,
    calls: () =>
      (fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "")
        .split("\n--\n")
        .filter((c) => c.trim())
        .map((c) => {
          const [argvLine, ...rest] = c.split("\n");
          return { argv: argvLine.replace(/^ARGV /, ""), stdin: rest.join("\n").replace(/^STDIN /, "") };
        }),
  };
}

describe("pod scripts and passwords", function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = makeSandbox();
    for (const key of [
      "root-password",
      "replication-password",
      "backup-password",
      "monitor-password",
      "app-password",
    ]) {
      fs.writeFileSync(path.join(sandbox.secrets, key), `${key.replace(/-password$/, "")}Secret1`);
    }
    fs.writeFileSync(path.join(sandbox.private, "root.cnf"), "[client]\nuser=root\npassword=rootSecret1\n", {
      mode: 0o600,
    });
  });
  afterEach(() => sandbox.remove());

  for (const [name, value] of [
    ["an injection", ATTACK],
    ["an honest mistake", HONEST],
  ]) {
    it(`refuses ${name} as read, with one log line naming the key and not the value`, async () => {
      fs.writeFileSync(path.join(sandbox.secrets, "app-password"), value);
      const r = await runBash(
        sandbox,
        `source "$LIB"; for i in 1 2 3; do if read_password v app-password; then echo "accepted $v"; else echo "refused [$v]"; fi; done`,
      );
      assert.strictEqual(r.stdout, "refused []\n".repeat(3));
      const lines = r.stderr.trim().split("\n");
      assert.strictEqual(lines.length, 1, r.stderr);
      assert.match(
        lines[0],
        /ERROR: password "app-password" in Secret db-credentials has characters outside .*nothing was changed/,
      );
      assert.ok(!r.stderr.includes(value) && !r.stderr.includes("evil"), "the log shows the value");
    });
  }

  it("checks the value every time it is read, not once: a value that turns unsafe is refused on the next read", async () => {
    const file = path.join(sandbox.secrets, "root-password");
    const r = await runBash(
      sandbox,
      `source "$LIB"; password root-password; echo; printf '%s' "$NEW" >${JSON.stringify(file)}; password root-password || echo " refused"`,
      { NEW: HONEST },
    );
    assert.strictEqual(r.stdout, "rootSecret1\n refused\n");
  });

  it("sends no SQL at all when a password is unsafe (sql_as, sql_remote, ensure-users.sh)", async () => {
    const client = stubClient(sandbox);
    fs.writeFileSync(path.join(sandbox.secrets, "monitor-password"), ATTACK);
    fs.writeFileSync(path.join(sandbox.secrets, "app-password"), HONEST);
    const env = { DB_CLIENT: client.path, APP_DATABASE: "shop", APP_USER: "shop" };
    const r = await runBash(
      sandbox,
      `source "$LIB"; sql_as monitor monitor-password -e 'SELECT 1' || echo refused-as; sql_remote h monitor monitor-password -e 'SELECT 1' || echo refused-remote; bash "$SCRIPTS_DIR/ensure-users.sh" || echo refused-users`,
      { ...env, SCRIPTS_DIR: sandbox.scripts },
    );
    assert.strictEqual(r.stdout, "refused-as\nrefused-remote\nrefused-users\n", r.stderr);
    assert.deepStrictEqual(client.calls(), [], "a SQL client was started");
  });

  it("applies the users on stdin with the binary log off, and no password on the client's command line", async () => {
    const client = stubClient(sandbox);
    const r = await runBash(sandbox, `bash "$SCRIPTS_DIR/ensure-users.sh"`, {
      DB_CLIENT: client.path,
      SCRIPTS_DIR: sandbox.scripts,
      APP_DATABASE: "shop",
      APP_USER: "shop",
    });
    assert.strictEqual(r.code, 0, r.stderr);
    const calls = client.calls();
    const users = calls.find((c) => c.stdin.includes("ALTER USER 'monitor'"))!;
    assert.ok(users, JSON.stringify(calls));
    assert.match(users.stdin, /^SET sql_log_bin = 0;$/m);
    assert.ok(users.stdin.indexOf("SET sql_log_bin = 0") < users.stdin.indexOf("IDENTIFIED BY"));
    for (const call of calls) assert.doesNotMatch(call.argv, /Secret1/, "a password on a command line");
    // Without --schema (a replica's sidecar), nothing that is replicated: no database, no heartbeat.
    assert.ok(
      !calls.some((c) => /CREATE DATABASE|heartbeat/.test(c.stdin)),
      "a replica would write replicated statements",
    );
  });

  // MariaDB shows a running statement's text to every user with PROCESS (the exporter, backup):
  // polled as such a user, ALTER USER ... IDENTIFIED BY 'pw' showed the password (MariaDB 10.11.19).
  it("on MariaDB sends no password text to the server, only PASSWORD()'s hash (ensure-users.sh, root's rotation)", async () => {
    const client = stubClient(sandbox);
    fs.writeFileSync(path.join(sandbox.secrets, "exporter-password"), "exporterSecret1");
    const r = await runBash(
      sandbox,
      `bash "$SCRIPTS_DIR/ensure-users.sh"; source "$LIB"; printf "ALTER USER 'root'@'localhost' %s;\\n" "$(identified_by newRootSecret1)" | sql_root_unlogged`,
      { DB_CLIENT: client.path, SCRIPTS_DIR: sandbox.scripts, APP_DATABASE: "shop", APP_USER: "shop", METRICS: "true" },
    );
    assert.strictEqual(r.code, 0, r.stderr);
    const sent = client
      .calls()
      .map((c) => `${c.argv}\n${c.stdin}`)
      .join("\n");
    assert.doesNotMatch(sent, /Secret1/, "a password reached the server as text");
    const native = (pw: string) =>
      `*${createHash("sha1").update(createHash("sha1").update(pw).digest()).digest("hex").toUpperCase()}`;
    for (const [user, pw] of [
      ["monitor", "monitorSecret1"],
      ["replicator", "replicationSecret1"],
      ["backup", "backupSecret1"],
      ["exporter", "exporterSecret1"],
      ["shop", "appSecret1"],
      ["root", "newRootSecret1"],
    ]) {
      assert.ok(
        sent.includes(
          `ALTER USER '${user}'@'${["backup", "exporter", "root"].includes(user) ? "localhost" : "%"}' IDENTIFIED BY PASSWORD '${native(pw)}'`,
        ),
        `${user}'s hash is not PASSWORD()'s`,
      );
    }
  });

  it("on MySQL lifts super_read_only only for the statement and restores it when the statement fails", async () => {
    const client = stubClient(sandbox);
    const r = await runBash(
      sandbox,
      `source "$LIB"; printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\\n" "$(password root-password)" | sql_root_unlogged; echo "status $?"`,
      { DB_CLIENT: client.path, FLAVOR: "mysql", FAIL_ALTER: "1" },
    );
    assert.match(r.stdout, /^status [1-9]/m, r.stdout + r.stderr);
    const calls = client.calls();
    const change = calls.findIndex((c) => c.stdin.includes("ALTER USER"));
    assert.ok(change >= 0, JSON.stringify(calls));
    assert.match(calls[change].stdin, /SET sql_log_bin = 0;\nSET GLOBAL super_read_only = OFF;\nALTER USER/);
    assert.ok(
      calls.slice(change + 1).some((c) => c.argv.includes("SET GLOBAL super_read_only = ON")),
      "super_read_only was not restored",
    );
    for (const call of calls) assert.doesNotMatch(call.argv, /rootSecret1/);
  });

  it("on MySQL restores super_read_only that a run killed between lift and restore left off (read_only on)", async () => {
    const client = stubClient(sandbox);
    const r = await runBash(sandbox, `bash "$SCRIPTS_DIR/ensure-users.sh"`, {
      DB_CLIENT: client.path,
      SCRIPTS_DIR: sandbox.scripts,
      FLAVOR: "mysql",
      SUPER_READ_ONLY: "0",
    });
    assert.strictEqual(r.code, 0, r.stderr);
    const calls = client.calls();
    const change = calls.findIndex((c) => c.stdin.includes("ALTER USER"));
    assert.ok(change >= 0, JSON.stringify(calls));
    assert.ok(
      calls.slice(change + 1).some((c) => c.argv.includes("SET GLOBAL super_read_only = ON")),
      "a replica was left with super_read_only off",
    );
  });
});
