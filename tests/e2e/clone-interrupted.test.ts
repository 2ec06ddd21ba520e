// A replica's first clone killed half-way: the partial copy is never taken
// for a data directory, and the next attempt starts over and completes.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { E2E_ARGS, TestCluster, writeBulk } from "./helpers";

function treeBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    try {
      total += entry.isDirectory() ? treeBytes(full) : fs.statSync(full).size;
    } catch {
      // a file the extractor renamed or removed meanwhile
    }
  }
  return total;
}

describe("a clone stream cut off half-way", function () {
  this.timeout(600_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("cut", { ...E2E_ARGS, replicas: 2, backupParallelism: 1 }).up();
    await writeBulk(cluster, "bulk", 300);
  });
  after(async () => cluster?.down());

  it("never serves the half-copied data and recovers on the next start", async () => {
    const volume = cluster.runner.pvcDir("data", 2);
    const scaling = cluster.scale(3);
    // Kill the clone step once some of the stream has landed in staging.
    await cluster.runner.waitFor(
      "the clone of pod 2 to be part-way through",
      () => treeBytes(path.join(volume, "clone.tmp")) > 30 * 2 ** 20,
      120_000,
    );
    await cluster.runner.killContainer(2, "clone-data", "SIGKILL");
    assert.ok(
      !fs.existsSync(path.join(volume, "data")),
      "a data directory appeared from a clone that was killed half-way",
    );
    await scaling;
    const log = cluster.runner.logs(2, "clone-data");
    assert.ok((log.match(/cloning from/g)?.length ?? 0) >= 2, `the clone did not start over:\n${log}`);
    assert.ok(
      fs.existsSync(path.join(volume, "data", ".clone-prepared")),
      "the data directory is not a complete, prepared clone",
    );
    await cluster.waitConsistent([1, 2]);
  });
});
