// Automatic failover while the cluster's membership changes (issue 16), on
// the failover frame with the Lease recorded (failover-support.ts racing): no
// acknowledged write lost, never two writable servers, each change of holder
// a new term. Both are arranged, not caught by luck:
// - a scale-down and up during a failover, the pod promoted being the one the
//   scale-down removes: pod 1 is cut off from the primary (pod 0), so only pod
//   2 acknowledges the commits that follow; pod 0's node is lost and
//   `replicas` goes 3 -> 2 at once. Pod 2, past the new replica count (the
//   Role no longer lets anyone label it) but the only member holding every
//   acknowledged commit, is promoted and hands the Lease to pod 1, the kept
//   pod that follows it; once pod 0 is back the scale-down removes pod 2 and
//   the cluster is scaled back to 3. Before the agent's fix the new holder
//   waited for ever to relabel pod 2: no primary after the scale-down;
// - a failover while a replica re-clones: the primary's backup listener is
//   frozen before the lowest other pod is asked to re-clone, so its stream
//   cannot start (each attempt is refused, and tried again 5 s later) and
//   that pod's server is down, its marker set, when the primary's node is
//   lost. The survivor's listener is frozen too, so the re-clone's retries
//   (from the survivor, the primary being gone) cannot finish until the
//   survivor's agent has said it will not take over while the re-cloning pod
//   does not answer (it could hold an acknowledged commit); then the
//   listener thaws, the clone finishes, and the survivor is promoted (a fresh
//   clone, its replication not set up, is no candidate).

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "../e2e/helpers";
import { assertHandovers, logLine, racing, seconds, withSidecarLogs } from "../e2e/failover-support";

const ALL = [0, 1, 2];
/** The sidecar's backup listener (sidecar.sh): the source end of every clone stream. */
const LISTENER = /^(\S*\/)?socat .*OPENSSL-LISTEN:/;
/** The line clone-data.sh logs as a clone's stream starts, naming its source pod. */
const cloningFrom = (o: number) => new RegExp(`clone-data\\.sh: cloning from \\S*-${o}\\.`);
/** The marker that asks a sidecar for a re-clone (lib.sh RECLONE_MARKER), as configure-replication sets it. */
const RECLONE_MARKER = "/var/lib/mysql/reclone-requested";

describe("automatic failover: while the membership changes", function () {
  this.timeout(900_000);
  let cluster: TestCluster;
  /** Nodes lost and peers cut and not yet back: a failed scenario leaves the next one a whole cluster. */
  const lostNodes = new Set<number>();
  const cuts: [number, number[]][] = [];
  const frozen = new Set<number>();

  before(async () => {
    cluster = await new TestCluster("fmb", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.waitPrimary(0);
    await cluster.waitConsistent(ALL, 120_000, 0);
  });
  after(async () => cluster?.down());
  afterEach(async () => {
    for (const o of [...frozen]) freezeListener(o, false);
    for (const [o, peers] of cuts.splice(0)) await cluster.runner.healPeers(o, peers);
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

  it("3 -> 2 -> 3 while the primary is lost: the pod scaled away is promoted and hands the Lease to a kept pod", async () => {
    assert.strictEqual(cluster.leaseHolder(), 0, "a new cluster's primary is pod 0");
    const { history } = await withSidecarLogs(cluster, ALL, () =>
      racing(cluster, ALL, "scaling 3 -> 2 -> 3 while pod 0 is lost", async ({ writer }) => {
        // Only pod 2 acknowledges from now on: 20 commits pod 1 never receives.
        await cluster.runner.cutPeers(1, [0]);
        cuts.push([1, [0]]);
        const acked = writer.acknowledged.length;
        await cluster.runner.waitFor(
          "20 commits acknowledged while pod 1 is cut off from pod 0",
          () => writer.acknowledged.length >= acked + 20,
          60_000,
        );
        const t0 = Date.now();
        await loseNode(0);
        for (const [o, peers] of cuts.splice(0)) await cluster.runner.healPeers(o, peers);
        const scalingDown = cluster.scale(2);
        // Pod 2 first (the Lease's history says so below), then pod 1, to which it hands the Lease.
        await cluster.waitPrimary(1, 90_000);
        const handedAt = Date.now();
        assert.deepStrictEqual(
          cluster.runner.status().map((p) => p.ordinal),
          ALL,
          "no pod was removed while the lost pod was not Running and Ready (OrderedReady)",
        );
        // The node comes back; once its pod is Ready the scale-down removes pod 2, now a
        // replica; then the cluster is scaled back up.
        await restoreNode(0);
        await scalingDown;
        assert.deepStrictEqual(
          cluster.runner.status().map((p) => p.ordinal),
          [0, 1],
        );
        await cluster.waitPrimary(undefined, 90_000);
        await cluster.scale(3);
        return `pod 1 took writes ${seconds(handedAt - t0)} s after pod 0 was lost`;
      }),
    );
    // Pod 2 took the Lease from pod 0 and handed it to pod 1: each a new term, nothing else.
    assertHandovers(history, [0, 2, 1], "the failover during a scale-down");
    await settled();
  });

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
