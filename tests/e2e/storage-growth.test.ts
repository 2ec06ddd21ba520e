// Growing storageSize and then scaling up, with claims that hold only what
// they were sized for (the runner enforces each claim's requested size): the
// existing pods' volumes grow in place, the data then outgrows the old size,
// and a pod added afterwards gets a volume of the new size, clones, and
// becomes Ready. With claims made from the StatefulSet's volumeClaimTemplates
// alone (which cannot change after creation), the new pod's volume would be
// the old size and its clone would fail with "No space left on device".

import * as assert from "assert";
import { E2E_ARGS, TestCluster, writeBulk } from "./helpers";

describe("growing storageSize, then scaling up", function () {
  this.timeout(900_000);
  let cluster: TestCluster;
  const OLD_MIB = 192;
  // Room for the primary's and the replica's binlogs (MariaDB annotates each row event with its
  // statement, here the rows' hex text: about 3 MiB of binlog per MiB of rows) and the relay log.
  const NEW_MIB = 2048;

  before(async () => {
    cluster = await new TestCluster("grow", { ...E2E_ARGS, replicas: 2, storageSize: `${OLD_MIB}Mi` }).up();
  });
  after(async () => cluster?.down());

  it("grows the existing pods' volumes in place, holds data past the old size, and a new pod clones onto a volume of the new size and becomes Ready", async () => {
    for (const ordinal of [0, 1])
      assert.strictEqual(
        (await cluster.dataVolume(ordinal)).sizeMiB,
        OLD_MIB,
        `pod ${ordinal}'s volume before the change`,
      );
    const restarts = cluster.runner.status().map((p) => p.restarts);
    await cluster.reconfigure({ storageSize: `${NEW_MIB}Mi` });
    for (const ordinal of [0, 1]) {
      const { sizeMiB } = await cluster.dataVolume(ordinal);
      assert.strictEqual(
        sizeMiB,
        NEW_MIB,
        `pod ${ordinal}'s volume is ${sizeMiB} MiB after storageSize grew to ${NEW_MIB}Mi: nothing grew the existing claim`,
      );
    }
    assert.deepStrictEqual(
      cluster.runner.status().map((p) => p.restarts),
      restarts,
      "growing the volumes restarted a pod",
    );

    // More data than the old size could hold, on the primary and on its replica; a clone (data files
    // and the 96 MiB redo log, no binlogs) then needs more than the old size too.
    await writeBulk(cluster, "bulk", 120);
    await cluster.waitConsistent([1], 300_000);
    const used = await cluster.dataVolume(0);
    assert.ok(used.usedMiB > OLD_MIB, `the primary uses only ${used.usedMiB} MiB, not past the old ${OLD_MIB} MiB`);

    await cluster.scale(3);
    await cluster.runner.waitReady(2, 600_000);
    const added = await cluster.dataVolume(2);
    assert.strictEqual(added.sizeMiB, NEW_MIB, "the added pod's volume is not of the current storageSize");
    assert.ok(
      added.usedMiB > OLD_MIB,
      `the added pod holds ${added.usedMiB} MiB: its clone cannot have outgrown the old size`,
    );
    assert.match(cluster.runner.logs(2, "clone-data"), /cloned from grow-1\./);
    await cluster.waitConsistent([1, 2], 300_000);
    console.log(
      `      primary uses ${used.usedMiB} MiB, the added pod ${added.usedMiB} MiB of ${NEW_MIB} (old size ${OLD_MIB})`,
    );
  });
});
