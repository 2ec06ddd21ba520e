// The failover agent's reading of replication progress (failover-lib.sh):
// progress_state on what MariaDB 10.11's client really prints (captured from
// a replica), covers and most_received on MariaDB GTID positions, and the
// agent's published state as primary_ordinal and is_wanted_primary read it;
// the candidate choice (may_take_over) on the races a failover meets.
// Run with no PATH, as in the backup image (no awk, sed or grep).

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

/** SHOW REPLICA STATUS; SELECT @@global.gtid_binlog_pos AS Cluster_executed, --vertical, from a MariaDB 10.11 replica. */
const MARIADB_PROGRESS =
  "*************************** 1. row ***************************\n                Slave_IO_State: Waiting for master to send event\n                   Master_Host: 127.0.0.1\n                   Master_User: r\n                   Master_Port: 33060\n                 Connect_Retry: 60\n               Master_Log_File: binlog.000002\n           Read_Master_Log_Pos: 1560\n                Relay_Log_File: vm-relay-bin.000003\n                 Relay_Log_Pos: 1856\n         Relay_Master_Log_File: binlog.000002\n              Slave_IO_Running: Yes\n             Slave_SQL_Running: Yes\n               Replicate_Do_DB: \n           Replicate_Ignore_DB: \n            Replicate_Do_Table: \n        Replicate_Ignore_Table: \n       Replicate_Wild_Do_Table: \n   Replicate_Wild_Ignore_Table: \n                    Last_Errno: 0\n                    Last_Error: \n                  Skip_Counter: 0\n           Exec_Master_Log_Pos: 1560\n               Relay_Log_Space: 4482\n               Until_Condition: None\n                Until_Log_File: \n                 Until_Log_Pos: 0\n            Master_SSL_Allowed: No\n            Master_SSL_CA_File: \n            Master_SSL_CA_Path: \n               Master_SSL_Cert: \n             Master_SSL_Cipher: \n                Master_SSL_Key: \n         Seconds_Behind_Master: 0\n Master_SSL_Verify_Server_Cert: No\n                 Last_IO_Errno: 0\n                 Last_IO_Error: \n                Last_SQL_Errno: 0\n                Last_SQL_Error: \n   Replicate_Ignore_Server_Ids: \n              Master_Server_Id: 100\n                Master_SSL_Crl: \n            Master_SSL_Crlpath: \n                    Using_Gtid: Slave_Pos\n                   Gtid_IO_Pos: 0-100-15\n       Replicate_Do_Domain_Ids: \n   Replicate_Ignore_Domain_Ids: \n                 Parallel_Mode: optimistic\n                     SQL_Delay: 0\n           SQL_Remaining_Delay: NULL\n       Slave_SQL_Running_State: Slave has read all relay log; waiting for more updates\n              Slave_DDL_Groups: 9\nSlave_Non_Transactional_Groups: 1\n    Slave_Transactional_Groups: 5\n          Replicate_Rewrite_DB: \n*************************** 1. row ***************************\nCluster_executed: 0-100-15\n";

