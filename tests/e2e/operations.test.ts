// Production behaviour on real servers: with semi-synchronous replication a
// primary killed hard loses no acknowledged commit even if it never comes
// back, and the exporter sidecar reports the server and the replica lag.

import * as assert from "assert";
import { E2E_ARGS, metricsGet, startAcknowledgedWriter, TestCluster } from "./helpers";

const fetchMetrics = async (host: string): Promise<string> => (await metricsGet(host)).body;

describe("a cluster in production", function () {
  this.timeout(600_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("ops", { ...E2E_ARGS, replicas: 3, semiSync: true }).up();
    await cluster.query(0, "CREATE TABLE acks (id INT PRIMARY KEY)");
  });
  after(async () => cluster?.down());

  it("runs semi-synchronous replication with both replicas attached", async () => {
    await cluster.runner.waitFor(
      "the primary to have semi-sync on with 2 replicas",
      async () => {
        const status = await cluster.rootSql(
          0,
          "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients')",
        );
        return /Rpl_semi_sync_master_clients\t2/.test(status) && /Rpl_semi_sync_master_status\tON/.test(status);
      },
      60_000,
    );
  });

  it("serves metrics with the server up and the replica lag", async () => {
    await cluster.runner.waitFor(
      "the exporters to answer",
      async () => {
        const [primary, replica] = await Promise.all([
          fetchMetrics(cluster.runner.podIp(0)),
          fetchMetrics(cluster.runner.podIp(1)),
        ]).catch(() => ["", ""]);
        return (
          /^mysql_up 1$/m.test(primary) &&
          /^mysql_up 1$/m.test(replica) &&
          /^mysql_slave_status_seconds_behind_master\{[^}]*\} \d+/m.test(replica)
        );
      },
      90_000,
    );
  });

  it("keeps every acknowledged commit on a replica when the primary is killed and does not come back", async () => {
    const writer = startAcknowledgedWriter(cluster, "acks");
    const { acknowledged } = writer;
    await cluster.runner.waitFor("some acknowledged writes before the crash", () => acknowledged.length >= 100, 60_000);
    await cluster.runner.killPod(0);
    // The primary's restarted pod must not deliver anything more: whatever the
    // replicas hold now is all they will get from it.
    await cluster.runner.cutNetwork(0);
    await writer.stop();
    try {
      let missing: number[] = [];
      await cluster.runner
        .waitFor(
          `every acknowledged commit on a replica (missing: ${missing.length})`,
          async () => {
            const held = new Set<number>();
            for (const ordinal of [1, 2]) {
              for (const row of await cluster.query<{ id: number }[]>(ordinal, "SELECT id FROM acks")) held.add(row.id);
            }
            missing = acknowledged.filter((id) => !held.has(id));
            return missing.length === 0;
          },
          30_000,
        )
        .catch((error: Error) => {
          throw new Error(
            `${error.message}: ${missing.length} of ${acknowledged.length} acknowledged commits are on no replica (first: ${missing.slice(0, 5)})`,
          );
        });
    } finally {
      await cluster.runner.restoreNetwork(0);
    }
    await cluster.runner.waitReady(0, 300_000);
    await cluster.waitConsistent([1, 2]);
    assert.ok(acknowledged.length >= 100);
  });
});
