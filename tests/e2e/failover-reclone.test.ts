// A failover while a replica re-clones (issue 16), arranged, not caught by
// luck: the primary's backup listener is frozen before the lowest other pod
// is asked to re-clone, so its stream cannot start (each attempt is refused,
// and tried again 5 s later) and that pod's server is down, its marker set,
// when the primary's node is lost. The survivor's listener is frozen too, so
// the re-clone's retries (from the survivor, the primary being gone) cannot
// finish until the survivor's agent has said it will not take over while the
// re-cloning pod does not answer (it could hold an acknowledged commit); then
// the listener thaws, the clone finishes, and the survivor is promoted (a
// fresh clone, its replication not set up, is no candidate). Runs in the
// failover frame with the Lease recorded (failover-support.ts racing): no
// acknowledged write lost, never two writable servers, one change of holder.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "./helpers";
import { assertHandovers, logLine, racing, seconds, withSidecarLogs } from "./failover-support";

const ALL = [0, 1, 2];
/** The sidecar's backup listener (sidecar.sh): the source end of every clone stream. */
const LISTENER = /^(\S*\/)?socat .*OPENSSL-LISTEN:/;
/** The line clone-data.sh logs as a clone's stream starts, naming its source pod. */
const cloningFrom = (o: number) => new RegExp(`clone-data\\.sh: cloning from \\S*-${o}\\.`);
/** The marker that asks a sidecar for a re-clone (lib.sh RECLONE_MARKER), as configure-replication sets it. */
const RECLONE_MARKER = "/var/lib/mysql/reclone-requested";

describe("automatic failover: while a replica re-clones", function () {
  this.timeout(900_000);
  let cluster: TestCluster;
  /** Nodes lost and listeners frozen: a failed scenario leaves the cluster whole for `after`. */
  const lostNodes = new Set<number>();
  const frozen = new Set<number>();

  before(async () => {
    cluster = await new TestCluster("frc", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.waitPrimary(0);
    await cluster.waitConsistent(ALL, 120_000, 0);
  });
  after(async () => cluster?.down());
  afterEach(async () => {
    for (const o of [...frozen]) freezeListener(o, false);
    for (const o of [...lostNodes]) await restoreNode(o);
  });

  async function loseNode(o: number): Promise<void> {
    lostNodes.add(o);
    frozen.delete(o); // its processes die with the node
    await cluster.runner.loseNode(o);
  }
  async function restoreNode(o: number): Promise<void> {
    lostNodes.delete(o);
    await cluster.runner.restoreNode(o);
  }
  function freezeListener(o: number, on: boolean): void {
    const n = cluster.runner.freezeProcesses(o, "sidecar", LISTENER, on);
    assert.ok(n >= 1, `pod ${o}'s backup listener was not found to ${on ? "freeze" : "thaw"}`);
    if (on) frozen.add(o);
    else frozen.delete(o);
  }
  /** Every pod Ready and holding what the primary holds. */
  async function settled(): Promise<void> {
    for (const o of ALL) await cluster.runner.waitReady(o, 300_000);
    await cluster.waitConsistent(ALL, 180_000, await cluster.waitPrimary());
  }

  it("the primary lost mid-clone: no takeover until the clone answers, which finishes from the survivor", async () => {
    const old = cluster.leaseHolder()!;
    // The lowest other pod clones from the primary (no caught-up replica below it); the third survives.
    const [cloning, survivor] = ALL.filter((o) => o !== old);
    const { history, after } = await withSidecarLogs(cluster, ALL, () =>
      racing(cluster, ALL, `losing pod ${old} while pod ${cloning} re-clones`, async () => {
        freezeListener(old, true);
        const cloningLog = cluster.logsSoFar(cloning, "sidecar").length;
        const touch = await cluster.runner.exec(cloning, "sidecar", ["touch", RECLONE_MARKER]);
        assert.strictEqual(touch.code, 0, touch.stderr);
        // The first attempt streams from the primary (its listener frozen: it cannot finish).
        await logLine(cluster, cloning, "sidecar", cloningLog, cloningFrom(old), 60_000);
        // The survivor will be the only source left: its stream is held too, until the refusal below.
        freezeListener(survivor, true);
        const marker = await cluster.runner.exec(cloning, "sidecar", ["test", "-f", RECLONE_MARKER]);
        assert.strictEqual(marker.code, 0, `the re-clone was under way when pod ${old} was lost`);
        const survivorLog = cluster.logsSoFar(survivor, "sidecar").length;
        const retryLog = cluster.logsSoFar(cloning, "sidecar").length;
        const t0 = Date.now();
        await loseNode(old);
        await logLine(
          cluster,
          survivor,
          "sidecar",
          survivorLog,
          new RegExp(`not taking over: ordinal ${cloning} does not answer`),
          120_000,
        );
        const refusedAt = Date.now();
        assert.strictEqual(cluster.leaseHolder(), old, `nobody took the Lease while pod ${cloning} did not answer`);
        // The retry streams from the live replica, never from the lost primary again.
        await logLine(cluster, cloning, "sidecar", retryLog, cloningFrom(survivor), 120_000);
        freezeListener(survivor, false);
        const cloned = await logLine(cluster, cloning, "sidecar", retryLog, /cloned from (\S+) at GTID (\S+)/, 180_000);
        assert.match(cloned[1], new RegExp(`-${survivor}\\.`), "the clone came from the live replica");
        const clonedAt = Date.now();
        await cluster.runner.waitFor(
          `a pod other than ${old} to hold the Lease`,
          () => ![old, undefined].includes(cluster.leaseHolder()),
          120_000,
        );
        return (
          `after pod ${old} was lost: pod ${survivor} refused to take over at ${seconds(refusedAt - t0)} s, ` +
          `pod ${cloning}'s clone (from pod ${survivor}, GTID ${cloned[2]}) ended at ${seconds(clonedAt - t0)} s, ` +
          `pod ${cluster.leaseHolder()} took the Lease at ${seconds(Date.now() - t0)} s`
        );
      }),
    );
    assert.strictEqual(after, survivor, "the survivor, not the fresh clone, is promoted");
    assertHandovers(history, [old, survivor], "the failover during a re-clone");
    await restoreNode(old);
    await settled();
  });
});
