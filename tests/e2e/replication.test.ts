// End to end on real MariaDB servers: a 3-pod cluster bootstraps, replicates
// writes from the primary to both replicas, refuses writes on replicas, spreads
// reads over pods, survives a replica restart without re-cloning, and keeps a
// replica whose network was cut out of the read Service until it catches up.

import * as assert from "assert";
import * as mysql from "mysql2/promise";
import { E2E_ARGS, TestCluster } from "./helpers";

describe("a 3-pod cluster on real servers", function () {
  this.timeout(600_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("repl", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.query(0, "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100))");
  });
  after(async () => cluster?.down());

  it("replicates a write on the primary to both replicas within seconds", async () => {
    await cluster.query(0, "INSERT INTO notes VALUES (1, 'written on the primary')");
    for (const ordinal of [1, 2]) {
      await cluster.runner.waitFor(
        `row 1 on replica ${ordinal}`,
        async () =>
          (await cluster.query<{ body: string }[]>(ordinal, "SELECT body FROM notes WHERE id = 1"))[0]?.body ===
          "written on the primary",
        10_000,
      );
    }
  });

  it("refuses a write on a replica", async () => {
    await assert.rejects(
      cluster.query(1, "INSERT INTO notes VALUES (2, 'on a replica')"),
      (error: { errno?: number; message: string }) => error.errno === 1290 && /read-only|read_only/.test(error.message),
    );
  });

  it("gives each pod its own server id", async () => {
    const ids = [];
    for (const ordinal of [0, 1, 2])
      ids.push((await cluster.query<{ id: number }[]>(ordinal, "SELECT @@server_id AS id"))[0].id);
    assert.deepStrictEqual(ids, [100, 101, 102]);
  });

  it("spreads reads through the read Service over more than one pod", async () => {
    const { host, port } = cluster.runner.readServiceAddress();
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const connection = await mysql.createConnection({
        host,
        port,
        user: "shop",
        password: cluster.passwords["app-password"],
        database: "shop",
        ssl: { ca: cluster.tls.ca },
      });
      const [rows] = await connection.query("SELECT @@server_id AS id");
      seen.add((rows as { id: number }[])[0].id);
      await connection.end();
    }
    assert.ok(seen.size > 1, `every read went to server ${[...seen]}`);
  });

  it("restarts a replica without cloning again and resumes replication where it stopped", async () => {
    await cluster.runner.restartPod(2);
    await cluster.query(0, "INSERT INTO notes VALUES (3, 'written while replica 2 restarted')");
    await cluster.runner.waitReady(2);
    const cloneLog = cluster.runner.logs(2, "clone-data");
    assert.match(cloneLog, /data directory present; not cloning/);
    assert.strictEqual(cloneLog.match(/cloning from/g)?.length, 1, "cloned more than once");
    await cluster.waitConsistent([1, 2]);
    const status = await cluster.replicaStatus(2);
    assert.deepStrictEqual([status.io, status.sql], ["Yes", "Yes"]);
  });

  it("keeps a replica whose network is cut out of the read Service while it lags, and it catches up after", async () => {
    const writer = (async () => {
      for (let id = 100; id < 130; id++) {
        await cluster.query(0, `INSERT INTO notes VALUES (${id}, 'during the cut')`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    await cluster.runner.cutNetwork(1);
    try {
      // maxReadLagSeconds is 5 here: the replica must go unready well within the 30 s cut.
      await cluster.runner.waitFor(
        "replica 1 to become not ready while cut off",
        () => !cluster.runner.isReady(1),
        25_000,
      );
    } finally {
      await writer;
      await cluster.runner.restoreNetwork(1);
    }
    await cluster.runner.waitFor(
      "replica 1 to be ready again after catching up",
      () => cluster.runner.isReady(1),
      120_000,
    );
    await cluster.waitConsistent([1, 2]);
  });
});
