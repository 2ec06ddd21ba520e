// Where a clone or re-clone streams from (lib.sh clone_source), with every
// peer's server stubbed: a lost primary must not be chosen again and again
// while a failover waits for the re-cloning pod (issue 16), so when the
// primary does not answer the most advanced replica that does is chosen.
// Run with no PATH, as in the backup image.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

const ENV = {
  POD_NAME: "db-1",
  STS_NAME: "db",
  HEADLESS_SERVICE: "db",
  POD_NAMESPACE: "data",
  CLUSTER_DOMAIN: "cluster.local",
};

describe("lib.sh clone_source: the clone's source", function () {
  let sandbox: Sandbox;
  let tmp: string;
  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clone-source-"));
    sandbox = makeSandbox({ TMP_DIR: tmp });
    fs.writeFileSync(path.join(sandbox.secrets, "monitor-password"), "m0nitor");
  });
  after(function () {
    sandbox.remove();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * `peers`: ordinal -> "down" (no answer), "gone" (the name does not resolve) or "io sql lag" as
   * replication_state reads it; the agent published `primary` as the Lease's holder.
   */
  const choose = (me: number, primary: number, peers: Record<number, string>) => {
    fs.writeFileSync(path.join(sandbox.run, "agent-state"), `lost ${primary} 4\n`);
    const table = Object.entries(peers)
      .map(([o, s]) => `[${o}]="${s}"`)
      .join(" ");
    return runBash(
      sandbox,
      `source "$LIB"
PATH=/nonexistent
declare -A peers=(${table})
sql_remote() {
  local host=$1 o state; shift 3
  o=\${host%%.*}; o=\${o##*-}
  state=\${peers[$o]:-gone}
  case $state in
    gone) printf "ERROR 2005 (HY000): Unknown server host '%s' (-2)\\n" "$host" >&2; return 1 ;;
    down) printf "ERROR 2002 (HY000): Can't connect to server on '%s' (115)\\n" "$host" >&2; return 1 ;;
  esac
  local io sql lag; read -r io sql lag <<<"$state"
  [[ $* == *SHOW\\ REPLICA\\ STATUS* ]] || return 0
  printf '*** 1. row ***\\nSlave_IO_Running: %s\\nSlave_SQL_Running: %s\\nMaster_Host: x\\nLast_IO_Errno: 0\\n*** 2. row ***\\nCluster_heartbeat_lag: %s\\n' "$io" "$sql" "$lag"
}
if o=$(clone_source ${me}); then echo "source $o"; else echo "no source"; fi`,
      ENV,
    );
  };

  it("clones from the nearest lower caught-up replica, sparing the primary", async function () {
    const r = await choose(2, 0, { 0: "none none 0", 1: "Yes Yes 0", 3: "Yes Yes 0" });
    assert.strictEqual(r.stdout.trim(), "source 1");
  });

  it("clones from the primary when no lower replica is caught up and the primary answers", async function () {
    const r = await choose(1, 0, { 0: "none none 0", 2: "Yes Yes 0" });
    assert.strictEqual(r.stdout.trim(), "source 0");
  });

  it("clones from the most advanced answering replica when the primary is lost, above its own ordinal too", async function () {
    // Pod 2 stopped listening to the lost primary (io No), its heartbeat ages; pod 3 is fresher still.
    const r = await choose(1, 0, { 0: "down", 2: "No Yes 14", 3: "No Yes 9", 4: "No No 2" });
    assert.strictEqual(r.stdout.trim(), "source 3");
    assert.match(r.stderr, /the primary \(ordinal 0\) does not answer/);
    assert.match(r.stderr, /not using ordinal 4: applier No/);
  });

  it("stops looking at the first name past its own that does not resolve, and fails when nobody answers", async function () {
    const r = await choose(1, 0, { 0: "down", 2: "down", 4: "Yes Yes 0" });
    assert.strictEqual(r.stdout.trim(), "no source");
  });
});
