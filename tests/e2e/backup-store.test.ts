// Base backups to an S3-compatible object store (issue 17): the backup Job's
// pod, with rclone copied in by its tools init container (Debian's rclone
// standing in for rclone/rclone), uploads a hot backup of a replica,
// encrypted, to s3rver listening on the pod bridge's gateway (where pods reach
// this machine, as they reach the runner's API server). The bucket holds no
// plaintext, the manifest is written last, retention keeps exactly
// backupRetention, a dead store or a wrong key fails the Job with one clear
// line and lists nothing, and the next run succeeds and removes what a
// cut-off upload left.

import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SCRIPTS_DIR } from "../support/paths";
import { E2E_ARGS, TestCluster } from "./helpers";
import { RUNNER_HOST_NAME } from "../../local/dns";
import { ObjectStore } from "./object-store";

const NAME = /^[0-9]{8}T[0-9]{6}Z$/;
/** Written into the cluster and looked for, in plain, in the bucket. */
const CANARY_ROW = "plaintext-canary-93c1";
const CANARY_TABLE = "ledger_7f3a";

describe("base backups to an object store (s3rver, rclone crypt)", function () {
  this.timeout(900_000);
  let cluster: TestCluster | undefined;
  let store: ObjectStore | undefined;
  const secret = { "access-key-id": "S3RVER", "secret-access-key": "S3RVER", "encryption-key": "the-right-key" };
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "store-key-"));

  before(async () => {
    store = await new ObjectStore("127.0.0.1", "backups").start();
    cluster = new TestCluster(
      "bst",
      {
        ...E2E_ARGS,
        replicas: 2,
        backupSchedule: "0 3 * * *",
        backupTarget: "store",
        backupRetention: 2,
        // By the runner's host name: the pods reach the store on their gateway (upWith).
        backupStoreEndpoint: store.endpointNamed(RUNNER_HOST_NAME),
        backupStoreBucket: "backups",
        backupStoreSecret: "bst-store",
      },
      {},
      // The user's Secret, as `kubectl create secret generic bst-store --from-literal=...` makes it.
      (objects) =>
        objects.push({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "bst-store", namespace: "default" },
          stringData: { ...secret },
        }),
    );
    await store.upWith(cluster);
    await cluster.query(0, `CREATE TABLE ${CANARY_TABLE} (id INT PRIMARY KEY, note VARCHAR(60))`);
    await cluster.query(0, `INSERT INTO ${CANARY_TABLE} VALUES (1, '${CANARY_ROW}')`);
    await cluster.waitConsistent([1]);
  });
  after(async () => {
    await store?.stop();
    await cluster?.down();
    await store?.remove();
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  /**
   * bash with the repository's store-lib.sh and the host's rclone, configured as the Job configures it
   * (prefix bst). Asynchronous: s3rver answers from this process's event loop.
   */
  function vault(
    body: string,
    key = secret["encryption-key"],
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    fs.writeFileSync(path.join(keyDir, "key"), key);
    const child = spawn(
      "bash",
      [
        "-c",
        `set -o pipefail; source "${SCRIPTS_DIR}/store-lib.sh"; store_configure "${keyDir}/key" backups/bst\n${body}`,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH,
          STORE_RCLONE: "rclone",
          RCLONE_CONFIG_STORE_TYPE: "s3",
          RCLONE_CONFIG_STORE_PROVIDER: "Other",
          RCLONE_CONFIG_STORE_ENDPOINT: store!.endpoint,
          RCLONE_CONFIG_STORE_FORCE_PATH_STYLE: "true",
          RCLONE_CONFIG_STORE_NO_CHECK_BUCKET: "true",
          RCLONE_CONFIG_STORE_ACCESS_KEY_ID: "S3RVER",
          RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY: "S3RVER",
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    return new Promise((resolve) =>
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      }),
    );
  }
  /** Every base/ entry, and those with a manifest (the complete backups), oldest first. */
  async function listing(): Promise<{ all: string[]; complete: string[] }> {
    const all = (await vault("store_list base/")).stdout
      .split("\n")
      .filter(Boolean)
      .map((d) => d.replace(/\/$/, ""))
      .sort();
    const complete: string[] = [];
    for (const name of all)
      if ((await vault(`store_list base/${name}/manifest`)).stdout.trim() === "manifest") complete.push(name);
    return { all, complete };
  }
  const backup = () => cluster!.runner.runJob("bst-backup");

  it("uploads a replica's backup: data.tar then its manifest, and the bucket holds nothing in plain", async () => {
    const job = await backup();
    assert.strictEqual(job.code, 0, `backup failed:\n${job.logs.tools ?? ""}${job.logs.backup}`);
    assert.match(job.logs.backup, /backing up bst-1\.bst\./, "not taken from the replica");
    assert.match(job.logs.backup, /uploaded [0-9TZ]+ to the object store in \d+s \(\d+ bytes, encrypted\)/);
    const { all, complete } = await listing();
    assert.strictEqual(complete.length, 1, `complete: ${complete.join(", ")}`);
    assert.deepStrictEqual(all, complete);
    const name = complete[0];
    assert.match(name, NAME);

    const manifest = (await vault(`store_get base/${name}/manifest`)).stdout;
    assert.match(manifest, /^gtid=0-100-[0-9]+$/m);
    assert.match(manifest, /^source=bst-1\./m);
    assert.match(manifest, /^flavor=mariadb$/m);
    assert.match(manifest, /^bytes=[1-9][0-9]+$/m);
    // The manifest last: the server's modification time (when each upload completed) of each object.
    const times = await vault(
      `"$STORE_RCLONE" lsf --use-server-modtime --format pt --separator ' ' "vault:base/${name}/"`,
    );
    const at = Object.fromEntries(
      times.stdout
        .trim()
        .split("\n")
        .map((l) => [l.split(" ")[0], Date.parse(l.split(" ").slice(1).join("T") + "Z")]),
    );
    assert.deepStrictEqual(Object.keys(at).sort(), ["data.tar", "manifest"], times.stdout + times.stderr);
    assert.ok(at.manifest >= at["data.tar"], `manifest ${at.manifest} before data.tar ${at["data.tar"]}`);

    // Decrypted with the key, the tar is the prepared data directory with the application's table.
    const tar = await vault(`store_get base/${name}/data.tar | tar -tf -`);
    assert.strictEqual(tar.code, 0, tar.stderr);
    assert.ok(tar.stdout.split("\n").includes(`./shop/${CANARY_TABLE}.ibd`), "the tar lacks the table's file");
    const row = await vault(
      `store_get base/${name}/data.tar | tar -xOf - ./shop/${CANARY_TABLE}.ibd | grep -ac ${CANARY_ROW}`,
    );
    assert.strictEqual(
      row.stdout.trim(),
      "1",
      "the row is not in the backup: the plaintext check below would prove nothing",
    );
    // At rest: the bucket's files (names and contents) hold neither the row, nor the table's name, nor the layout's.
    for (const text of [CANARY_ROW, CANARY_TABLE, "manifest", "data.tar", name, "gtid="])
      assert.ok(!store!.holds(text), `the bucket holds "${text}" in plain`);
    // No credential or key in the Job's log.
    for (const value of Object.values(secret)) assert.ok(!job.logs.backup.includes(value), "a credential was logged");
  });

  it("keeps exactly backupRetention complete backups in the store", async () => {
    for (let run = 2; run <= 3; run++) {
      const job = await backup();
      assert.strictEqual(job.code, 0, `backup ${run} failed:\n${job.logs.backup}`);
    }
    const { all, complete } = await listing();
    assert.strictEqual(complete.length, 2, `complete: ${complete.join(", ")}`);
    assert.deepStrictEqual(all, complete, "something other than the kept backups is under base/");
    assert.ok(complete.every((n) => NAME.test(n)));
  });

  it("store down: the Job fails with one clear line, lists nothing new; the next run succeeds and removes a cut-off upload", async () => {
    const before = await listing();
    await store!.stop();
    const failed = await backup();
    assert.notStrictEqual(failed.code, 0, "the Job succeeded with the store down");
    const storeLines = failed.logs.backup.split("\n").filter((l) => /store/.test(l));
    assert.strictEqual(storeLines.length, 2, failed.logs.backup);
    assert.match(storeLines[0], /^store: unreachable or refused \(store:backups\): .+/);
    assert.match(storeLines[1], /ERROR: the object store is not usable \(settings backupStore\*\); no backup taken$/);
    await store!.start();
    assert.deepStrictEqual(await listing(), before, "the failed run changed the store");

    // What an upload cut off mid-way leaves: data without a manifest, under a backup's name.
    const cut = await vault("head -c 300000 /dev/urandom | store_put base/20200101T000000Z/data.tar");
    assert.strictEqual(cut.code, 0, cut.stderr);
    assert.ok((await listing()).all.includes("20200101T000000Z"));
    assert.ok(
      !(await listing()).complete.includes("20200101T000000Z"),
      "a backup without a manifest is listed as complete",
    );

    const next = await backup();
    assert.strictEqual(next.code, 0, `the run after the outage failed:\n${next.logs.backup}`);
    assert.match(next.logs.backup, /removing 20200101T000000Z from the store, left by an upload that did not finish/);
    const after = await listing();
    assert.strictEqual(after.complete.length, 2);
    assert.deepStrictEqual(after.all, after.complete);
  });

  it("wrong encryption key: the Job fails with one clear line and nothing is written or listed", async () => {
    const before = await listing();
    const files = store!.files().length;
    secret["encryption-key"] = "another-key";
    try {
      await cluster!.reconfigure({});
      const job = await backup();
      assert.notStrictEqual(job.code, 0, "the Job succeeded with another key");
      assert.match(job.logs.backup, /^store: wrong encryption key/m);
      assert.match(job.logs.backup, /no backup taken$/m);
      assert.strictEqual(store!.files().length, files, "the run with the wrong key wrote to the bucket");
      // Read with the wrong key, the prefix shows no backup at all.
      assert.strictEqual((await vault("store_list base/", "another-key")).stdout, "");
    } finally {
      secret["encryption-key"] = "the-right-key";
      await cluster!.reconfigure({});
    }
    assert.deepStrictEqual(await listing(), before);
  });
});
