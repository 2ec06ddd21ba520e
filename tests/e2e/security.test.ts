// Security on real servers: TLS on client and replication connections, a
// backup port that serves only members of the cluster (not every holder of a
// certificate from a shared CA), root confined to its own pod and its
// credentials to its own container, a metrics port that serves only GET
// /metrics, a replication user that cannot read data, a rotation that no
// unsafe Secret value can turn into SQL, and a password rotation that keeps
// replication running with no password on any command line or in any binary log.

import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as mysql from "mysql2/promise";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { resolveArgs } from "../../components/mysql-cluster";
import { APP, E2E_ARGS, generatePassword, metricsGet, TestCluster } from "./helpers";
import { sharedCaCertificates, testCertificates } from "../../local/tls";

/** The first line a member sends on the backup port (lib.sh stream_token). */
function streamToken(backupPassword: string): string {
  return createHash("sha256").update(`mysql-cluster backup stream\n${backupPassword}\n`).digest("hex");
}

/** Bytes a client gets from the backup port with the given TLS identity (or none: plain TCP), sending `firstLine` if given. */
function bytesFromBackupPort(
  host: string,
  identity?: { cert: string; key: string; ca: string },
  firstLine?: string,
): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const socket: net.Socket = identity
      ? tls.connect(
          { host, port: 3307, cert: identity.cert, key: identity.key, ca: identity.ca, rejectUnauthorized: false },
          () => firstLine !== undefined && socket.write(`${firstLine}\n`),
        )
      : net.connect({ host, port: 3307 });
    socket.on("data", (chunk: Buffer) => (received += chunk.length));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(received));
    socket.setTimeout(15_000, () => socket.destroy());
  });
}

/**
 * Reads /proc/<pid>/cmdline of every process on the machine (the pods' too) in
 * a loop until stopped, and records each command line that holds one of the
 * values `secrets()` returns (shown with the value masked).
 */
