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
});