describe("failover-lib.sh: replication progress as the agent compares it", function () {
  let sandbox: Sandbox;
  before(function () {
    sandbox = makeSandbox();
    fs.writeFileSync(path.join(sandbox.dir, "progress.txt"), MARIADB_PROGRESS);
  });
  after(() => sandbox.remove());

  const bash = (body: string, env: Record<string, string> = {}) =>
    runBash(
      sandbox,
      `source "$LIB"; source "${"${LIB%/*}"}/failover-lib.sh"
PATH=/nonexistent
sql_root() { printf '%s\\n' "$(<progress.txt)"; }
${body}`,
      env,
    );

  it("reads the IO thread, the received and the executed position from the server's own output", async function () {
    const r = await bash("progress_state sql_root");
    assert.strictEqual(r.stderr, "");
    assert.strictEqual(r.stdout, "Yes 0-100-15 0-100-15\n");
  });

  it("orders MariaDB positions per domain: a position covers another only when it is as far in every domain", async function () {
    const r = await bash(`
for pair in "0-100-15 0-100-15" "0-101-16 0-100-15" "0-100-14 0-100-15" "0-100-15,1-100-3 1-101-2,0-100-15" \
            "0-100-15 1-100-1" "- -" "0-100-1 -" "- 0-100-1"; do
  read -r a b <<<"$pair"
  if covers "$a" "$b"; then echo "$a>=$b yes"; else echo "$a>=$b no"; fi
done`);
    assert.deepStrictEqual(r.stdout.trim().split("\n"), [
      "0-100-15>=0-100-15 yes",
      "0-101-16>=0-100-15 yes",
      "0-100-14>=0-100-15 no",
      "0-100-15,1-100-3>=1-101-2,0-100-15 yes",
      "0-100-15>=1-100-1 no",
      "->=- yes",
      "0-100-1>=- yes",
      "->=0-100-1 no",
    ]);
  });

  it("never orders two servers' transactions with the same domain and sequence number (two histories)", async function () {
    const r = await bash(`
for pair in "0-100-55 0-101-55" "0-101-55 0-100-55" "0-101-55 0-101-55" "0-101-56 0-100-55"; do
  read -r a b <<<"$pair"
  if covers "$a" "$b"; then echo "$a>=$b yes"; else echo "$a>=$b no"; fi
done`);
    assert.deepStrictEqual(r.stdout.trim().split("\n"), [
      "0-100-55>=0-101-55 no",
      "0-101-55>=0-100-55 no",
      "0-101-55>=0-101-55 yes",
      "0-101-56>=0-100-55 yes",
    ]);
  });

  it("takes the later of what a replica received and what it executed", async function () {
    const r = await bash(
      `most_received 0-100-20 0-100-15; echo; most_received - 0-100-15; echo; most_received 0-100-3 0-100-9; echo`,
    );
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["0-100-20", "0-100-15", "0-100-9"]);
  });

  it("takes the later position per domain, so a domain only executed (a write around read_only) still counts", async function () {
    const r = await bash(
      `most_received 0-100-20 0-100-15,7-102-1; echo; most_received 0-100-20,7-102-1 0-100-25; echo`,
    );
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["0-100-20,7-102-1", "0-100-25,7-102-1"]);
  });

  describe("the candidate choice (may_take_over)", function () {
    // Peers' progress_state lines as the agent would read them; "down" is a server that does not answer.
    const choose = (me: number, old: number | "", members: number, mine: string, peers: Record<number, string>) =>
      bash(`
declare -A peers=(${Object.entries(peers)
        .map(([o, line]) => `[${o}]="${line}"`)
        .join(" ")})
peer_progress() { [[ -n \${peers[$1]:-} && \${peers[$1]} != down ]] || return 1; printf '%s\n' "\${peers[$1]}"; }
if why=$(may_take_over ${me} "${old}" ${members} "${mine}"); then echo take; else echo "no: $why"; fi`);

    // The risk (issue 16): pod 0 was the primary, wrote 0-100-51..60 that nobody acknowledged and was
    // cut off; pod 1 took over and its commits 0-101-51..55 were acknowledged by pod 2. Pod 0 comes
    // back without replication (it holds errant transactions, so it is never attached), then pod 1 is
    // lost too. By sequence number alone pod 0 is the most advanced of the two left:
    it("shows the risk: by sequence numbers a diverged former primary's position covers the acknowledged one", async function () {
      const r = await bash(`covers 0-100-60 0-101-55 && echo covers || echo not`);
      assert.strictEqual(r.stdout.trim(), "covers");
    });

    it("never promotes a server whose replication is not set up, however far its own history goes", async function () {
      const r = await choose(0, 1, 3, "none - 0-100-60", { 2: "No 0-101-55 0-101-55" });
      assert.match(r.stdout, /^no: this server's replication is not set up/);
    });

    it("promotes the replica holding the acknowledged commits, not held back by the diverged former primary", async function () {
      const r = await choose(2, 1, 3, "No 0-101-55 0-101-55", { 0: "none - 0-100-60" });
      assert.strictEqual(r.stdout.trim(), "take");
    });

    it("waits for every member that could hold an acknowledged commit", async function () {
      const cases = await Promise.all([
        choose(2, 0, 3, "No 0-100-9 0-100-9", { 1: "down" }),
        choose(2, 0, 3, "No 0-100-9 0-100-9", { 1: "Yes 0-100-9 0-100-9" }),
        choose(2, 0, 3, "No 0-100-9 0-100-9", { 1: "No 0-100-10 0-100-9" }),
        choose(2, 0, 3, "No 0-100-9 0-100-9", { 1: "Connecting 0-100-9 0-100-9" }),
        choose(1, 0, 3, "No 0-100-9 0-100-8", { 2: "No 0-100-9 0-100-9" }),
        choose(1, 0, 3, "No 0-100-9 0-100-9", { 2: "No 0-101-9 0-101-9" }),
        // Scaled to 2 while pod 2 still runs (the scale-down waits): it is asked too, up to the first gone.
        choose(1, 0, 2, "No 0-100-9 0-100-9", { 2: "No 0-100-10 0-100-9" }),
        choose(1, 0, 2, "No 0-100-9 0-100-9", { 2: "down", 3: "No 0-100-10 0-100-9" }),
        // A fresh clone (its binary log empty) ties with the replica it was cloned from: the replica wins.
        choose(0, 2, 3, "Connecting 0-102-9 -", { 1: "No 0-102-9 0-102-9" }),
        choose(1, 2, 3, "No 0-102-9 0-102-9", { 0: "Connecting 0-102-9 -" }),
      ]);
      assert.deepStrictEqual(
        cases.map((c) => c.stdout.trim()),
        [
          "no: ordinal 1 does not answer, and could hold an acknowledged commit",
          "no: ordinal 1 still replicates from the primary",
          "no: ordinal 1 has received more",
          "no: ordinal 1 has received as much and a lower ordinal",
          "no: ordinal 2 has received as much and more of it in its binary log",
          "no: ordinal 2 has received more",
          "no: ordinal 2 has received more",
          "take",
          "no: ordinal 1 has received as much and more of it in its binary log",
          "take",
        ],
      );
    });
  });

  it("names the primary the agent published, and the topology's ordinal only before it has published", async function () {
    const topology = path.join(sandbox.dir, "topology");
    fs.mkdirSync(topology, { recursive: true });
    fs.writeFileSync(path.join(topology, "primary-ordinal"), "0");
    const lib = fs.readFileSync(path.join(sandbox.scripts, "lib.sh"), "utf8");
    fs.writeFileSync(
      path.join(sandbox.scripts, "lib.sh"),
      lib.replace(/^readonly TOPOLOGY_DIR=\S+/m, `readonly TOPOLOGY_DIR=${topology}`),
    );
    const before = await bash(`primary_ordinal; is_wanted_primary && echo primary || echo not-primary`);
    assert.deepStrictEqual(before.stdout.trim().split("\n"), ["0", "not-primary"]);
    fs.writeFileSync(path.join(sandbox.run, "agent-state"), "primary 2 7\n");
    const after = await bash(`primary_ordinal; is_wanted_primary && echo primary || echo not-primary`);
    assert.deepStrictEqual(after.stdout.trim().split("\n"), ["2", "primary"]);
    fs.writeFileSync(path.join(sandbox.run, "agent-state"), "lost 2 7\n");
    const lost = await bash(`is_wanted_primary && echo primary || echo not-primary`);
    assert.strictEqual(lost.stdout.trim(), "not-primary");
  });
});
