// The failover agent's holder decisions (failover-agent.sh), round by round
// on a stubbed clock, API and server: the agent's own functions run, its
// main loop does not (the test drives round()). What it proves: fence()
// fences the server before it talks to the API; a takeover whose answer was
// lost still waits the takeover margin; a holder whose renewal failed does not
// reopen a server that fenced itself; a renewal the API leaves unanswered
// starts the failsafe in the same round, an answered refusal does not; a
// scale-down during a failover (the Role names only pods below the
// StatefulSet's replicas) neither blocks a new holder on relabelling a
// previous one it removes nor leaves a holder past replicas outside the write
// Service: it hands the Lease to a kept replica.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

/** The agent up to its main loop, then stubs for everything that reaches the API, the server or the clock. */
function driver(sandbox: Sandbox, body: string): string {
  const agent = fs.readFileSync(path.join(sandbox.scripts, "failover-agent.sh"), "utf8");
  const loop = agent.indexOf('\nlog "failover agent started');
  assert.ok(loop > 0, "the agent's main loop starts with its 'failover agent started' line");
  return `${agent.slice(0, loop)}
# ---- test stubs ----
# The agent's own strict_semi_sync, for the tests that follow it (stubbed below).
eval "agent_$(declare -f strict_semi_sync)"
# Into a file: the agent sends some of these calls' output to /dev/null.
calls() { printf '%s\\n' "$*" >>"$CALLS"; }
NOW=10000 LEASE_HOLDER=mysql-1 LEASE_RV=1 PATCH_OK=1 WRITABLE=0
mono_now() { now=$NOW; }
read_lease() { holder=$LEASE_HOLDER rv=$LEASE_RV term=2 request="" done_request="" previous=mysql-0; }
PATCH_STATUS=000
patch_lease() { [[ $PATCH_OK == 1 ]] || { api_status=$PATCH_STATUS; calls "patch failed"; return 1; }; calls "patch"; LEASE_RV=$((LEASE_RV + 1)); rv=$LEASE_RV seen_rv=$LEASE_RV; }
read_replicas() { replicas=3; }
is_writable() { [[ $WRITABLE == 1 ]]; }
stop_listening() { :; }
applied_all_received() { return 0; }
label_pod() { calls "label $*"; }
set_fence_deadline() { calls "deadline $*"; }
sql_root_within() { calls "server: \${*: -1}"; }
fence_server() { calls "fence_server"; }
event_create() { calls "event $3"; }
publish_state() { :; }
strict_semi_sync() { :; }
set_wait_without_replicas() { calls "wait without replicas $*"; }
round_at() { NOW=$1; calls "-- round at $1 (role $role)"; round; }
${body}
`;
}

