// A planned switchover and a password rotation with the kubelet's real default
// ConfigMap/Secret refresh (syncFrequency 1m with 50 % jitter per pod, so each
// pod sees the change 0-90 s after `pulumi up`, each at its own moment; see
// KUBELET_SYNC_FREQUENCY_MS in local/cluster.ts). A switchover does not wait
// for it (the request travels through the Lease, issue 16); a rotation does,
// and each pod follows when its kubelet delivers the Secret.

import * as assert from "assert";

import { KUBELET_SYNC_FREQUENCY_MS } from "../../local/cluster";
import { E2E_ARGS, generatePassword, startAcknowledgedWriter, TestCluster } from "./helpers";

/** When each pod's volume `volume` was first updated by its kubelet sync after `since`, in s, polled from the events. */
function watchVolumeUpdates(cluster: TestCluster, volume: string, pods: number[], since: number) {
  const seen: Record<number, number> = {};
  const already = cluster.runner.events().length;
  const timer = setInterval(() => {
    for (const e of cluster.runner.events().slice(already)) {
      const m = new RegExp(
        `^${cluster.name}-(\\d+) volumes .*\\b${volume}\\b.* updated by the kubelet's periodic sync`,
      ).exec(e);
      if (m && pods.includes(Number(m[1])) && seen[Number(m[1])] === undefined)
        seen[Number(m[1])] = (Date.now() - since) / 1000;
    }
  }, 100);
  return { seen, stop: () => clearInterval(timer) };
}

describe("a switchover and a rotation with the kubelet's default refresh delay", function () {
  this.timeout(900_000);
  const name = "ksync";
  let cluster: TestCluster;
  const bound = (KUBELET_SYNC_FREQUENCY_MS * 1.5) / 1000;

  before(async () => {
    cluster = await new TestCluster(name, { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.queryWriteService("CREATE TABLE acks (id INT PRIMARY KEY)");
    await cluster.waitConsistent([1, 2]);
  });
  after(async () => cluster?.down());

  it("switches over with no acknowledged commit lost, without waiting for any kubelet to refresh a volume", async () => {
    const writer = startAcknowledgedWriter(cluster, "acks", "writeService");
    await cluster.runner.waitFor(
      "writes acknowledged before the switchover",
      () => writer.acknowledged.length >= 50,
      60_000,
    );
    const applied = Date.now();
    const topology = watchVolumeUpdates(cluster, "topology", [0, 1, 2], applied);
    await cluster.switchover(1);
    await cluster.waitPrimary(1, 60_000);
    const tookOver = (Date.now() - applied) / 1000;
    const before = writer.acknowledged.length;
    await cluster.runner.waitFor(
      "writes acknowledged after the switchover",
      () => writer.acknowledged.length >= before + 50,
      60_000,
    );
    await writer.stop();
    topology.stop();

    const onNewPrimary = new Set((await cluster.query<{ id: number }[]>(1, "SELECT id FROM acks")).map((r) => r.id));
    assert.deepStrictEqual(
      writer.acknowledged.filter((id) => !onNewPrimary.has(id)),
      [],
      "acknowledged commits missing on the new primary",
    );
    const gaps = writer.acknowledgedAt.slice(1).map((t, i) => t - writer.acknowledgedAt[i]);
    const pause = Math.max(...gaps) / 1000;
    const delivered = Object.keys(topology.seen).length;
    console.log(
      `      pod 1 took writes ${tookOver.toFixed(1)} s after the apply; longest write pause ${pause.toFixed(1)} s; ` +
        `${delivered} of 3 kubelets had delivered the topology by then`,
    );
    // The request travels through the Lease, read every second: the kubelet's 60-90 s refresh is not in the way.
    assert.ok(tookOver < 15, `the switchover took ${tookOver.toFixed(1)} s: it waited for something`);
    assert.ok(pause < 15, `writes paused ${pause.toFixed(1)} s`);
    await cluster.waitConsistent([0, 2], 300_000, 1);
  });

  it("rotates every password without a restart; each pod follows when its kubelet delivers the Secret", async () => {
    const old = { ...cluster.passwords };
    for (const key of Object.keys(cluster.passwords)) cluster.passwords[key] = generatePassword();
    const restarts = cluster.runner.status().map((p) => p.restarts);
    const applied = Date.now();
    const secrets = watchVolumeUpdates(cluster, "secrets", [0, 1, 2], applied);
    await cluster.runner.apply(cluster.render(3) as never);
    let newAccepted = 0;
    await cluster.runner.waitFor(
      "the primary (pod 1) to accept the new application password",
      async () => {
        const ok = await cluster.query(1, "SELECT 1").then(
          () => true,
          () => false,
        );
        if (ok) newAccepted = (Date.now() - applied) / 1000;
        return ok;
      },
      bound * 1000 + 60_000,
    );
    const rotatedAt: Record<number, number> = {};
    for (const ordinal of [0, 1, 2]) {
      await cluster.runner.waitFor(
        `pod ${ordinal} to take the rotated root password`,
        () => /root's password now follows the Secret \(rotated\)/.test(cluster.runner.logs(ordinal, "sidecar")),
        bound * 1000 + 60_000,
      );
      rotatedAt[ordinal] = (Date.now() - applied) / 1000;
    }
    secrets.stop();
    assert.ok(old["app-password"] !== cluster.passwords["app-password"]);
    console.log(
      `      Secret delivered after: ${[0, 1, 2].map((o) => `pod ${o} ${secrets.seen[o]?.toFixed(1)} s`).join(", ")}; ` +
        `new application password accepted after ${newAccepted.toFixed(1)} s; every pod's root rotated by ${Math.max(...Object.values(rotatedAt)).toFixed(1)} s`,
    );
    assert.ok(
      newAccepted >= (secrets.seen[1] ?? 0) - 1,
      "the primary took the new password before its kubelet delivered it",
    );
    await cluster.query(1, "INSERT INTO acks VALUES (10000000)");
    await cluster.waitConsistent([0, 2], 180_000, 1);
    assert.deepStrictEqual(
      cluster.runner.status().map((p) => p.restarts),
      restarts,
      "a pod restarted during the rotation",
    );
  });
});
