// store-lib.sh (issue 17's object-store seam) against Debian's rclone with a
// `local` remote standing in for S3: streaming put/get/list/delete through
// crypt, names and contents encrypted at rest, a wrong key and a dead store
// each reported in one line.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

describe("store-lib.sh: the encrypted object store through rclone", function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  before(function () {
    sandbox = makeSandbox();
    fs.writeFileSync(path.join(sandbox.secrets, "key"), "right-key");
    fs.writeFileSync(path.join(sandbox.secrets, "bad"), "wrong-key");
  });
  after(() => sandbox.remove());

  const bash = (body: string) =>
    runBash(
      sandbox,
      `source "$LIB"; source "${"${LIB%/*}"}/store-lib.sh"
STORE_RCLONE=rclone
export RCLONE_CONFIG_STORE_TYPE=local
${body}`,
    );

  it("round-trips a 3 MB stream, lists and deletes, and the bucket holds no plain name or content", async function () {
    const r = await bash(`set -e
head -c 3000000 /dev/urandom >in
store_configure "$SECRETS_DIR/key" "$PWD/bucket/pfx"
store_check
store_put base/b1/data <in
store_get base/b1/data | cmp - in && echo same
echo "list:$(store_list base/ | tr '\\n' ,)"
! find bucket | grep -q -e keycheck -e b1 -e base && ! grep -rqa vault-keycheck bucket && echo opaque
store_delete base/b1/
echo "after:$(store_list base/)"`);
    assert.strictEqual(r.stderr, "");
    assert.strictEqual(r.stdout, "same\nlist:b1/,\nopaque\nafter:\n");
  });

  it("says in one line that the key is wrong", async function () {
    const r = await bash(`store_configure "$SECRETS_DIR/key" "$PWD/bucket2/pfx"; store_check
store_configure "$SECRETS_DIR/bad" "$PWD/bucket2/pfx"; store_check; echo "rc=$?"`);
    assert.strictEqual(r.stdout, "rc=1\n");
    assert.match(r.stderr, /^store: wrong encryption key[^\n]*\n$/);
  });

  it("says in one line that the store is unreachable, quickly", async function () {
    const t0 = Date.now();
    const r =
      await bash(`export RCLONE_CONFIG_STORE_TYPE=s3 RCLONE_CONFIG_STORE_PROVIDER=Other RCLONE_CONFIG_STORE_ENDPOINT=http://127.0.0.1:1
store_configure "$SECRETS_DIR/key" bkt/pfx; store_check; echo "rc=$?"`);
    assert.strictEqual(r.stdout, "rc=1\n");
    assert.match(r.stderr, /^store: unreachable or refused \(store:bkt\): [^\n]+\n$/);
    assert.ok(Date.now() - t0 < 30_000);
  });

  it("lists only backups with a manifest, oldest first, and unpacks one with its manifest", async function () {
    const r = await bash(`set -e
mkdir -p data/sub && echo one >data/sub/a && head -c 200000 /dev/urandom >data/b
store_configure "$SECRETS_DIR/key" "$PWD/bucket3/pfx"
store_check
for n in 20261202T030000Z 20261201T030000Z; do
  tar -C data -cf - . | store_put "$STORE_BASE/$n/$STORE_DATA_NAME"
  printf 'gtid=0-1-%s\\n' "\${n:6:2}" | store_put "$STORE_BASE/$n/$STORE_MANIFEST_NAME"
done
tar -C data -cf - . | store_put "$STORE_BASE/20261203T030000Z/$STORE_DATA_NAME"  # cut off before its manifest
echo "complete:$(store_complete_backups | tr '\\n' ,)"
mkdir out
store_fetch_backup 20261202T030000Z out
diff -r data out && echo same`);
    assert.strictEqual(r.stderr, "");
    assert.strictEqual(r.stdout, "complete:20261201T030000Z,20261202T030000Z,\ngtid=0-1-02\nsame\n");
  });

  it("refuses in one line a backup without a manifest, and an empty vault when only reading", async function () {
    const r = await bash(`store_configure "$SECRETS_DIR/key" "$PWD/bucket4/pfx"
store_check --read-only; echo "empty rc=$?"
store_check
echo data | store_put "$STORE_BASE/20261203T030000Z/$STORE_DATA_NAME"
mkdir out4; store_fetch_backup 20261203T030000Z out4; echo "partial rc=$?"
echo "unpacked:$(ls out4)"`);
    assert.strictEqual(r.stdout, "empty rc=1\npartial rc=1\nunpacked:\n");
    const lines = r.stderr.trim().split("\n");
    assert.strictEqual(lines.length, 2, r.stderr);
    assert.match(lines[0], /^store: nothing under store:\S+bucket4\/pfx/);
    assert.match(
      lines[1],
      /^store: 20261203T030000Z is not a complete backup under store:\S+; complete backups: none$/,
    );
  });

  it("fails a restore whose data does not decrypt (changed at rest), with nothing mistaken for a backup", async function () {
    const r = await bash(`set -e
store_configure "$SECRETS_DIR/key" "$PWD/bucket5/pfx"
store_check
mkdir data5; head -c 300000 /dev/urandom >data5/big
tar -C data5 -cf - . | store_put "$STORE_BASE/20261203T030000Z/$STORE_DATA_NAME"
echo gtid=0-1-5 | store_put "$STORE_BASE/20261203T030000Z/$STORE_MANIFEST_NAME"
# One byte flipped in the middle of the largest object: the encrypted data.
obj=$(find bucket5 -type f -size +100k)
printf 'x' | dd of="$obj" bs=1 seek=150000 conv=notrunc status=none
mkdir out5
if store_fetch_backup 20261203T030000Z out5 >/dev/null; then echo restored; else echo refused; fi`);
    assert.strictEqual(r.stdout, "refused\n");
    assert.match(r.stderr, /store: downloading or unpacking 20261203T030000Z failed/);
  });

  it("sizes upload parts so that a stream of any size up to S3's limit fits in 10,000 parts, holding at most 512 MiB", async function () {
    const GiB = 1024 ** 3;
    const sizes = [0, 1 * GiB, 47 * GiB, 50 * GiB, 1024 * GiB, 5 * 1024 * GiB, 40 * 1024 * GiB];
    const r = await bash(
      sizes
        .map(
          (b) =>
            `store_expect_bytes ${b}; echo "$RCLONE_CONFIG_STORE_CHUNK_SIZE $RCLONE_CONFIG_STORE_UPLOAD_CONCURRENCY"`,
        )
        .join("\n"),
    );
    assert.strictEqual(r.stderr, "");
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => /^(\d+)Mi (\d+)$/.exec(l));
    sizes.forEach((bytes, i) => {
      const row = rows[i];
      assert.ok(row, `no chunk size for ${bytes} bytes: ${r.stdout}`);
      const chunk = Number(row[1]) * 1024 ** 2;
      const concurrency = Number(row[2]);
      assert.ok(chunk >= 5 * 1024 ** 2, `${bytes} bytes: parts under S3's 5 MiB minimum`);
      // The stream is a little larger than the data (tar headers, crypt): 3% more must still fit.
      assert.ok(
        Math.ceil((bytes * 1.03) / chunk) <= 10_000,
        `${bytes} bytes in ${chunk}-byte parts: over 10,000 parts`,
      );
      assert.ok(concurrency >= 1 && concurrency <= 4);
      assert.ok(
        chunk * concurrency <= 512 * 1024 ** 2 || concurrency === 1,
        `${bytes} bytes: ${chunk} x ${concurrency} held`,
      );
    });
    // rclone's default would have failed here: 10,000 parts of 5 MiB hold 48.8 GiB.
    assert.notStrictEqual(rows[3]![1], "5");
  });
});
