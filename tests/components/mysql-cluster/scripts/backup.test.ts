// What the backup and restore scripts do with the settings the pods hand them,
// run in bash against a sandbox (the stream, the backup tool and the server
// stubbed out): take-backup.sh keeps the newest BACKUP_RETENTION complete
// backups and clears what an interrupted run left; init-data.sh restores the
// backup RESTORE_BACKUP names ("latest": the newest complete one) from the
// restore volume, and refuses one that is not there, naming the setting.
// Replaces word checks that lib.sh and the scripts' comments always satisfied.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

const PASSWORDS = ["root-password", "replication-password", "backup-password", "monitor-password"];

/** A sandbox with the Secret's files, a data root, a backups and a restore volume, and `stubs` (bash functions) after lib.sh's own. */
function backupSandbox(stubs: string): Sandbox & { dataRoot: string; backups: string; restore: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "backup-volumes-"));
  const dirs = {
    dataRoot: path.join(base, "data"),
    backups: path.join(base, "backups"),
    restore: path.join(base, "restore"),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d);
  const sandbox = makeSandbox({ DATA_ROOT: dirs.dataRoot, BACKUPS_DIR: dirs.backups, RESTORE_DIR: dirs.restore });
  for (const key of PASSWORDS) fs.writeFileSync(path.join(sandbox.secrets, key), `pw${key.length}Secret`);
  fs.appendFileSync(path.join(sandbox.scripts, "lib.sh"), `\n# Test stubs (backup.test.ts)\n${stubs}\n`);
  return {
    ...sandbox,
    ...dirs,
    remove: () => {
      sandbox.remove();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A complete backup (its files and backup-info) named `name` in `dir`. */
function completeBackup(dir: string, name: string): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, "ibdata1"), `data of ${name}`);
  fs.writeFileSync(path.join(dir, name, "backup-info"), `gtid=0-100-1\nsource=db-1\n`);
}

const listing = (dir: string) => fs.readdirSync(dir).sort();

describe("take-backup.sh (stubbed stream)", function () {
  // The replica answers, the stream delivers one file, the backup records a position.
  const STUBS = `caught_up_replica_below() { echo 1; }
receive_backup() { printf 'streamed from %s\\n' "$1" >"$2/ibdata1"; }
backup_position() { echo 0-101-42; }`;
  const ENV = {
    POD_NAME: "db-backup-123",
    STS_NAME: "db",
    HEADLESS_SERVICE: "db",
    POD_NAMESPACE: "data",
    CLUSTER_DOMAIN: "cluster.local",
    CLUSTER_SIZE: "3",
  };
  let s: ReturnType<typeof backupSandbox>;
  beforeEach(function () {
    s = backupSandbox(STUBS);
  });
  afterEach(function () {
    s.remove();
  });

  it("keeps the newest BACKUP_RETENTION complete backups, the new one included, and removes a run's leftover .partial", async function () {
    for (const name of ["20260101T030000Z", "20260102T030000Z", "20260103T030000Z"]) completeBackup(s.backups, name);
    fs.mkdirSync(path.join(s.backups, "20260104T030000Z.partial"));
    const r = await runBash(s, `bash "${s.scripts}/take-backup.sh"`, { ...ENV, BACKUP_RETENTION: "2" });
    assert.strictEqual(r.code, 0, r.stderr);
    const kept = listing(s.backups);
    assert.strictEqual(kept.length, 2, kept.join(", "));
    assert.strictEqual(kept[0], "20260103T030000Z");
    assert.match(kept[1], /^\d{8}T\d{6}Z$/);
    assert.ok(kept[1] > kept[0], `the new backup ${kept[1]} is not the newest`);
    const info = fs.readFileSync(path.join(s.backups, kept[1], "backup-info"), "utf8");
    assert.match(info, /^gtid=0-101-42$/m);
    assert.match(info, /^source=db-1\.db\.data\.svc\.cluster\.local$/m);
  });

  it("refuses to run without a BACKUP_RETENTION, naming it, and touches no backup", async function () {
    completeBackup(s.backups, "20260101T030000Z");
    const r = await runBash(s, `bash "${s.scripts}/take-backup.sh"`, ENV);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stderr, /BACKUP_RETENTION "" is not a positive number/);
    assert.deepStrictEqual(listing(s.backups), ["20260101T030000Z"]);
  });
});

describe("init-data.sh restoring from restoreFromClaim (stubbed server)", function () {
  // The primary's first start; the run ends where the bootstrap server would be awaited.
  const STUBS = `write_exporter_config() { :; }
wait_until() { exit 0; }`;
  const ENV = { POD_NAME: "db-0", DB_SERVER: "true", DB_CLIENT: "true" };
  let s: ReturnType<typeof backupSandbox>;
  beforeEach(function () {
    s = backupSandbox(STUBS);
    for (const name of ["20260101T030000Z", "20260102T030000Z"]) completeBackup(s.restore, name);
    fs.mkdirSync(path.join(s.restore, "20260103T030000Z.partial"));
  });
  afterEach(function () {
    s.remove();
  });

  const staged = () => fs.readFileSync(path.join(s.dataRoot, "clone.tmp", "ibdata1"), "utf8");

  it('copies the newest complete backup for RESTORE_BACKUP "latest", without its backup-info', async function () {
    const r = await runBash(s, `bash "${s.scripts}/init-data.sh"`, { ...ENV, RESTORE_BACKUP: "latest" });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(staged(), "data of 20260102T030000Z");
    assert.deepStrictEqual(listing(path.join(s.dataRoot, "clone.tmp")), ["ibdata1"]);
  });

  it("copies the backup RESTORE_BACKUP names", async function () {
    const r = await runBash(s, `bash "${s.scripts}/init-data.sh"`, { ...ENV, RESTORE_BACKUP: "20260101T030000Z" });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(staged(), "data of 20260101T030000Z");
  });

  it("refuses a backup that is not complete in the restore volume, naming restoreBackup and the complete ones", async function () {
    const r = await runBash(s, `bash "${s.scripts}/init-data.sh"`, { ...ENV, RESTORE_BACKUP: "20260103T030000Z" });
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stderr, /backup "20260103T030000Z" \(setting restoreBackup\) is not a complete backup/);
    assert.match(r.stderr, /complete backups: 20260101T030000Z 20260102T030000Z/);
  });
});
