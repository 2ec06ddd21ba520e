// Restoring a new cluster from a base backup in the object store (issue 17,
// setting restoreFromStore): the source cluster's backup Job uploads an
// encrypted backup to s3rver (tests/e2e/object-store.ts, on the pod bridge's
// gateway); a new cluster's fetch-backup step streams it back through rclone's
// crypt (Debian's rclone standing in for the rclone/rclone image's) onto the
// data volume, and init-data starts from exactly the backup point. With the
// wrong encryption key the download fails in one line and no data directory
// is made; a backup the store lacks is named with the ones it holds.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { FILES } from "../../components/mysql-cluster/contract";
import { E2E_ARGS, TestCluster } from "./helpers";
import { ObjectStore } from "./object-store";
import { RUNNER_HOST_NAME } from "../../local/dns";
import { MySqlClusterArgs } from "../../components/mysql-cluster/mysql-cluster-args";

const BUCKET = "backups";
const KEYS = { "access-key-id": "S3RVER", "secret-access-key": "S3RVER", "encryption-key": "restore-test-key" };

/** The user's Secret for the store, as `kubectl create secret generic NAME --from-literal=...` makes it. */
const storeSecret = (name: string, keys: Record<string, string>) => (objects: object[]) =>
  objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "default" }, stringData: { ...keys } });