describe("failover-agent.sh: the holder's decisions, round by round", function () {
  let sandbox: Sandbox;
  before(function () {
    sandbox = makeSandbox();
    // promote.sh opens the server; here it only says so.
    fs.writeFileSync(path.join(sandbox.scripts, "promote.sh"), 'printf "promote %s\\n" "$1" >>"$CALLS"\n');
  });
  after(() => sandbox.remove());

  const run = async (body: string): Promise<string[]> => {
    const file = path.join(sandbox.scripts, "agent-driver.sh");
    const calls = path.join(sandbox.dir, "calls.log");
    fs.writeFileSync(file, driver(sandbox, body));
    fs.writeFileSync(calls, "");
    const r = await runBash(sandbox, `bash "${file}"`, {
      POD_NAME: "mysql-1",
      POD_NAMESPACE: "ns",
      STS_NAME: "mysql",
      LEASE_NAME: "mysql-primary",
      LEASE_SECONDS: "10",
      FAILOVER: "true",
      CALLS: calls,
    });
    assert.strictEqual(r.code, 0, r.stderr);
    return fs.readFileSync(calls, "utf8").trim().split("\n");
  };

  it("fences the server (deadline now, read-only) before it posts the Event", async function () {
    const lines = await run(`role=primary; fence "test"`);
    const deadline = lines.findIndex((l) => /^server: .*REPLACE INTO cluster_meta\.fence/.test(l));
    const fenced = lines.indexOf("fence_server");
    const event = lines.indexOf("event Fenced");
    assert.ok(deadline >= 0 && fenced > deadline, `the deadline, then read-only: ${lines.join(" | ")}`);
    assert.ok(event > fenced, `the Event after the server: ${lines.join(" | ")}`);
  });

  it("a takeover whose answer was lost waits the takeover margin once it reads that it holds the Lease", async function () {
    // The candidate stopped listening (lost); its PATCH timed out but landed: the Lease names it.
    const lines = await run(`role=lost seen_rv=0
round_at 10000; round_at 10100; round_at 10190; round_at 10210`);
    const promoted = lines.findIndex((l) => l.startsWith("promote "));
    const after = lines.findIndex((l) => l.startsWith("-- round at 10210"));
    assert.ok(promoted > after, `opened before the margin (2 s) had passed: ${lines.join(" | ")}`);
  });

  it("a holder whose renewal failed does not reopen its fenced server; after a recorded renewal it does", async function () {
    // Primary, server read-only (the fence event fired: the deadline ran out), last renewal 10 s ago.
    const lines = await run(`role=primary last_renew_sent=9000 seen_rv=1 WRITABLE=0 PATCH_OK=0
round_at 10000; round_at 10300
PATCH_OK=1; round_at 10600`);
    const promoted = lines.findIndex((l) => l.startsWith("promote "));
    const renewed = lines.indexOf("patch");
    assert.ok(promoted >= 0, `never reopened after a renewal: ${lines.join(" | ")}`);
    assert.ok(promoted > renewed && renewed > lines.indexOf("-- round at 10600"), lines.join(" | "));
  });

  it("a renewal the API leaves unanswered asks a follower and moves the deadline in that round, without another API call", async function () {
    const body = (
      status: string,
    ) => `role=primary last_renew_sent=9800 seen_rv=1 WRITABLE=1 PATCH_OK=0 PATCH_STATUS=${status}
a_follower() { calls "asked followers"; last_follower=2; }
read_replicas() { calls "read_replicas"; replicas=3; }
round_at 10000`;
    const unanswered = await run(body("000"));
    const failed = unanswered.indexOf("patch failed");
    const asked = unanswered.indexOf("asked followers");
    assert.ok(failed >= 0 && asked > failed, `no follower asked after the failed renewal: ${unanswered.join(" | ")}`);
    assert.ok(
      unanswered.slice(asked).some((l) => l.startsWith("deadline ")),
      `the deadline was not moved: ${unanswered.join(" | ")}`,
    );
    assert.ok(
      !unanswered.includes("read_replicas"),
      `another API call after the failed renewal: ${unanswered.join(" | ")}`,
    );
    // A 503 is no answer either; a 409 is: the next read says who holds the Lease.
    assert.ok((await run(body("503"))).includes("asked followers"), "a 503 renewal did not start the failsafe");
    const conflict = await run(body("409"));
    assert.ok(!conflict.includes("asked followers"), `a 409 started the failsafe: ${conflict.join(" | ")}`);
  });

  /** A Lease held by HOLDER after PREVIOUS, a StatefulSet of REPLICAS, and a Role naming pods below it (403 past it). */
  const scaledDown = (holder: string, previous: string, replicas: number) => `
read_lease() { holder=${holder} rv=$LEASE_RV term=2 request="" done_request="" previous=${previous}; }
read_replicas() { replicas=${replicas}; }
label_pod() { calls "label $*"; local o=\${1##*-}; (( o < ${replicas} )) || { api_status=403; return 1; }; }`;

  it("a new holder promotes although it cannot relabel a previous holder that a scale-down removes", async function () {
    // Pod 1 took the Lease from pod 2, which the scale-down to 2 left out of the Role.
    const past = await run(`${scaledDown("mysql-1", "mysql-2", 2)}
role=promoting seen_rv=1 last_renew_sent=10000
round_at 10000`);
    assert.ok(
      past.some((l) => l.startsWith("promote ")),
      `waited on relabelling a pod past replicas: ${past.join(" | ")}`,
    );
    assert.ok(past.includes("label mysql-1 primary"), past.join(" | "));
    // The same refusal for a pod the StatefulSet keeps is an error to wait out, not to pass.
    const kept = await run(`${scaledDown("mysql-1", "mysql-2", 3)}
label_pod() { calls "label $*"; [[ $1 != mysql-2 ]] || { api_status=403; return 1; }; }
role=promoting seen_rv=1 last_renew_sent=10000
round_at 10000`);
    assert.ok(!kept.some((l) => l.startsWith("promote ")), `promoted past a refused relabel: ${kept.join(" | ")}`);
  });

  it("a holder past the StatefulSet's replicas opens, then hands the Lease to a kept replica that follows it", async function () {
    const lines = await run(`${scaledDown("mysql-2", "mysql-0", 2)}
me=mysql-2 my_ordinal=2
follows_me() { calls "asked $2"; [[ $2 == 1 ]]; }
hand_over() { calls "hand_over $1"; holder=$1 role=replica; }
role=promoting seen_rv=1 last_renew_sent=10000
round_at 10000; round_at 10100`);
    const promoted = lines.findIndex((l) => l.startsWith("promote "));
    const handed = lines.indexOf("hand_over mysql-1");
    assert.ok(promoted >= 0, `never opened: ${lines.join(" | ")}`);
    assert.ok(handed > promoted, `never handed the Lease to the kept follower: ${lines.join(" | ")}`);
    assert.ok(lines.indexOf("asked 0") < handed, `pod 0 (lost) was not asked first: ${lines.join(" | ")}`);
  });

  it("a primary whose server restarts makes commits wait for a replica again before it reopens", async function () {
    // A two-pod cluster: pod 1 holds the Lease; its replica connected once (commits wait
    // for it from then on), then went away; pod 1's server restarts with the configured OFF.
    const lines = await run(`read_replicas() { replicas=2; }
strict_semi_sync() { agent_strict_semi_sync; }
CLIENTS=1; semi_sync_clients() { printf '%s' "$CLIENTS"; }
role=primary seen_rv=1 last_renew_sent=9800 WRITABLE=1
round_at 10000
CLIENTS=0 WRITABLE=0
round_at 10200; round_at 10400`);
    const strictOn = lines.indexOf("wait without replicas ON");
    const restart = lines.indexOf("-- round at 10200 (role primary)");
    const promoted = lines.findIndex((l) => l.startsWith("promote "));
    assert.ok(strictOn >= 0 && strictOn < restart, `never waited for the replica: ${lines.join(" | ")}`);
    assert.ok(promoted > restart, `the restarted server was not reopened: ${lines.join(" | ")}`);
    const again = lines.indexOf("wait without replicas ON", restart);
    assert.ok(again > restart && again < promoted, `reopened before waiting again: ${lines.join(" | ")}`);
    assert.ok(
      !lines.slice(strictOn).includes("wait without replicas OFF"),
      `acknowledged commits alone after the restart: ${lines.join(" | ")}`,
    );
  });

  it("while a switchover is pending the other pods read the Lease ten times a second, for 30 s at most", async function () {
    const lines = await run(`api_ok=1 holder=mysql-0 request=mysql-1 done_request=""
at() { now=$1; next_pause; calls "$2 $pause_for"; }
at 10000 pending; at 12900 "still pending"; at 13000 "after 30 s"
done_request=mysql-1; at 13100 fulfilled
done_request="" awaiting_since=0 request=mysql-2; at 13200 "another target"
request=""; at 13250 "no request"
request=mysql-1 holder=mysql-1; at 13300 holder`);
    assert.deepStrictEqual(lines, [
      "pending 0.1",
      "still pending 0.1",
      "after 30 s 1",
      "fulfilled 1",
      "another target 0.1",
      "no request 1",
      "holder 1",
    ]);
  });

  it("says it is promoting before it opens the server, so the sidecar does not demote it", async function () {
    // Pod 1 has just been handed the Lease; what it published last still says replica.
    const lines = await run(`publish_state() { calls "publish $*"; }
role=replica seen_rv=0 last_renew_sent=9000
round_at 10000`);
    const promoted = lines.findIndex((l) => l.startsWith("promote "));
    const said = lines.indexOf("publish promoting 1 2");
    assert.ok(promoted >= 0, `never opened: ${lines.join(" | ")}`);
    assert.ok(said >= 0 && said < promoted, `opened while the published role was not promoting: ${lines.join(" | ")}`);
  });

  it("a handover passes the Lease on before it posts an Event", async function () {
    const lines = await run(`progress_state() { printf 'Yes 0-1-5 0-1-5\\n'; }
peer_host() { printf 'mysql-%s.peers\\n' "$1"; }
role=primary holder=mysql-1 term=2 request=mysql-2 done_request="" seen_rv=1
hand_over mysql-2`);
    const fenced = lines.indexOf("fence_server");
    const passed = lines.indexOf("patch");
    const event = lines.findIndex((l) => l.startsWith("event "));
    assert.ok(fenced >= 0 && passed > fenced, `not fenced, then passed on: ${lines.join(" | ")}`);
    assert.ok(event > passed, `an API call before the Lease was passed on: ${lines.join(" | ")}`);
  });
});
