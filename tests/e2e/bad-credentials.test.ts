// Wrong or missing passwords in the Secret: the pod fails, and the log or
// event says what is wrong and which Secret key to fix.

import * as assert from "assert";
import { E2E_ARGS, TestCluster } from "./helpers";

type SecretObject = { kind: string; stringData: Record<string, string> };

describe("a Secret with missing or wrong passwords", function () {
  this.timeout(300_000);

  it("fails a pod whose Secret lacks a key with a log line naming the Secret and the key", async () => {
    const cluster = new TestCluster("nokey", { ...E2E_ARGS, replicas: 1 }, {}, (objects) => {
      delete (objects.find((o) => (o as SecretObject).kind === "Secret") as SecretObject).stringData["monitor-password"];
    });
    const starting = cluster.up().catch((error: Error) => error);
    try {
      await cluster.runner.waitFor("init-data to name the missing key", () =>
        /password "monitor-password" is empty or missing: set key "monitor-password" in Secret nokey-credentials/.test(cluster.logsSoFar(0, "init-data")), 60_000);
      assert.ok(!cluster.runner.isReady(0));
    } finally {
      await cluster.down();
      await starting;
    }
  });

  it("logs which password is unusable when a Secret value has characters the scripts refuse", async () => {
    const cluster = new TestCluster("badpw", { ...E2E_ARGS, replicas: 1 }, { "root-password": "it's'quoted" });
    const starting = cluster.up().catch((error: Error) => error);
    try {
      await cluster.runner.waitFor("init-data to name the bad password", () =>
        /password "root-password" in Secret badpw-credentials has characters outside/.test(cluster.logsSoFar(0, "init-data")), 60_000);
      assert.ok(!cluster.runner.isReady(0));
    } finally {
      await cluster.down();
      await starting;
    }
  });

  it("logs that the server refuses root's password when the Secret changed after bootstrap", async () => {
    const cluster = await new TestCluster("wrongpw", { ...E2E_ARGS, replicas: 1 }).up();
    try {
      cluster.passwords["root-password"] = "changedAfterBootstrap1";
      await cluster.runner.apply(cluster.render(1) as never);
      await cluster.runner.restartPod(0);
      await cluster.runner.waitFor("the sidecar to report the refused root password", () =>
        /server refuses root's password from Secret wrongpw-credentials, key root-password: .*Access denied/.test(cluster.runner.logs(0, "sidecar")), 120_000);
    } finally {
      await cluster.down();
    }
  });
});
