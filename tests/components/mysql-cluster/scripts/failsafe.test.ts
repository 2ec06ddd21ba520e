// The primary's failsafe check (failover-lib.sh a_follower), which decides
// whether a primary that cannot reach the API stays writable: it must find a
// healthy follower fast even when another replica never answers (a lost node,
// a frozen server), ask the one that followed last time first, stop at the
// first that follows, and give up within the budget it is given. The SQL
// client is a stub that answers per host: following, replicating from
// elsewhere, refusing at once or hanging for a minute.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

const ENV = {
  STS_NAME: "db",
  HEADLESS_SERVICE: "db",
  POD_NAMESPACE: "ns",
  CLUSTER_DOMAIN: "cluster.local",
};

describe("failover-lib.sh a_follower: is this primary still followed, within a budget", function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let client: string;

  before(function () {
    sandbox = makeSandbox();
    client = path.join(sandbox.dir, "client");
    // BEHAVIOUR_<ordinal>: follows (replicates from db-0), elsewhere (from db-9), refuses, hangs, writable (read_only 0).
    fs.writeFileSync(
      client,
      `#!/usr/bin/env bash
for a in "$@"; do [[ $a == --host=* ]] && host=\${a#--host=}; done
ordinal=\${host%%.*}; ordinal=\${ordinal#db-}
printf '%s\\n' "$ordinal" >>"$ASKED"
behaviour=BEHAVIOUR_$ordinal
case \${!behaviour:-refuses} in
  follows) source_host=db-0.db.ns.svc.cluster.local ;;
  elsewhere) source_host=db-9.db.ns.svc.cluster.local ;;
  refuses) echo "ERROR 2002 (HY000): Can't connect" >&2; exit 1 ;;
  hangs) exec sleep 60 ;;
  writable) echo 0; exit 0 ;;
esac
printf '*** 1. row ***\\n Slave_IO_Running: Yes\\n Slave_SQL_Running: Yes\\n Master_Host: %s\\n Last_IO_Errno: 0\\n*** 1. row ***\\nCluster_heartbeat_lag: 0\\n' "$source_host"
`,
      { mode: 0o755 },
    );
  });
  after(() => sandbox.remove());

  /** Runs `body` after sourcing the libraries, with sql_remote reduced to the client call (no secrets or TLS here). */
  async function check(body: string, behaviours: Record<string, string>) {
    const asked = path.join(sandbox.dir, `asked-${Date.now()}`);
    fs.writeFileSync(asked, "");
    const env: Record<string, string> = { ...ENV, DB_CLIENT: client, ASKED: asked };
    for (const [o, b] of Object.entries(behaviours)) env[`BEHAVIOUR_${o}`] = b;
    const r = await runBash(
      sandbox,
      `source "$LIB"; source "\${LIB%/*}/failover-lib.sh"
sql_remote() { local host=$1; shift 3; "$DB_CLIENT" --host="$host" "$@"; }
t0=\${EPOCHREALTIME/./}
${body}
printf 'elapsed %s\n' "$(( (\${EPOCHREALTIME/./} - t0) / 1000 ))" >&2`,
      env,
    );
    // The check's own time: questions it no longer waits for still hold bash's stdout until their bound.
    const ms = Number(/elapsed (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    return { ...r, ms, asked: fs.readFileSync(asked, "utf8").trim().split("\n").filter(Boolean).map(Number) };
  }

  it("asks everyone at once when it knows no follower, and a hanging replica does not hold up the one that follows", async function () {
    const r = await check(`a_follower 0 3 300 && echo "followed by $last_follower"`, { 1: "hangs", 2: "follows" });
    assert.strictEqual(r.stdout.trim(), "followed by 2");
    assert.deepStrictEqual([...r.asked].sort(), [1, 2]);
    assert.ok(r.ms < 800, `took ${r.ms} ms`);
  });

  it("asks the replica that followed last time first, alone, and stops there", async function () {
    const r = await check(`a_follower 0 4 300 && a_follower 0 4 300 && echo "followed by $last_follower"`, {
      1: "hangs",
      2: "follows",
      3: "hangs",
    });
    assert.strictEqual(r.stdout.trim(), "followed by 2");
    // The second check asked pod 2 alone: the hanging pods cost nothing there.
    assert.deepStrictEqual([...r.asked.slice(0, 3)].sort(), [1, 2, 3]);
    assert.deepStrictEqual(r.asked.slice(3), [2]);
    assert.ok(r.ms < 1500, `took ${r.ms} ms`);
  });

  it("when the last follower hangs (its node lost), finds another within one question's bound more", async function () {
    const r = await check(`last_follower=1; a_follower 0 3 250 && echo "followed by $last_follower"`, {
      1: "hangs",
      2: "follows",
    });
    assert.strictEqual(r.stdout.trim(), "followed by 2");
    assert.strictEqual(r.asked[0], 1);
    assert.ok(r.asked.includes(2));
    // 1 s on the hanging one, then the others at once.
    assert.ok(r.ms >= 900 && r.ms < 1800, `took ${r.ms} ms`);
  });

  it("does not count a replica of another source, and asks again until the budget runs out", async function () {
    const r = await check(`if a_follower 0 3 150; then echo followed; else echo "not followed"; fi`, {
      1: "elsewhere",
      2: "refuses",
    });
    assert.strictEqual(r.stdout.trim(), "not followed");
    assert.ok(r.asked.length >= 4, `asked ${r.asked.join(",")}: expected repeated sweeps within 1.5 s`);
    assert.ok(r.ms >= 1000 && r.ms < 2500, `took ${r.ms} ms for a 1.5 s budget`);
  });

  it("gives up within its budget when every replica hangs", async function () {
    const r = await check(`if a_follower 2 3 200; then echo followed; else echo "not followed"; fi`, {
      0: "hangs",
      1: "hangs",
    });
    assert.strictEqual(r.stdout.trim(), "not followed");
    assert.ok(!r.asked.includes(2), "asked itself");
    // 2 s of budget: the hung questions are cut at the budget's end (plus timeout's kill grace).
    assert.ok(r.ms < 3500, `took ${r.ms} ms for a 2 s budget`);
  });

  it("fails at once for a one-pod cluster (nobody to follow)", async function () {
    const r = await check(`if a_follower 0 1 300; then echo followed; else echo "not followed"; fi`, {});
    assert.strictEqual(r.stdout.trim(), "not followed");
    assert.deepStrictEqual(r.asked, []);
    assert.ok(r.ms < 1000);
  });

  it("peer_writable (a candidate's question to the old primary): one that never answers costs one bound, not the 5 s connect timeout", async function () {
    const r = await check(
      `peer_writable 1; echo "lost rc=$?"; peer_writable 2; echo "writable rc=$?"; peer_writable 3; echo "refuses rc=$?"`,
      { 1: "hangs", 2: "writable", 3: "refuses" },
    );
    assert.strictEqual(r.stdout, "lost rc=1\nwritable rc=0\nrefuses rc=1\n");
    assert.deepStrictEqual(r.asked, [1, 2, 3]);
    assert.ok(r.ms < 2500, `took ${r.ms} ms`);
  });

  it("set_fence_deadline gives up after 2 s on a server whose commits hang, so the agent goes on to fence", async function () {
    // The server's socket (no --host): a client that never returns, as behind a commit waiting for an acknowledgement.
    const r = await check(`: >"$ROOT_CNF"; set_fence_deadline 5.00; echo "rc=$?"`, { "": "hangs" });
    assert.strictEqual(r.stdout, "rc=124\n");
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
  });
});
