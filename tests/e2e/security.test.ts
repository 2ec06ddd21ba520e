// Security on real servers: TLS on client and replication connections, a
// backup port that serves only members of the cluster, root confined to its
// own pod, a replication user that cannot read data, and a password rotation
// that keeps replication running.

import * as assert from "assert";
import { randomBytes } from "crypto";
import * as mysql from "mysql2/promise";
import * as net from "net";
import * as tls from "tls";
import { resolveArgs } from "../../components/mysql-cluster";
import { E2E_ARGS, TestCluster } from "./helpers";
import { testCertificates } from "./tls";

/** Bytes a client gets from the backup port with the given TLS identity (or none: plain TCP). */
function bytesFromBackupPort(host: string, identity?: { cert: string; key: string; ca: string }): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const socket: net.Socket = identity
      ? tls.connect({ host, port: 3307, cert: identity.cert, key: identity.key, ca: identity.ca, rejectUnauthorized: false })
      : net.connect({ host, port: 3307 });
    socket.on("data", (chunk: Buffer) => (received += chunk.length));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(received));
    socket.setTimeout(15_000, () => socket.destroy());
  });
}

describe("security of a running cluster", function () {
  this.timeout(600_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await new TestCluster("sec", { ...E2E_ARGS, replicas: 3 }).up();
    await cluster.query(0, "CREATE TABLE secrets (id INT PRIMARY KEY, body VARCHAR(100))");
    await cluster.query(0, "INSERT INTO secrets VALUES (1, 'application data')");
  });
  after(async () => cluster?.down());

  it("negotiates TLS on client connections and refuses plaintext ones", async () => {
    const [row] = await cluster.query<{ Value: string }[]>(0, "SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    assert.ok(row.Value.length > 0, "no TLS cipher on the client connection");
    console.log(`      client connection cipher: ${row.Value}`);
    const [setting] = await cluster.query<{ Value: string }[]>(0, "SHOW GLOBAL VARIABLES LIKE 'require_secure_transport'");
    assert.strictEqual(setting.Value, "ON");
    // The same credentials without TLS are refused (MariaDB answers "access denied", MySQL "insecure transport").
    await assert.rejects(
      mysql.createConnection({ host: cluster.runner.podIp(0), user: "shop", password: cluster.passwords["app-password"], database: "shop" }),
      /insecure transport|secure transport|Access denied/i,
    );
  });

  it("replicates over TLS with the primary's certificate verified", async () => {
    for (const ordinal of [1, 2]) {
      const [status] = await cluster.query<Record<string, string>[]>(ordinal, "SHOW REPLICA STATUS", "monitor");
      assert.strictEqual(status.Master_SSL_Allowed, "Yes", `replica ${ordinal} does not use TLS`);
      assert.strictEqual(status.Master_SSL_Verify_Server_Cert, "Yes", `replica ${ordinal} does not verify the primary`);
    }
    // The replication user itself can only connect over TLS: show what it gets.
    const result = await cluster.runner.exec(1, "sidecar", ["bash", "-c",
      "source /scripts/lib.sh && sql_remote \"$(primary_host)\" replicator replication-password -e \"SHOW SESSION STATUS LIKE 'Ssl_cipher'\""]);
    assert.strictEqual(result.code, 0, result.stderr);
    const cipher = result.stdout.trim().split("\t")[1];
    assert.ok(cipher, `no cipher for the replication user: ${result.stdout}`);
    console.log(`      replication user's connection cipher: ${cipher}`);
  });

  it("serves no backup to a client that is not a member of the cluster", async () => {
    const host = cluster.runner.podIp(1);
    assert.strictEqual(await bytesFromBackupPort(host), 0, "plain TCP got backup bytes");
    const outsider = testCertificates(resolveArgs("sec", { ...E2E_ARGS }), "outsider");
    assert.strictEqual(await bytesFromBackupPort(host, outsider), 0, "a certificate from another CA got backup bytes");
    // A member does get a stream: the same call with the cluster's certificate.
    assert.ok(await bytesFromBackupPort(host, cluster.tls) > 1_000_000, "a member got no backup");
  });

  it("refuses root from another pod", async () => {
    const result = await cluster.runner.exec(1, "sidecar", ["bash", "-c",
      "source /scripts/lib.sh && sql_remote \"$(primary_host)\" root root-password -e 'SELECT 1'"]);
    assert.notStrictEqual(result.code, 0, "root logged in from another pod");
    assert.match(result.stderr, /Access denied|not allowed/);
  });

  it("does not let the replication user read application data", async () => {
    const connection = await mysql.createConnection({
      host: cluster.runner.podIp(0), user: "replicator", password: cluster.passwords["replication-password"], ssl: { ca: cluster.tls.ca },
    });
    try {
      await assert.rejects(connection.query("SELECT * FROM shop.secrets"), (e: { errno?: number }) => e.errno === 1142 || e.errno === 1044);
    } finally {
      await connection.end();
    }
  });

  it("rotates every password without a restart while replication keeps running", async () => {
    const before = { ...cluster.passwords };
    for (const key of Object.keys(cluster.passwords)) cluster.passwords[key] = randomBytes(18).toString("base64url").replace(/-/g, "x");
    const restarts = cluster.runner.status().map((p) => p.restarts);
    await cluster.runner.apply(cluster.render(3) as never);

    let lastError = "";
    await cluster.runner.waitFor(`the primary to accept the new application password (last error: ${lastError})`, async () =>
      cluster.query(0, "SELECT 1").then(() => true, (e: Error) => ((lastError = e.message), false)), 120_000).catch((e: Error) => {
      throw new Error(`${e.message}; last error: ${lastError}; primary sidecar log:\n${cluster.runner.logs(0, "sidecar").slice(-3000)}`);
    });
    await assert.rejects(mysql.createConnection({
      host: cluster.runner.podIp(0), user: "shop", password: before["app-password"], database: "shop", ssl: { ca: cluster.tls.ca },
    }), /Access denied/);
    for (const ordinal of [0, 1, 2]) {
      await cluster.runner.waitFor(`pod ${ordinal} to take the rotated root password`, () =>
        /root's password now follows the Secret \(rotated\)/.test(cluster.runner.logs(ordinal, "sidecar")), 120_000);
    }
    // Make the replicas reconnect: they must pick up the rotated replication password.
    for (const ordinal of [1, 2]) await cluster.rootSql(ordinal, "STOP SLAVE; START SLAVE;");
    await cluster.query(0, "INSERT INTO secrets VALUES (2, 'written after the rotation')");
    for (const ordinal of [1, 2]) {
      await cluster.runner.waitFor(`replica ${ordinal} to replicate with the rotated password`, async () => {
        const status = await cluster.replicaStatus(ordinal);
        const rows = await cluster.query<{ id: number }[]>(ordinal, "SELECT id FROM secrets WHERE id = 2");
        return status.io === "Yes" && status.sql === "Yes" && rows.length === 1;
      }, 120_000);
    }
    assert.deepStrictEqual(cluster.runner.status().map((p) => p.restarts), restarts, "a pod restarted during the rotation");
  });
});
