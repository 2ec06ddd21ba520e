// Scheduled backups and restore: the CronJob's pod backs up a replica (not the
// primary) into the backup volume, prepared and with its position, keeps only
// backupRetention backups and clears what a crashed run left; a new cluster
// with restoreFromClaim starts from the backup point exactly, with its own
// passwords, and its replicas clone from it.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { E2E_ARGS, TestCluster } from "./helpers";

const BACKUP_NAME = /^[0-9]{8}T[0-9]{6}Z$/;

describe("scheduled backups and restore into a new cluster", function () {
  this.timeout(900_000);
  let source: TestCluster;
  let restored: TestCluster | undefined;
  let backupDir: string;
  let checksumAtBackup = "";

  before(async () => {
    source = await new TestCluster("bkp", {
      ...E2E_ARGS,
      replicas: 2,
      backupSchedule: "0 3 * * *",
      backupRetention: 2,
    }).up();
    backupDir = path.join(source.runner.workDir, "pvc", "bkp-backups");
    await source.query(0, "CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40))");
    await source.query(
      0,
      `INSERT INTO items VALUES ${Array.from({ length: 500 }, (_, i) => `(${i + 1}, 'before the backup ${i + 1}')`).join(",")}`,
    );
    await source.waitConsistent([1]);
  });
  after(async () => {
    await restored?.down();
    await source?.down();
  });

  const completeBackups = () =>
    fs
      .readdirSync(backupDir)
      .filter((n) => BACKUP_NAME.test(n))
      .sort();

  it("backs up a caught-up replica, prepared, with its GTID position, and keeps backupRetention backups", async () => {
    // What a backup killed mid-stream leaves behind.
    fs.mkdirSync(backupDir, { recursive: true });
    fs.mkdirSync(path.join(backupDir, "20200101T000000Z.partial"));
    for (let run = 1; run <= 3; run++) {
      const job = await source.runner.runJob("bkp-backup");
      assert.strictEqual(job.code, 0, `backup run ${run} failed:\n${job.logs.backup}`);
      assert.match(job.logs.backup, /backing up bkp-1\.bkp\./, "the backup was not taken from the replica");
      if (run === 1) assert.match(job.logs.backup, /removing 20200101T000000Z\.partial/);
    }
    const kept = completeBackups();
    assert.strictEqual(kept.length, 2, `backupRetention 2 should keep 2 backups, found ${kept.join(", ")}`);
    assert.deepStrictEqual(
      fs.readdirSync(backupDir).filter((n) => n.endsWith(".partial")),
      [],
      "a partial backup was left",
    );
    const info = fs.readFileSync(path.join(backupDir, kept[1], "backup-info"), "utf8");
    assert.match(info, /^gtid=0-100-[0-9]+$/m);
    assert.match(info, /^source=bkp-1\./m);
    // Prepared: a plain data directory a server can start on (InnoDB's files, the app's table).
    assert.ok(fs.existsSync(path.join(backupDir, kept[1], "shop", "items.ibd")), "the backup lacks the app's table");
    checksumAtBackup = await source.checksums(0);
  });

  it("restores the backup point into a new cluster with its own passwords, and clones its replicas from it", async () => {
    assert.ok(checksumAtBackup, "the backup test did not run");
    await source.query(0, "INSERT INTO items VALUES (10001, 'after the backup')");
    // restoreFromClaim needs replicas 1 (every pod mounts the claim); the README's way: restore, unset it, scale up.
    restored = new TestCluster("rst", { ...E2E_ARGS, replicas: 1, restoreFromClaim: "bkp-backups" });
    // The claim exists in the namespace (here: the source cluster's backup volume, copied).
    fs.mkdirSync(path.join(restored.runner.workDir, "pvc"), { recursive: true });
    execFileSync("cp", ["-a", backupDir, path.join(restored.runner.workDir, "pvc", "bkp-backups")]);
    await restored.up();

    // The app user logs in with the new cluster's password (the test generated new ones).
    assert.strictEqual(
      await restored.checksums(0),
      checksumAtBackup,
      "the restored data differs from the backup point",
    );
    assert.notStrictEqual(await source.checksums(0), checksumAtBackup, "the source moved on after the backup");
    assert.match(restored.logsSoFar(0, "init-data"), /restoring backup [0-9]{8}T[0-9]{6}Z/);
    assert.strictEqual(
      await restored.rootSql(0, "SELECT COUNT(*) FROM mysql.user WHERE user = 'root' AND host <> 'localhost'"),
      "0\n",
    );
    delete (restored.args as { restoreFromClaim?: string }).restoreFromClaim;
    await restored.scale(2);
    // Unsetting restoreFromClaim rolls pod 0, which hands the Lease to the new replica as it stops.
    const primary = await restored.waitPrimary(undefined, 120_000);
    const replica = 1 - primary;
    await restored.query(primary, "INSERT INTO items VALUES (20001, 'written to the restored cluster')");
    await restored.waitConsistent([replica], 120_000, primary);
    const status = await restored.replicaStatus(replica);
    assert.deepStrictEqual(
      [status.io, status.sql],
      ["Yes", "Yes"],
      `the restored cluster's replica does not replicate: ${status.error}`,
    );
    assert.match(
      status.source,
      new RegExp(`^rst-${primary}\\.rst\\.`),
      "the restored cluster's replica follows the restored primary, not the old cluster",
    );
  });
});
