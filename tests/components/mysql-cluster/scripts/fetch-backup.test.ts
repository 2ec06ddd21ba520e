// fetch-backup.sh (restoreFromStore's download step, issue 17) in bash against
// s3rver on the loopback, through store-lib.sh exactly as the init container
// configures it: the newest complete backup (or the one restoreBackup names)
// lands whole in DATA_ROOT/restore.download with its record, a second run
// downloads nothing, a wrong key or a missing backup is one line and leaves no
// download, and once a data directory exists the leftovers go.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ObjectStore } from "../../../e2e/object-store";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

const KEY = "the-right-key";

describe("fetch-backup.sh: a new cluster's backup, downloaded from the store", function () {
  this.timeout(120_000);
  let store: ObjectStore;
  let s: Sandbox;
  let dataRoot: string;
  let storeSecret: string;

  before(async () => {
    store = await new ObjectStore("127.0.0.1").start();
  });
  after(async () => {
    await store?.remove();
  });
  beforeEach(function () {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "fetch-backup-"));
    dataRoot = path.join(base, "data");
    storeSecret = path.join(base, "store-secret");
    fs.mkdirSync(dataRoot);
    fs.mkdirSync(storeSecret);
    const sandbox = makeSandbox({ DATA_ROOT: dataRoot, STORE_SECRET_DIR: storeSecret });
    fs.writeFileSync(path.join(storeSecret, "access-key-id"), "S3RVER");
    fs.writeFileSync(path.join(storeSecret, "secret-access-key"), "S3RVER");
    fs.writeFileSync(path.join(storeSecret, "encryption-key"), KEY);
    s = {
      ...sandbox,
      remove: () => {
        sandbox.remove();
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  });
  afterEach(() => s.remove());

  const env = (prefix: string, backup = "latest") => ({
    POD_NAME: "db-0",
    STS_NAME: "db",
    STORE_ENDPOINT: store.endpoint,
    STORE_BUCKET: store.bucket,
    STORE_REGION: "us-east-1",
    STORE_RCLONE: "rclone",
    RESTORE_FROM_STORE: prefix,
    RESTORE_BACKUP: backup,
  });
  const fetch = (prefix: string, backup = "latest") =>
    runBash(s, `bash "${s.scripts}/fetch-backup.sh"`, env(prefix, backup), "", 60_000);
  /** Uploads base backups as the Job does (a tar, then its manifest), each holding a file naming it. */
  const upload = (prefix: string, names: string[], manifest = true) =>
    runBash(
      s,
      `set -e; source "$LIB"; source "${s.scripts}/store-lib.sh"; store_setup "${prefix}"; store_check
for n in ${names.join(" ")}; do
  mkdir -p "up/$n/shop"; echo "rows of $n" >"up/$n/shop/t.ibd"
  tar -C "up/$n" -cf - . | store_put "$STORE_BASE/$n/$STORE_DATA_NAME"
  ${manifest ? `printf 'gtid=0-1-%s\\n' "\${n:9:2}" | store_put "$STORE_BASE/$n/$STORE_MANIFEST_NAME"` : ":"}
done`,
      env(prefix),
      "",
      60_000,
    );
  const download = () => path.join(dataRoot, "restore.download");

  it("downloads the newest complete backup whole, with its name and manifest; a second run downloads nothing", async function () {
    assert.strictEqual((await upload("p1", ["20261201T030000Z", "20261202T030000Z"])).code, 0);
    assert.strictEqual((await upload("p1", ["20261203T030000Z"], false)).code, 0); // cut off before its manifest
    const r = await fetch("p1");
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(fs.readFileSync(path.join(download(), "shop", "t.ibd"), "utf8"), "rows of 20261202T030000Z\n");
    assert.strictEqual(
      fs.readFileSync(path.join(download(), "backup-info"), "utf8"),
      "name=20261202T030000Z\ngtid=0-1-03\n",
    );
    assert.deepStrictEqual(fs.readdirSync(dataRoot), ["restore.download"]);
    const again = await fetch("p1");
    assert.strictEqual(again.code, 0, again.stderr);
    assert.match(again.stderr, /backup already downloaded \(name=20261202T030000Z gtid=0-1-03 \)/);
    assert.doesNotMatch(again.stderr, /downloading/);
  });

  it("downloads the backup restoreBackup names, and names the complete ones when the store lacks it", async function () {
    assert.strictEqual((await upload("p2", ["20261201T030000Z", "20261202T030000Z"])).code, 0);
    const missing = await fetch("p2", "20200101T000000Z");
    assert.strictEqual(missing.code, 1);
    assert.match(
      missing.stderr,
      /20200101T000000Z is not a complete backup under \S+; complete backups: 20261201T030000Z 20261202T030000Z/,
    );
    assert.ok(!fs.existsSync(download()), "a download exists after a failed fetch");
    const named = await fetch("p2", "20261201T030000Z");
    assert.strictEqual(named.code, 0, named.stderr);
    assert.strictEqual(fs.readFileSync(path.join(download(), "shop", "t.ibd"), "utf8"), "rows of 20261201T030000Z\n");
  });

  it("says in one line that the key is wrong, and downloads nothing", async function () {
    assert.strictEqual((await upload("p3", ["20261201T030000Z"])).code, 0);
    fs.writeFileSync(path.join(storeSecret, "encryption-key"), "not-the-key");
    const r = await fetch("p3");
    assert.strictEqual(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.match(lines[0], /^store: wrong encryption key/);
    assert.match(lines[1], /cannot restore from the object store \(setting restoreFromStore "p3"\)/);
    assert.strictEqual(lines.length, 2, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(dataRoot), []);
  });

  it("removes a download left behind once the data directory exists", async function () {
    fs.mkdirSync(path.join(dataRoot, "data"));
    fs.mkdirSync(path.join(dataRoot, "restore.download.partial"));
    const r = await fetch("p4");
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(dataRoot), ["data"]);
  });
});
