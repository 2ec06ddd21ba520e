// A failover while a replica re-clones (issue 16). The re-clone is caught
// mid-way by stopping its stream, not by luck: pod 0's (the primary's) backup
// listener is frozen before pod 1 is asked to re-clone, so pod 1's server is
// down, its marker set and its stream waiting when pod 0's node is lost. Pod
// 2's listener is frozen too, so the re-clone's retry (from pod 2, the primary
// being gone) waits until pod 2's agent has said it will not take over while
// pod 1 does not answer (that pod could hold an acknowledged commit); then the
// stream resumes, the clone finishes from pod 2, and pod 2 is promoted (a
// fresh clone, its replication not set up, is no candidate). Runs in the
// failover frame with the Lease recorded (failover-support.ts racing): no
// acknowledged write lost, never two writable servers, one change of holder.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "../e2e/helpers";
import { assertHandovers, logLine, racing, withSidecarLogs } from "../e2e/failover-support";

const ALL = [0, 1, 2];
/** The sidecar's backup listener (sidecar.sh): the source end of every clone stream. */
const LISTENER = /^(\S*\/)?socat .*OPENSSL-LISTEN:/;
const host = (o: number) => new RegExp(`-${o}\\.`);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

describe("automatic failover: while a replica re-clones", function () {
  this.timeout(900_000);
  let cluster: TestCluster;
  let lost = false;

  before(async () => {
    cluster = await new TestCluster("frc", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.waitPrimary(0);
    await cluster.waitConsistent(ALL, 120_000, 0);
  });
  after(async () => {
    if (lost) await cluster?.runner.restoreNode(0);
    await cluster?.down();
  });

  it("the primary lost mid-clone: no takeover until the clone answers, which finishes from the survivor", async () => {
    const frozen = new Set<number>();
    const freezeListener = (o: number, on: boolean) => {
      const n = cluster.runner.freezeProcesses(o, "sidecar", LISTENER, on);
      assert.ok(n >= 1, `pod ${o}'s backup listener was not found to ${on ? "freeze" : "thaw"}`);
      if (on) frozen.add(o);
      else frozen.delete(o);
    };
    const { history, after } = await withSidecarLogs(cluster, ALL, () =>
      racing(cluster, ALL, "losing pod 0 while pod 1 re-clones", async () => {
        try {
          freezeListener(0, true);
          const cloningLog = cluster.logsSoFar(1, "sidecar").length;
          // The marker asks the sidecar for a re-clone, as configure-replication does when it must.
          const touch = await cluster.runner.exec(1, "sidecar", ["touch", "/var/lib/mysql/reclone-requested"]);
          assert.strictEqual(touch.code, 0, touch.stderr);
          const first = await logLine(cluster, 1, "sidecar", cloningLog, /cloning from (\S+)/, 60_000);
          assert.match(first[1], host(0), "the first attempt streams from the primary");
          // Pod 2 will be the only source left: its stream is held too, until the refusal below.
          freezeListener(2, true);
          const marker = await cluster.runner.exec(1, "sidecar", ["test", "-f", "/var/lib/mysql/reclone-requested"]);
          assert.strictEqual(marker.code, 0, "the re-clone was under way when pod 0 was lost");
          const survivorLog = cluster.logsSoFar(2, "sidecar").length;
          const retryLog = cluster.logsSoFar(1, "sidecar").length;
          const t0 = Date.now();
          lost = true;
          frozen.delete(0); // its processes die with the node
          await cluster.runner.loseNode(0);
          await logLine(cluster, 2, "sidecar", survivorLog, /not taking over: ordinal 1 does not answer/, 120_000);
          const refusedAt = Date.now();
          assert.strictEqual(cluster.leaseHolder(), 0, "nobody took the Lease while pod 1 did not answer");
          const retry = await logLine(cluster, 1, "sidecar", retryLog, /cloning from (\S+)/, 120_000);
          assert.match(retry[1], host(2), "the retried re-clone streams from the live replica");
          freezeListener(2, false);
          const cloned = await logLine(cluster, 1, "sidecar", retryLog, /cloned from (\S+) at GTID (\S+)/, 180_000);
          assert.match(cloned[1], host(2));
          const clonedAt = Date.now();
          await cluster.runner.waitFor(
            "a pod other than 0 to hold the Lease",
            () => ![0, undefined].includes(cluster.leaseHolder()),
            120_000,
          );
          return (
            `after pod 0 was lost: pod 2 refused to take over at ${seconds(refusedAt - t0)} s, ` +
            `pod 1's clone (from pod 2, GTID ${cloned[2]}) ended at ${seconds(clonedAt - t0)} s, ` +
            `pod ${cluster.leaseHolder()} took the Lease at ${seconds(Date.now() - t0)} s`
          );
        } finally {
          for (const o of [...frozen]) freezeListener(o, false);
        }
      }),
    );
    assert.strictEqual(after, 2, "the survivor, not the fresh clone, is promoted");
    assertHandovers(history, [0, 2], "the failover during a re-clone");
    await cluster.runner.restoreNode(0);
    lost = false;
    for (const o of ALL) await cluster.runner.waitReady(o, 300_000);
    await cluster.waitConsistent(ALL, 180_000, await cluster.waitPrimary());
  });
});
