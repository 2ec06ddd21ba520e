// take-backup.sh with backupTarget store and both (issue 17), run in bash
// against a sandbox (the stream stubbed, as in backup.test.ts) and a real S3
// API: s3rver on the loopback, reached by Debian's rclone through
// store-lib.sh's store_setup exactly as the Job configures it. Proves the
// layout (base/<name>/data.tar, then the manifest), encryption at rest, the
// scratch copy's removal, retention in the store, the removal of what a
// cut-off upload left, and one clear line for a dead store or a wrong key.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ObjectStore } from "../../../e2e/object-store";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

const PASSWORDS = ["root-password", "replication-password", "backup-password", "monitor-password"];
const STUBS = `caught_up_replica_below() { echo 1; }
receive_backup() { printf 'streamed row-value-4711 from %s\\n' "$1" >"$2/ibdata1"; mkdir "$2/shop"; printf 'secret table' >"$2/shop/orders_table.ibd"; }
backup_position() { echo 0-101-42; }`;

describe("take-backup.sh to the object store (stubbed stream, s3rver)", function () {
  this.timeout(120_000);
  let store: ObjectStore;
  let s: Sandbox & { backups: string; storeSecret: string };

  before(async () => {
    store = await new ObjectStore("127.0.0.1").start();
  });
  after(async () => {
    await store?.remove();
  });
  beforeEach(function () {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "backup-store-"));
    const backups = path.join(base, "backups");
    const storeSecret = path.join(base, "store-secret");
    fs.mkdirSync(backups);
    fs.mkdirSync(storeSecret);
    const sandbox = makeSandbox({ BACKUPS_DIR: backups, STORE_SECRET_DIR: storeSecret });
    for (const key of PASSWORDS) fs.writeFileSync(path.join(sandbox.secrets, key), `pw${key.length}Secret`);
    fs.writeFileSync(path.join(storeSecret, "access-key-id"), "S3RVER");
    fs.writeFileSync(path.join(storeSecret, "secret-access-key"), "S3RVER");
    fs.writeFileSync(path.join(storeSecret, "encryption-key"), "the-right-key");
    fs.appendFileSync(path.join(sandbox.scripts, "lib.sh"), `\n${STUBS}\n`);
    s = {
      ...sandbox,
      backups,
      storeSecret,
      remove: () => {
        sandbox.remove();
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  });
  afterEach(() => s.remove());

  const env = (target: string, prefix: string, extra: Record<string, string> = {}) => ({
    POD_NAME: "db-backup-1",
    STS_NAME: "db",
    HEADLESS_SERVICE: "db",
    POD_NAMESPACE: "data",
    CLUSTER_DOMAIN: "cluster.local",
    CLUSTER_SIZE: "3",
    BACKUP_RETENTION: "2",
    BACKUP_TARGET: target,
    STORE_ENDPOINT: store.endpoint,
    STORE_BUCKET: store.bucket,
    STORE_REGION: "us-east-1",
    STORE_PREFIX: prefix,
    STORE_RCLONE: "rclone",
    ...extra,
  });
  const takeBackup = (target: string, prefix: string, extra: Record<string, string> = {}) =>
    runBash(s, `bash "${s.scripts}/take-backup.sh"`, env(target, prefix, extra), "", 60_000);
  /** A bash snippet run with the Job's store set up (store_setup), for looking inside the vault. */
  const inVault = (prefix: string, body: string) =>
    runBash(
      s,
      `source "$LIB"; source "${s.scripts}/store-lib.sh"; store_setup "${prefix}" || exit 9\n${body}`,
      env("store", prefix),
      "",
      60_000,
    );
  const complete = async (prefix: string) =>
    (
      await inVault(
        prefix,
        `for d in $(store_list base/); do [[ -n $(store_list "base/\${d}manifest") ]] && echo "\${d%/}"; done`,
      )
    ).stdout
      .trim()
      .split("\n")
      .filter(Boolean);

  it("store: uploads data.tar then the manifest, encrypted; removes the scratch copy; the tar restores the files", async function () {
    const r = await takeBackup("store", "c1");
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /uploaded \d{8}T\d{6}Z to the object store in \d+s \(\d+ bytes, encrypted\)/);
    assert.deepStrictEqual(fs.readdirSync(s.backups), [], "the scratch copy was kept");
    const [name] = await complete("c1");
    assert.match(name, /^\d{8}T\d{6}Z$/);
    const manifest = (await inVault("c1", `store_get base/${name}/manifest`)).stdout;
    for (const key of ["gtid=0-101-42", "source=db-1.db.data.svc.cluster.local", "flavor=mariadb"])
      assert.ok(manifest.split("\n").includes(key), `manifest lacks ${key}:\n${manifest}`);
    assert.match(manifest, /^started=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    assert.match(manifest, /^finished=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    assert.match(manifest, /^bytes=[1-9][0-9]*$/m);
    // The data round-trips through the key: a tar of the prepared files.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "restored-"));
    try {
      const got = await inVault("c1", `store_get base/${name}/data.tar | tar -C "${out}" -xf -`);
      assert.strictEqual(got.code, 0, got.stderr);
      assert.strictEqual(fs.readFileSync(path.join(out, "shop", "orders_table.ibd"), "utf8"), "secret table");
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
    // At rest: neither a row value nor a table name nor the layout's names.
    for (const text of ["row-value-4711", "orders_table", "manifest", "data.tar", name, "gtid="])
      assert.ok(!store.holds(text), `the bucket holds "${text}" in plain`);
  });

  /** An rclone that records each call's verb and object, then runs the real one (or, for `cut`, breaks off). */
  function recordingRclone(cut = false): { bin: string; calls: () => string[] } {
    const bin = path.join(s.dir, "rclone-recording");
    const log = path.join(s.dir, "rclone-calls");
    fs.writeFileSync(
      bin,
      `#!/bin/bash
printf '%s %s\\n' "$1" "\${@: -1}" >>"${log}"
if ${cut} && [[ $1 == rcat && $2 == */data.tar ]]; then
  # An upload cut off mid-stream: part of the data reaches the store, then the connection is gone.
  head -c 65536 | rclone rcat "$2"; echo "ERROR : connection reset by peer" >&2; exit 1
fi
exec rclone "$@"
`,
      { mode: 0o755 },
    );
    return { bin, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []) };
  }

  it("writes the manifest only after data.tar's upload has returned", async function () {
    const rclone = recordingRclone();
    const r = await takeBackup("store", "c10", { STORE_RCLONE: rclone.bin });
    assert.strictEqual(r.code, 0, r.stderr);
    const uploads = rclone.calls().filter((c) => c.startsWith("rcat ") && !c.endsWith("keycheck"));
    assert.strictEqual(uploads.length, 2, uploads.join("\n"));
    assert.match(uploads[0], /^rcat vault:base\/\d{8}T\d{6}Z\/data\.tar$/);
    assert.match(uploads[1], /^rcat vault:base\/\d{8}T\d{6}Z\/manifest$/);
  });

  it("an upload cut off mid-stream fails the Job naming it, lists nothing; the next run removes it and succeeds", async function () {
    const cut = await takeBackup("store", "c11", { STORE_RCLONE: recordingRclone(true).bin });
    assert.notStrictEqual(cut.code, 0, "the Job succeeded with the upload cut off");
    assert.match(
      cut.stderr,
      /ERROR: uploading \d{8}T\d{6}Z to the object store failed \(see the line above\); it is not listed/,
    );
    const left = (await inVault("c11", "store_list base/")).stdout.trim();
    assert.match(left, /^\d{8}T\d{6}Z\/$/, "the cut-off upload left nothing to remove: the test proves nothing");
    assert.deepStrictEqual(await complete("c11"), [], "a cut-off upload is listed as complete");
    execFileSync("sleep", ["1.1"]);
    const next = await takeBackup("store", "c11");
    assert.strictEqual(next.code, 0, next.stderr);
    assert.match(
      next.stderr,
      new RegExp(`removing ${left.replace("/", "")} from the store, left by an upload that did not finish`),
    );
    assert.strictEqual((await complete("c11")).length, 1);
    assert.strictEqual((await inVault("c11", "store_list base/")).stdout.trim().split("\n").length, 1);
  });

  it("both: keeps the backup on the claim and uploads it; retention keeps exactly BACKUP_RETENTION in each", async function () {
    for (let run = 1; run <= 3; run++) {
      const r = await takeBackup("both", "c2");
      assert.strictEqual(r.code, 0, r.stderr);
      // Backup names have a resolution of one second.
      execFileSync("sleep", ["1.1"]);
    }
    const stored = await complete("c2");
    assert.strictEqual(stored.length, 2, `store: ${stored.join(", ")}`);
    const local = fs.readdirSync(s.backups).sort();
    assert.deepStrictEqual(local, stored, "the claim and the store keep the same newest two");
    const all = (await inVault("c2", "store_list base/")).stdout.trim().split("\n");
    assert.strictEqual(all.length, 2, `leftovers in the store: ${all.join(", ")}`);
  });

  it("removes a base backup without a manifest (a cut-off upload) and never lists it as complete", async function () {
    const cut = await inVault(
      "c3",
      `store_check && head -c 100000 /dev/urandom | store_put base/20200101T000000Z/data.tar`,
    );
    assert.strictEqual(cut.code, 0, cut.stderr);
    assert.deepStrictEqual(await complete("c3"), []);
    const r = await takeBackup("store", "c3");
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /removing 20200101T000000Z from the store, left by an upload that did not finish/);
    const left = (await inVault("c3", "store_list base/")).stdout;
    assert.doesNotMatch(left, /20200101T000000Z/);
  });

  it("fails with one clear line and takes no backup when the store is unreachable", async function () {
    const r = await takeBackup("store", "c4", { STORE_ENDPOINT: "http://127.0.0.1:1" });
    assert.notStrictEqual(r.code, 0);
    const lines = r.stderr.trim().split("\n");
    assert.match(lines[0], /^store: unreachable or refused \(store:backups\): /);
    assert.match(lines[1], /ERROR: the object store is not usable \(settings backupStore\*\); no backup taken$/);
    assert.strictEqual(lines.length, 2, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(s.backups), []);
  });

  it("fails with one clear line when the encryption key is not the one the prefix was written with", async function () {
    assert.strictEqual((await takeBackup("store", "c5")).code, 0);
    fs.writeFileSync(path.join(s.storeSecret, "encryption-key"), "another-key");
    const r = await takeBackup("store", "c5");
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stderr, /^store: wrong encryption key/m);
    assert.match(r.stderr, /no backup taken/);
    assert.strictEqual((await complete("c5")).length, 0, "listed with the wrong key");
  });

  it("names a key missing from the store's Secret, and never prints a credential", async function () {
    fs.rmSync(path.join(s.storeSecret, "secret-access-key"));
    const r = await takeBackup("store", "c6");
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stderr, /the Secret named by backupStoreSecret has no key secret-access-key/);
    assert.doesNotMatch(r.stdout + r.stderr, /S3RVER|the-right-key/);
  });
});