describe("restoring a new cluster from the object store", function () {
  this.timeout(900_000);
  let source: TestCluster | undefined;
  let store: ObjectStore | undefined;
  let checksumAtBackup = "";
  let backupName = "";

  /** A new one-pod cluster restoring from the source's prefix, with the store's Secret holding `keys`. */
  const restoring = (name: string, keys: Record<string, string>, extra: Partial<MySqlClusterArgs> = {}) =>
    new TestCluster(
      name,
      {
        ...E2E_ARGS,
        replicas: 1,
        // By the runner's host name: this cluster's pods reach the store on their own gateway (listenAlso).
        backupStoreEndpoint: store!.endpointNamed(RUNNER_HOST_NAME),
        backupStoreBucket: BUCKET,
        backupStoreSecret: `${name}-store`,
        restoreFromStore: "rss",
        ...extra,
      },
      {},
      storeSecret(`${name}-store`, keys),
    );

  /**
   * Starts `cluster` and, as soon as its network exists, lets its pods reach the store on their
   * own gateway (a cluster's pods route to no other cluster's). Until then fetch-backup fails
   * and is restarted, as a kubelet restarts a failed init container.
   */
  async function startReaching(cluster: TestCluster): Promise<{ starting: Promise<Error | TestCluster> }> {
    const starting = cluster.up().catch((error: Error) => error);
    await cluster.runner.waitFor(
      `${cluster.name}'s network, to reach the store from it`,
      async () => {
        if (cluster.runner.hostAddress().includes("-1")) return false;
        return store!.listenAlso(cluster.runner.hostAddress()).then(
          () => true,
          () => false, // the bridge's address is not assigned yet
        );
      },
      60_000,
    );
    return { starting };
  }

  before(async () => {
    store = await new ObjectStore("127.0.0.1", BUCKET).start();
    source = new TestCluster(
      "rss",
      {
        ...E2E_ARGS,
        replicas: 1,
        backupSchedule: "0 3 * * *",
        backupTarget: "store",
        // By the runner's host name: the pods reach the store on their gateway (upWith).
        backupStoreEndpoint: store.endpointNamed(RUNNER_HOST_NAME),
        backupStoreBucket: BUCKET,
        backupStoreSecret: "rss-store",
      },
      {},
      storeSecret("rss-store", KEYS),
    );
    await store.upWith(source);
    await source.query(0, "CREATE TABLE items (id INT PRIMARY KEY, note VARCHAR(40))");
    for (let i = 1; i <= 200; i++) await source.query(0, `INSERT INTO items VALUES (${i}, 'before the backup ${i}')`);
    checksumAtBackup = await source.checksums(0);
    const job = await source.runner.runJob("rss-backup");
    assert.strictEqual(job.code, 0, `the backup Job failed: ${job.logs.backup}`);
    backupName = /uploaded (\d{8}T\d{6}Z) to the object store/.exec(job.logs.backup)?.[1] ?? "";
    assert.ok(backupName, `the Job logged no upload: ${job.logs.backup}`);
    await source.query(0, "INSERT INTO items VALUES (1001, 'after the backup')");
  });
  after(async () => {
    await source?.down();
    await store?.remove();
  });

  it("starts a new cluster from the newest backup in the store: the backup point exactly, its own passwords", async () => {
    const restored = restoring("rsr", KEYS);
    try {
      const started = await (await startReaching(restored)).starting;
      assert.ok(!(started instanceof Error), `the restoring cluster did not start: ${started}`);
      assert.strictEqual(
        await restored.checksums(0),
        checksumAtBackup,
        "the restored data differs from the backup point",
      );
      assert.notStrictEqual(await source!.checksums(0), checksumAtBackup, "the source moved on after the backup");
      const fetched = restored.logsSoFar(0, "fetch-backup");
      assert.match(
        fetched,
        new RegExp(`downloaded backup ${backupName} in \\d+s \\(name=${backupName} gtid=\\S+ `),
        fetched,
      );
      const initData = restored.logsSoFar(0, "init-data");
      assert.match(initData, new RegExp(`restoring the downloaded backup \\(name=${backupName} `), initData);
      assert.ok(
        !fs.existsSync(path.join(restored.runner.pvcDir("data", 0), FILES.restoreDownload)),
        "the download was left",
      );
      // The app user logged in above with the new cluster's password; no root from the source's pods.
      assert.strictEqual(
        await restored.rootSql(0, "SELECT COUNT(*) FROM mysql.user WHERE user = 'root' AND host <> 'localhost'"),
        "0\n",
      );
      await restored.query(0, "INSERT INTO items VALUES (2001, 'written to the restored cluster')");
    } finally {
      await restored.down();
    }
  });

  it("with the wrong encryption key: fetch-backup fails in one line naming the key, and no data directory is made", async () => {
    const wrong = restoring("rsw", { ...KEYS, "encryption-key": "not-the-key" });
    const { starting } = await startReaching(wrong);
    try {
      await wrong.runner.waitFor(
        "fetch-backup to say the key is wrong",
        () => /store: wrong encryption key/.test(wrong.logsSoFar(0, "fetch-backup")),
        120_000,
      );
      const lines = wrong
        .logsSoFar(0, "fetch-backup")
        .split("\n")
        .filter((l) => /store|restore/.test(l));
      assert.ok(
        lines.some((l) => /cannot restore from the object store \(setting restoreFromStore "rss"\)/.test(l)),
        lines.join("\n"),
      );
      assert.ok(!wrong.runner.isReady(0));
      // The pod's data volume as the runner keeps it: the staging directory was never renamed into place.
      const volume = wrong.runner.pvcDir("data", 0);
      assert.ok(fs.existsSync(volume), `no data volume at ${volume}`);
      assert.ok(
        !fs.existsSync(path.join(volume, FILES.dataDir)),
        "a data directory was made from a backup that did not decrypt",
      );
    } finally {
      await wrong.down();
      await starting;
    }
  });

  it("names the complete backups when restoreBackup names one the store does not hold", async () => {
    const missing = restoring("rsm", KEYS, { restoreBackup: "20200101T000000Z" });
    const { starting } = await startReaching(missing);
    try {
      await missing.runner.waitFor(
        "fetch-backup to name the complete backups",
        () =>
          new RegExp(`20200101T000000Z is not a complete backup under \\S+; complete backups: ${backupName}`).test(
            missing.logsSoFar(0, "fetch-backup"),
          ),
        120_000,
      );
      assert.ok(!missing.runner.isReady(0));
    } finally {
      await missing.down();
      await starting;
    }
  });
});
