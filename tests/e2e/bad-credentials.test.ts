// Wrong or missing passwords in the Secret: the pod fails, and the log or
// event says what is wrong and which Secret key to fix.

import * as assert from "assert";
import { SecretObject } from "../../components/mysql-cluster/builders/types";
import { E2E_ARGS, TestCluster } from "./helpers";

describe("a Secret with missing or wrong passwords", function () {
  this.timeout(300_000);

  it("fails a pod whose Secret lacks a key with a log line naming the Secret and the key", async () => {
    const cluster = new TestCluster("nokey", { ...E2E_ARGS, replicas: 1 }, {}, (objects) => {
      delete (objects.find((o) => (o as SecretObject<string>).kind === "Secret") as SecretObject<string>).stringData[
        "monitor-password"
      ];
    });
    const starting = cluster.up().catch((error: Error) => error);
    try {
      await cluster.runner.waitFor(
        "init-data to name the missing key",
        () =>
          /password "monitor-password" is empty or missing: set key "monitor-password" in Secret nokey-credentials/.test(
            cluster.logsSoFar(0, "init-data"),
          ),
        60_000,
      );
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
      await cluster.runner.waitFor(
        "init-data to name the bad password",
        () =>
          /password "root-password" in Secret badpw-credentials has characters outside/.test(
            cluster.logsSoFar(0, "init-data"),
          ),
        60_000,
      );
      assert.ok(!cluster.runner.isReady(0));
    } finally {
      await cluster.down();
      await starting;
    }
  });

  // What a new pod on a retained data volume meets (destroy, then up with the same clusterName,
  // generates new passwords): the pod is new (no working root password saved) and the data's root
  // password is not the Secret's. Staged here by changing the Secret and replacing the pod.
  it("says why a pod on data made with other passwords is not Ready, in the log and the readiness message, naming the Secret and the fix", async () => {
    const cluster = await new TestCluster("wrongpw", { ...E2E_ARGS, replicas: 1 }).up();
    try {
      cluster.passwords["root-password"] = "changedAfterBootstrap1";
      await cluster.runner.apply(cluster.render(1) as never);
      await cluster.runner.restartPod(0);
      const why =
        /the data on this pod's volume refuses root's password from Secret wrongpw-credentials key root-password: it was made with another one \(volumes kept from an earlier deployment of this clusterName, or a rotation this pod missed\); put the old passwords in that Secret, or delete the data volumes to start empty \(README: Reusing retained volumes\)/;
      await cluster.runner.waitFor(
        "the sidecar to say why root's password is refused",
        () =>
          new RegExp(`ERROR: ${why.source}\\. The server said: .*Access denied`).test(
            cluster.runner.logs(0, "sidecar"),
          ),
        120_000,
      );
      let message = "";
      await cluster.runner
        .waitFor(
          "the readiness probe to say why",
          async () => {
            message = (await cluster.runner.exec(0, "mysql", ["bash", "/scripts/probe.sh", "readiness"])).stdout;
            return why.test(message);
          },
          60_000,
        )
        .catch((e: Error) => {
          throw new Error(`${e.message}; the probe said: ${message}`);
        });
      assert.ok(!cluster.runner.isReady(0));
      assert.strictEqual(
        (cluster.runner.logs(0, "sidecar").match(/ERROR: the data on this pod's volume refuses/g) ?? []).length,
        1,
        "said more than once",
      );
    } finally {
      await cluster.down();
    }
  });
});
