// A re-clone for errant transactions keeps them (issue 16): the newest two
// binary logs of the discarded data directory, where a former primary's
// unacknowledged commits are, move with the note naming the GTIDs to
// DATA_ROOT/errant-<time>/; without the note (a re-clone for purged binary
// logs) nothing is kept.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeSandbox, runBash, Sandbox } from "../../../support/sandbox";

describe("lib.sh keep_errant_binlogs: a re-clone keeps the errant transactions", function () {
  let sandbox: Sandbox;
  let dataRoot: string;
  beforeEach(function () {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "errant-"));
    dataRoot = root;
    sandbox = makeSandbox({ DATA_ROOT: dataRoot });
    const old = path.join(dataRoot, "data.old");
    fs.mkdirSync(old);
    for (const f of ["binlog.000001", "binlog.000002", "binlog.000003", "binlog.index", "ibdata1"])
      fs.writeFileSync(path.join(old, f), f);
  });
  afterEach(function () {
    sandbox.remove();
    fs.rmSync(dataRoot, { recursive: true, force: true });
  });

  it("moves the newest two binary logs and the note to errant-<time>/", async function () {
    fs.writeFileSync(path.join(dataRoot, "errant-gtids"), "0-100-52,0-100-53\n");
    const r = await runBash(sandbox, `source "$LIB"; keep_errant_binlogs "${dataRoot}/data.old"`);
    assert.strictEqual(r.code, 0, r.stderr);
    const kept = fs.readdirSync(dataRoot).filter((d) => /^errant-\d{8}T\d{6}Z$/.test(d));
    assert.strictEqual(kept.length, 1, `one errant-<time> directory in ${fs.readdirSync(dataRoot).join(", ")}`);
    assert.deepStrictEqual(fs.readdirSync(path.join(dataRoot, kept[0])).sort(), [
      "binlog.000002",
      "binlog.000003",
      "errant-gtids",
    ]);
    assert.strictEqual(fs.readFileSync(path.join(dataRoot, kept[0], "errant-gtids"), "utf8"), "0-100-52,0-100-53\n");
    assert.ok(!fs.existsSync(path.join(dataRoot, "errant-gtids")), "the note moved with them");
    assert.match(r.stderr, /kept the binary logs holding the errant transactions in .*errant-.*0-100-52,0-100-53/);
  });

  it("keeps nothing for a re-clone without errant transactions", async function () {
    const r = await runBash(sandbox, `source "$LIB"; keep_errant_binlogs "${dataRoot}/data.old"`);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(dataRoot).sort(), ["data.old"]);
    assert.strictEqual(fs.readdirSync(path.join(dataRoot, "data.old")).length, 5);
  });
});