function sampleCommandLines(secrets: () => string[]) {
  const hits: string[] = [];
  let samples = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const values = secrets();
      for (const pid of fs.readdirSync("/proc")) {
        if (!/^[0-9]+$/.test(pid)) continue;
        let line: string;
        try {
          line = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1");
        } catch {
          continue;
        }
        for (const value of values)
          if (line.includes(value))
            hits.push(`pid ${pid}: ${line.split(value).join("<password>").replace(/\0/g, " ").slice(0, 300)}`);
      }
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    hits,
    samples: () => samples,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

describe("security of a running cluster", function () {
  this.timeout(900_000);
  let cluster: TestCluster;
  // The cluster's certificates come from a "company CA" (setting tlsSecret) that also signed another workload's.
  const shared = sharedCaCertificates(resolveArgs("sec", { ...E2E_ARGS }), "company");
  const everyPassword = new Set<string>();

  before(async () => {
    cluster = new TestCluster("sec", { ...E2E_ARGS, replicas: 3, tlsSecret: "company-tls" }, {}, (objects) => {
      const credentials = objects.find((o) => (o as { kind: string }).kind === "Secret") as {
        metadata: { namespace: string };
      };
      objects.push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "company-tls", namespace: credentials.metadata.namespace },
        stringData: { "tls.crt": shared.cluster.cert, "tls.key": shared.cluster.key, "ca.crt": shared.cluster.ca },
      });
    });
    Object.assign(cluster, { tls: shared.cluster });
    for (const value of Object.values(cluster.passwords)) everyPassword.add(value);
    await cluster.up();
    await cluster.query(0, "CREATE TABLE secrets (id INT PRIMARY KEY, body VARCHAR(100))");
    await cluster.query(0, "INSERT INTO secrets VALUES (1, 'application data')");
  });
  after(async () => cluster?.down());

  it("negotiates TLS on client connections and refuses plaintext ones", async () => {
    const [row] = await cluster.query<{ Value: string }[]>(0, "SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    assert.ok(row.Value.length > 0, "no TLS cipher on the client connection");
    console.log(`      client connection cipher: ${row.Value}`);
    const [setting] = await cluster.query<{ Value: string }[]>(
      0,
      "SHOW GLOBAL VARIABLES LIKE 'require_secure_transport'",
    );
    assert.strictEqual(setting.Value, "ON");
    // The same credentials without TLS are refused (MariaDB answers "access denied", MySQL "insecure transport").
    await assert.rejects(
      mysql.createConnection({
        host: cluster.runner.podIp(0),
        user: "shop",
        password: cluster.passwords["app-password"],
        database: "shop",
      }),
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
    const result = await cluster.runner.exec(1, "sidecar", [
      "bash",
      "-c",
      'source /scripts/lib.sh && sql_remote "$(primary_host)" replicator replication-password -e "SHOW SESSION STATUS LIKE \'Ssl_cipher\'"',
    ]);
    assert.strictEqual(result.code, 0, result.stderr);
    const cipher = result.stdout.trim().split("\t")[1];
    assert.ok(cipher, `no cipher for the replication user: ${result.stdout}`);
    console.log(`      replication user's connection cipher: ${cipher}`);
  });

  it("serves no backup to a client that is not a member of the cluster, even one with a certificate from the same (shared) CA", async () => {
    const host = cluster.runner.podIp(1);
    const token = streamToken(cluster.passwords["backup-password"]);
    assert.strictEqual(await bytesFromBackupPort(host), 0, "plain TCP got backup bytes");
    const outsider = testCertificates(resolveArgs("sec", { ...E2E_ARGS }), "outsider");
    assert.strictEqual(
      await bytesFromBackupPort(host, outsider, token),
      0,
      "a certificate from another CA got backup bytes",
    );
    assert.strictEqual(
      await bytesFromBackupPort(host, shared.intruder),
      0,
      "another workload's certificate from the shared CA got backup bytes",
    );
    assert.strictEqual(
      await bytesFromBackupPort(host, shared.intruder, "0".repeat(64)),
      0,
      "a wrong token got backup bytes",
    );
    assert.strictEqual(
      await bytesFromBackupPort(host, cluster.tls),
      0,
      "the cluster's own certificate without the token got backup bytes",
    );
    await cluster.runner.waitFor(
      "the sidecar to log the refusals",
      () => /refused .*did not prove membership \(stream token\); nothing sent/.test(cluster.runner.logs(1, "sidecar")),
      30_000,
    );
    // A member does get a stream: the cluster's certificate and the token.
    assert.ok((await bytesFromBackupPort(host, cluster.tls, token)) > 1_000_000, "a member got no backup");
  });

  it("keeps root's option file from every container but the sidecar (the server's and the exporter's reads fail)", async () => {
    const rootFiles = ["/run/mysql-private/root.cnf", "/run/mysqld/root.cnf"];
    for (const ordinal of [0, 1]) {
      for (const file of rootFiles) {
        const read = await cluster.runner.exec(ordinal, "mysql", ["cat", file]);
        assert.notStrictEqual(read.code, 0, `the server container of pod ${ordinal} read ${file}`);
        assert.strictEqual(read.stdout, "");
        // The exporter image has no shell: the attempt is its own binary loading the file as its login.
        const exporter = await cluster.runner.exec(
          ordinal,
          "exporter",
          ["mysqld_exporter", `--config.my-cnf=${file}`, "--web.listen-address=127.0.0.1:0"],
          { timeoutMs: 10_000 },
        );
        assert.match(
          exporter.stdout + exporter.stderr,
          /no such file|Error parsing my\.cnf|failed to load/i,
          `the exporter of pod ${ordinal} loaded ${file}`,
        );
      }
      for (const file of ["/run/mysql-exporter/exporter.cnf", "/etc/mysql-secrets/root-password"]) {
        const read = await cluster.runner.exec(ordinal, "mysql", ["cat", file]);
        assert.notStrictEqual(read.code, 0, `the server container of pod ${ordinal} read ${file}`);
      }
      // The one container that uses it does read it.
      const own = await cluster.runner.exec(ordinal, "sidecar", ["bash", "-c", "[[ -s /run/mysql-private/root.cnf ]]"]);
      assert.strictEqual(own.code, 0, "the sidecar has no root option file");
    }
  });

  it("serves only GET /metrics on the metrics port: the exporter's multi-target endpoints are out of reach", async () => {
    const host = cluster.runner.podIp(1);
    const metrics = await metricsGet(host, "/metrics");
    assert.strictEqual(metrics.status, 200);
    assert.match(metrics.body, /^mysql_up 1$/m);
    for (const request of [
      "/probe?target=10.0.0.1:3306",
      "/metrics?target=10.0.0.1:3306",
      "/probe?target=unix:///run/mysqld/mysqld.sock&auth_module=client",
      "/-/reload",
      "/",
    ]) {
      const answer = await metricsGet(host, request);
      assert.strictEqual(answer.status, 403, `${request} answered ${answer.status}`);
      assert.doesNotMatch(answer.body, /mysql_/, request);
    }
  });

  it("turns no unsafe Secret value into SQL: an injection and an honest mistake change nothing, pods stay Ready, one log line names the key", async () => {
    const good = { ...cluster.passwords };
    const attack = "x'; CREATE USER evil@'%' IDENTIFIED BY 'pw'; GRANT ALL ON *.* TO evil@'%' WITH GRANT OPTION; -- ";
    const attackReplication = "y'; CREATE USER evil2@'%' IDENTIFIED BY 'pw'; -- ";
    const honest = "it'sNew";
    const notReady: string[] = [];
    const watch = setInterval(() => {
      for (const ordinal of [0, 1, 2])
        if (!cluster.runner.isReady(ordinal)) notReady.push(`pod ${ordinal} at ${new Date().toISOString()}`);
    }, 200);
    const argv = sampleCommandLines(() => [attack, attackReplication, honest, ...everyPassword]);
    const verdictTime = async (ordinal: number) =>
      Number(
        (
          await cluster.runner.exec(ordinal, "mysql", ["bash", "-c", 'read -r t _ </run/mysqld/readiness; echo "$t"'])
        ).stdout.trim(),
      );
    try {
      for (const [values, key] of [
        [{ "root-password": attack, "replication-password": attackReplication }, "root-password"],
        [{ "root-password": honest }, "root-password"],
      ] as const) {
        const logged = (ordinal: number) =>
          (
            cluster.runner
              .logs(ordinal, "sidecar")
              .match(new RegExp(`password "${key}" in Secret sec-credentials has characters outside`, "g")) ?? []
          ).length;
        const before = [0, 1, 2].map(logged);
        Object.assign(cluster.passwords, good, values);
        await cluster.runner.apply(cluster.render(3) as never);
        for (const ordinal of [0, 1, 2]) {
          await cluster.runner.waitFor(
            `pod ${ordinal}'s sidecar to name the unusable key ${key}`,
            () => logged(ordinal) > before[ordinal],
            120_000,
          );
        }
        // Two more sidecar rounds on every pod: still one line per bad value, still Ready.
        for (const ordinal of [0, 1, 2]) {
          const seen = await verdictTime(ordinal);
          await cluster.runner.waitFor(
            `pod ${ordinal}'s sidecar to finish two more rounds`,
            async () => (await verdictTime(ordinal)) >= seen + 6,
            60_000,
          );
          assert.strictEqual(
            logged(ordinal),
            before[ordinal] + 1,
            `pod ${ordinal} logged the bad ${key} more than once`,
          );
        }
        for (const ordinal of [0, 1, 2]) {
          assert.strictEqual(
            await cluster.rootSql(ordinal, "SELECT COUNT(*) FROM mysql.user WHERE user LIKE 'evil%'"),
            "0\n",
            `a user was created on pod ${ordinal}`,
          );
          // Root's saved password is still the working one (compared inside the pod; the value goes on stdin).
          const saved = await cluster.runner.exec(
            ordinal,
            "sidecar",
            ["bash", "-c", 'source /scripts/lib.sh; IFS= read -r want; [[ $(saved_root_password) == "$want" ]]'],
            { stdin: `${good["root-password"]}\n` },
          );
          assert.strictEqual(saved.code, 0, `pod ${ordinal}'s saved root password was replaced`);
          for (const container of ["sidecar", "mysql"]) {
            const log = cluster.runner.logs(ordinal, container);
            for (const value of [attack, attackReplication, honest, "evil@", "it's"])
              assert.ok(!log.includes(value), `pod ${ordinal}'s ${container} log shows the value`);
          }
        }
        // The application still works with its password.
        await cluster.query(0, "SELECT 1");
      }
    } finally {
      clearInterval(watch);
      await argv.stop();
      Object.assign(cluster.passwords, good);
    }
    assert.deepStrictEqual(notReady, [], "a pod went NotReady");
    assert.deepStrictEqual(argv.hits, [], "a Secret value appeared on a command line");
    await cluster.runner.apply(cluster.render(3) as never);
    // The good values reach the pods only at the kubelet's next sync (up to 90 s):
    // the tests after this one read them.
    for (let ordinal = 0; ordinal < 3; ordinal++) {
      await cluster.runner.waitFor(
        `pod ${ordinal}'s Secret files to hold usable passwords again`,
        async () =>
          (
            await cluster.runner.exec(ordinal, "sidecar", [
              "bash",
              "-c",
              "source /scripts/lib.sh && read_password p root-password && read_password p replication-password",
            ])
          ).code === 0,
        180_000,
      );
    }
  });

  it("refuses root from another pod", async () => {
    const result = await cluster.runner.exec(1, "sidecar", [
      "bash",
      "-c",
      "source /scripts/lib.sh && sql_remote \"$(primary_host)\" root root-password -e 'SELECT 1'",
    ]);
    assert.notStrictEqual(result.code, 0, "root logged in from another pod");
    assert.match(result.stderr, /Access denied|not allowed/);
  });

  // README, Security, "root from the network": nothing but the cluster's own accounts survives
  // bootstrap, on every pod (the users are applied per pod, not replicated).
  it("has only the cluster's own accounts on every pod: root@localhost, no other root, anonymous or install-tool login", async () => {
    for (let ordinal = 0; ordinal < 3; ordinal++) {
      const accounts = (await cluster.rootSql(ordinal, "SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1"))
        .trim()
        .split("\n");
      const expected = [
        "backup@localhost",
        "mariadb.sys@localhost",
        "monitor@%",
        "replicator@%",
        "root@localhost",
        `${E2E_ARGS.appUser ?? "app"}@%`,
      ];
      if (accounts.includes("exporter@localhost")) expected.push("exporter@localhost");
      assert.deepStrictEqual([...accounts].sort(), expected.sort(), `accounts on pod ${ordinal}`);
    }
  });

  it("does not let the replication user read application data", async () => {
    const connection = await mysql.createConnection({
      host: cluster.runner.podIp(0),
      user: "replicator",
      password: cluster.passwords["replication-password"],
      ssl: { ca: cluster.tls.ca },
    });
    try {
      await assert.rejects(
        connection.query("SELECT * FROM shop.secrets"),
        (e: { errno?: number }) => e.errno === 1142 || e.errno === 1044,
      );
    } finally {
      await connection.end();
    }
  });

  it("rotates every password without a restart while replication keeps running, with no password on any command line", async () => {
    const before = { ...cluster.passwords };
    // Every key, the exporter's included: its login must change for the reload to be due.
    for (const key of Object.keys(cluster.passwords)) cluster.passwords[key] = generatePassword();
    for (const value of Object.values(cluster.passwords)) everyPassword.add(value);
    const restarts = cluster.runner.status().map((p) => p.restarts);
    const argv = sampleCommandLines(() => [...everyPassword]);
    await cluster.runner.apply(cluster.render(3) as never);

    let lastError = "";
    await cluster.runner
      .waitFor(
        `the primary to accept the new application password (last error: ${lastError})`,
        async () =>
          cluster.query(0, "SELECT 1").then(
            () => true,
            (e: Error) => ((lastError = e.message), false),
          ),
        120_000,
      )
      .catch((e: Error) => {
        throw new Error(
          `${e.message}; last error: ${lastError}; primary sidecar log:\n${cluster.runner.logs(0, "sidecar").slice(-3000)}`,
        );
      });
    await assert.rejects(
      mysql.createConnection({
        host: cluster.runner.podIp(0),
        user: "shop",
        password: before["app-password"],
        database: "shop",
        ssl: { ca: cluster.tls.ca },
      }),
      /Access denied/,
    );
    for (const ordinal of [0, 1, 2]) {
      await cluster.runner.waitFor(
        `pod ${ordinal} to take the rotated root password`,
        () => /root's password now follows the Secret \(rotated\)/.test(cluster.runner.logs(ordinal, "sidecar")),
        120_000,
      );
    }
    // Make the replicas reconnect: they must pick up the rotated replication password.
    for (const ordinal of [1, 2]) await cluster.rootSql(ordinal, "STOP SLAVE; START SLAVE;");
    await cluster.query(0, "INSERT INTO secrets VALUES (2, 'written after the rotation')");
    for (const ordinal of [1, 2]) {
      await cluster.runner.waitFor(
        `replica ${ordinal} to replicate with the rotated password`,
        async () => {
          const status = await cluster.replicaStatus(ordinal);
          const rows = await cluster.query<{ id: number }[]>(ordinal, "SELECT id FROM secrets WHERE id = 2");
          return status.io === "Yes" && status.sql === "Yes" && rows.length === 1;
        },
        120_000,
      );
    }
    // The exporter was asked to re-read its login (mysqld_exporter >= 0.15 answers "ok"; the 0.14 here cannot).
    for (const ordinal of [0, 1, 2]) {
      await cluster.runner.waitFor(
        `pod ${ordinal}'s sidecar to ask the exporter to reload`,
        () =>
          /the exporter (re-read its login|did not confirm re-reading its login)/.test(
            cluster.runner.logs(ordinal, "sidecar"),
          ),
        60_000,
      );
    }
    await argv.stop();
    console.log(`      ${argv.samples()} samples of every process's command line during the rotation`);
    assert.ok(argv.samples() > 50, "too few command-line samples");
    assert.deepStrictEqual(argv.hits, [], "a password appeared on a command line");
    assert.deepStrictEqual(
      cluster.runner.status().map((p) => p.restarts),
      restarts,
      "a pod restarted during the rotation",
    );
  });

  it("keeps every password, old and new, out of every binary and relay log, and binary log events from every cluster user but backup", async () => {
    const passwords = [...everyPassword];
    for (const ordinal of [0, 1, 2]) {
      const dataDir = path.join(cluster.runner.pvcDir("data", ordinal), "data");
      const logs = fs.readdirSync(dataDir).filter((f) => /^(binlog|relay-bin)\.[0-9]+$/.test(f));
      assert.ok(logs.length > 0, `no binary log on pod ${ordinal}`);
      for (const file of logs) {
        const text = fs.readFileSync(path.join(dataDir, file), "latin1");
        for (const value of passwords) assert.ok(!text.includes(value), `pod ${ordinal}'s ${file} holds a password`);
      }
      // Over the network, as the application, monitor and replication users: SHOW BINLOG EVENTS is refused.
      for (const [user, key] of [
        [APP.user, "app-password"],
        ["monitor", "monitor-password"],
        ["replicator", "replication-password"],
      ]) {
        const connection = await mysql.createConnection({
          host: cluster.runner.podIp(ordinal),
          user,
          password: cluster.passwords[key],
          ssl: { ca: cluster.tls.ca },
        });
        try {
          await assert.rejects(
            connection.query("SHOW BINLOG EVENTS"),
            (e: { errno?: number }) => e.errno === 1227,
            `${user} read binary log events on pod ${ordinal}`,
          );
        } finally {
          await connection.end();
        }
      }
      // Over the socket, as exporter (refused) and backup (which mariadb-backup needs BINLOG MONITOR for: no password in it).
      const exporter = await cluster.runner.exec(
        ordinal,
        "sidecar",
        ["bash", "-c", "source /scripts/lib.sh && sql_as exporter exporter-password"],
        { stdin: "SHOW BINLOG EVENTS" },
      );
      assert.notStrictEqual(exporter.code, 0, `exporter read binary log events on pod ${ordinal}`);
      assert.match(exporter.stderr, /BINLOG MONITOR/);
      const backup = await cluster.runner.exec(
        ordinal,
        "sidecar",
        ["bash", "-c", "source /scripts/lib.sh && sql_as backup backup-password"],
        { stdin: "SHOW BINLOG EVENTS" },
      );
      assert.strictEqual(backup.code, 0, backup.stderr);
      for (const value of passwords)
        assert.ok(!backup.stdout.includes(value), `backup sees a password in pod ${ordinal}'s binary log`);
    }
  });
});
