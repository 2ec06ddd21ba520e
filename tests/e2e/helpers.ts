// Shared by the end-to-end tests: renders a cluster with the component's own
// builders and freshly generated passwords, runs it with the local pod runner,
// and gives SQL access from the host as a client application would have it.

import { randomBytes } from "crypto";
import * as http from "http";
import * as mysql from "mysql2/promise";
import { MySqlClusterArgs, renderObjects, resolveArgs } from "../../components/mysql-cluster";
import { TlsMaterial } from "../../components/mysql-cluster/builders/tls-secret";
import { PORTS, SECRET_KEYS } from "../../components/mysql-cluster/names";
import { LocalCluster, LocalClusterOptions } from "../../local/cluster";
import { generatePassword } from "../../local/render-source";
import { testCertificates } from "../../local/tls";

export { generatePassword };

export const APP = { database: "shop", user: "shop" };

/** Settings every e2e cluster shares: MariaDB (the flavor this machine can run), small memory. */
export const E2E_ARGS: MySqlClusterArgs = {
  flavor: "mariadb",
  memoryRequest: "256Mi",
  memoryLimit: "512Mi",
  appDatabase: APP.database,
  appUser: APP.user,
  maxReadLagSeconds: 5,
};

/**
 * The runner's id names host-wide things (bridge, network namespaces, /tmp dirs): three letters of the
 * test's name for the logs plus three random ones, so two suites on one machine (a CI run beside a
 * developer's) never reach for the same bridge.
 */
function uniqueClusterId(name: string): string {
  const prefix = name.replace(/[^a-z0-9]/g, "").slice(0, 3);
  return prefix + randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, "0").slice(-3);
}

export class TestCluster {
  readonly passwords: Record<string, string> = {};
  readonly tls: TlsMaterial<string>;
  readonly runner: LocalCluster;
  /** The settings replicas and primaryOrdinal as last applied. */
  private replicas: number;
  primary: number;
  private readonly connections: mysql.Connection[] = [];

  /**
   * `passwords` fixes some Secret values; `mutate` edits the rendered objects
   * (e.g. drops a Secret key) to stage a misconfiguration; `runner` sets
   * runner options, e.g. a shorter kubelet sync than the real default
   * (volumeSyncPeriodMs) for a test that only needs a refresh to happen.
   */
  constructor(
    readonly name: string,
    public args: MySqlClusterArgs,
    passwords: Record<string, string> = {},
    private readonly mutate: (objects: object[]) => void = () => undefined,
    runner: Pick<LocalClusterOptions, "volumeSyncPeriodMs"> = {},
  ) {
    // Every key of the component's credentials Secret (names.ts), whichever the settings need now or
    // after a reconfigure: a key left out would reach the Secret as the string "undefined".
    for (const key of Object.values(SECRET_KEYS)) this.passwords[key] = passwords[key] ?? generatePassword();
    this.tls = testCertificates(resolveArgs(name, args));
    this.replicas = args.replicas ?? 3;
    this.primary = args.primaryOrdinal ?? 0;
    this.runner = new LocalCluster({
      objects: this.render(this.replicas) as never,
      clusterId: uniqueClusterId(name),
      log: process.env.E2E_VERBOSE ? (line) => console.log(`      [${name}] ${line}`) : undefined,
      readyTimeoutMs: 300_000,
      ...runner,
    });
  }

  render(replicas: number): object[] {
    const objects = renderObjects(
      resolveArgs(this.name, { ...this.args, replicas, primaryOrdinal: this.primary }),
      (key) => {
        const value = this.passwords[key];
        if (value === undefined) throw new Error(`TestCluster ${this.name} has no password for Secret key ${key}`);
        return value;
      },
      this.tls,
    );
    this.mutate(objects);
    return objects;
  }

  async up(): Promise<this> {
    await this.runner.up();
    return this;
  }

  async scale(replicas: number): Promise<void> {
    this.replicas = replicas;
    await this.runner.apply(this.render(replicas) as never);
  }

  /** `pulumi config set ...` then `pulumi up`: other settings changed, the objects applied. */
  async reconfigure(changes: Partial<MySqlClusterArgs>): Promise<void> {
    this.args = { ...this.args, ...changes };
    await this.runner.apply(this.render(this.replicas) as never);
  }

  /** A data volume's capacity and use in MiB, as `df` in pod `ordinal`'s sidecar sees /var/lib/mysql. */
  async dataVolume(ordinal: number): Promise<{ sizeMiB: number; usedMiB: number }> {
    const r = await this.runner.exec(ordinal, "sidecar", ["df", "-B1M", "--output=size,used", "/var/lib/mysql"]);
    if (r.code !== 0) throw new Error(`df in pod ${ordinal} failed: ${r.stderr}`);
    const [size, used] = r.stdout.trim().split("\n")[1].trim().split(/\s+/).map(Number);
    return { sizeMiB: size, usedMiB: used };
  }

  /** The ordinal of the pod holding the cluster's Lease (the primary, or the one becoming it), or undefined. */
  leaseHolder(): number | undefined {
    return this.runner.leaseHolder();
  }

  /** Waits until pod `ordinal` (any pod, when undefined) holds the Lease and takes writes; returns its ordinal. */
  async waitPrimary(ordinal?: number, timeoutMs = 120_000): Promise<number> {
    let found = -1;
    await this.runner.waitFor(
      `${ordinal === undefined ? "a pod" : `pod ${ordinal}`} to hold the Lease and take writes`,
      async () => {
        const holder = this.leaseHolder();
        if (holder === undefined || (ordinal !== undefined && holder !== ordinal)) return false;
        const readOnly = await this.rootSql(holder, "SELECT @@global.read_only").catch(() => "");
        if (readOnly.trim() !== "0") return false;
        found = holder;
        return true;
      },
      timeoutMs,
    );
    return found;
  }

  /** `pulumi up` with primaryOrdinal changed: applies the new objects (the Lease's switchover request). */
  async switchover(ordinal: number): Promise<void> {
    this.primary = ordinal;
    await this.runner.apply(this.render(this.replicas) as never);
  }

  /** One query as the application user through the write Service, as an application sends its writes. */
  async queryWriteService<T = mysql.RowDataPacket[]>(sql: string): Promise<T> {
    const service = this.runner.services().find((s) => s.name === `${this.name}-write`);
    if (!service) throw new Error(`no Service ${this.name}-write is proxied`);
    const connection = await mysql.createConnection({
      host: service.host,
      port: service.port,
      user: APP.user,
      password: this.passwords["app-password"],
      database: APP.database,
      connectTimeout: 5000,
      ssl: { ca: this.tls.ca, rejectUnauthorized: true },
    });
    try {
      const [rows] = await connection.query(sql);
      return rows as T;
    } finally {
      connection.destroy();
    }
  }

  /** A connection from the host to pod `ordinal` as the application user (or monitor). */
  async connect(ordinal: number, as: "app" | "monitor" = "app"): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      host: this.runner.podIp(ordinal),
      port: 3306,
      user: as === "app" ? APP.user : "monitor",
      password: this.passwords[as === "app" ? "app-password" : "monitor-password"],
      database: as === "app" ? APP.database : undefined,
      connectTimeout: 5000,
      multipleStatements: false,
      // Verified against the cluster's CA (by IP, so the name is not checked).
      ssl: { ca: this.tls.ca, rejectUnauthorized: true },
    });
    this.connections.push(connection);
    return connection;
  }

  /**
   * One query on a fresh connection, closed and forgotten afterwards (a writer makes thousands).
   * `timeoutMs` bounds the statement, as a client must against a server cut off mid-commit (no
   * answer ever comes); a timed-out connection is destroyed, not ended.
   */
  async query<T = mysql.RowDataPacket[]>(
    ordinal: number,
    sql: string,
    as: "app" | "monitor" = "app",
    timeoutMs?: number,
  ): Promise<T> {
    const connection = await this.connect(ordinal, as);
    let failed = false;
    try {
      const [rows] = await connection.query({ sql, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) });
      return rows as T;
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (failed && timeoutMs !== undefined) connection.destroy();
      else await connection.end().catch(() => connection.destroy());
      this.connections.splice(this.connections.indexOf(connection), 1);
    }
  }

  /** SQL as root, inside pod `ordinal`'s sidecar over the local socket (root cannot log in from the network). */
  async rootSql(ordinal: number, sql: string): Promise<string> {
    const result = await this.runner.exec(ordinal, "sidecar", ["bash", "-c", "source /scripts/lib.sh && sql_root"], {
      stdin: sql,
      timeoutMs: 60_000,
    });
    if (result.code !== 0) throw new Error(`root SQL on pod ${ordinal} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  }

  /** A container's log so far, or "" while its pod does not exist yet. */
  logsSoFar(ordinal: number, container: string): string {
    try {
      return this.runner.logs(ordinal, container);
    } catch {
      return "";
    }
  }

  /** CHECKSUM TABLE for every table of the app database, as "table=checksum" lines. */
  async checksums(ordinal: number): Promise<string> {
    const tables = await this.query<{ TABLE_NAME: string }[]>(
      ordinal,
      `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${APP.database}' ORDER BY TABLE_NAME`,
    );
    const lines: string[] = [];
    for (const { TABLE_NAME } of tables) {
      const [row] = await this.query<{ Checksum: number }[]>(ordinal, `CHECKSUM TABLE \`${TABLE_NAME}\``);
      lines.push(`${TABLE_NAME}=${row.Checksum}`);
    }
    return lines.join(" ");
  }

  /** Replication state of a replica as the monitor user sees it ("none" and -1 on a pod that is no replica). */
  async replicaStatus(
    ordinal: number,
  ): Promise<{ io: string; sql: string; error: string; source: string; sqlErrno: number }> {
    const [row] = await this.query<Record<string, string>[]>(ordinal, "SHOW REPLICA STATUS", "monitor");
    return {
      io: row?.Slave_IO_Running ?? "none",
      sql: row?.Slave_SQL_Running ?? "none",
      error: row?.Last_IO_Error ?? "",
      source: row?.Master_Host ?? "none",
      sqlErrno: Number(row?.Last_SQL_Errno ?? -1),
    };
  }

  /** Polls until every pod in `ordinals` has the same app checksums as the primary. */
  async waitConsistent(ordinals: number[], timeoutMs = 120_000, primary = this.primary): Promise<string> {
    let expected = "";
    let last: Record<number, string> = {};
    await this.runner
      .waitFor(
        `pods ${ordinals.join(",")} to match the primary's checksums`,
        async () => {
          // The primary may be restarting: an error is "not yet", not a failure.
          expected = await this.checksums(primary).catch((e) => `error: ${e.message}`);
          if (expected.startsWith("error:")) return false;
          last = {};
          for (const ordinal of ordinals)
            last[ordinal] = await this.checksums(ordinal).catch((e) => `error: ${e.message}`);
          return ordinals.every((o) => last[o] === expected);
        },
        timeoutMs,
      )
      .catch((error: Error) => {
        throw new Error(`${error.message}; primary: ${expected}; replicas: ${JSON.stringify(last)}`);
      });
    return expected;
  }

  async down(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    await this.runner.down();
  }
}

/** An HTTP GET to a pod's metrics port (the exporter): status and body. */
export function metricsGet(host: string, pathAndQuery = "/metrics"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port: PORTS.metrics, path: pathAndQuery, timeout: 15_000 }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.on("timeout", () => request.destroy(new Error("metrics request timed out")));
  });
}

/**
 * A client that inserts ids 1, 2, 3... into `table` on the primary (pod 0, or
 * through the write Service), one autocommit statement at a time, and records
 * every id whose commit was acknowledged; failed statements are retried with
 * the next id. stop() ends it.
 */
export function startAcknowledgedWriter(
  cluster: TestCluster,
  table: string,
  through: "pod0" | "writeService" | "leaseHolder" = "pod0",
  /** A statement timeout (leaseHolder and pod0 only): a commit cut off mid-way fails instead of hanging. */
  statementTimeoutMs?: number,
) {
  const acknowledged: number[] = [];
  const acknowledgedAt: number[] = [];
  let stopped = false;
  const done = (async () => {
    for (let id = 1; !stopped; id++) {
      try {
        const sql = `INSERT INTO \`${table}\` VALUES (${id})`;
        if (through === "writeService") await cluster.queryWriteService(sql);
        else await cluster.query(through === "pod0" ? 0 : (cluster.leaseHolder() ?? 0), sql, "app", statementTimeoutMs);
        acknowledged.push(id);
        acknowledgedAt.push(Date.now());
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  })();
  return {
    acknowledged,
    /** When each acknowledgement arrived (ms since the epoch), in the same order. */
    acknowledgedAt,
    async stop(): Promise<void> {
      stopped = true;
      await done;
    },
  };
}

/**
 * What a bulk load takes for "the primary refused this batch, nothing of it was written": read-only (it
 * fenced itself meanwhile: a Lease renewal late on a loaded machine) or, for a batch in flight, a closed
 * connection (the fence closes the clients' connections; such a batch may or may not have committed, so
 * a load is "about" its size either way).
 */
const REFUSED_BY_FENCE = ["ER_OPTION_PREVENTS_STATEMENT", "PROTOCOL_CONNECTION_LOST", "ECONNRESET", "EPIPE"];
/** A load gives up after the primary turned read-only this often under it. */
const MAX_FENCED_BATCHES = 5;

/**
 * Inserts about `megabytes` MB of incompressible rows (batches of 1000 rows of 1000 random bytes) into
 * table `table` of the app database through the pod that holds the Lease and takes writes, or into
 * `tables` tables `<table>_0`... in parallel (so a parallel backup has files to spread over). A batch
 * the primary refused is sent again once a primary takes writes, and logged.
 */
export async function writeBulk(
  cluster: TestCluster,
  table: string,
  megabytes: number,
  { tables = 1, log = () => undefined }: { tables?: number; log?: (line: string) => void } = {},
): Promise<void> {
  let fenced = 0;
  const loadTable = async (name: string, mb: number): Promise<void> => {
    let connection = await cluster.connect(await cluster.waitPrimary());
    try {
      await connection.query(
        `CREATE TABLE IF NOT EXISTS \`${name}\` (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARBINARY(1024) NOT NULL)`,
      );
      const rowsPerBatch = 1000;
      const batches = Math.ceil((mb * 1024) / rowsPerBatch);
      for (let i = 0; i < batches; i++) {
        const values = Array.from({ length: rowsPerBatch }, () => [randomBytes(1000)]);
        for (;;) {
          try {
            await connection.query(`INSERT INTO \`${name}\` (payload) VALUES ?`, [values]);
            break;
          } catch (e) {
            if (!REFUSED_BY_FENCE.includes((e as { code?: string }).code ?? "") || ++fenced > MAX_FENCED_BATCHES)
              throw e;
            const refusedAt = Date.now();
            connection.destroy(); // it may be the one the fence closed: no goodbye on it
            const primary = await cluster.waitPrimary();
            log(
              `load: the primary stopped taking writes under the load (${name}, batch ${i + 1} of ${batches}: ${(e as Error).message}); pod ${primary} writable after ${((Date.now() - refusedAt) / 1000).toFixed(1)} s, batch sent again`,
            );
            connection = await cluster.connect(primary);
          }
        }
      }
    } finally {
      await connection.end().catch(() => connection.destroy());
    }
  };
  const names = tables === 1 ? [table] : Array.from({ length: tables }, (_, i) => `${table}_${i}`);
  await Promise.all(names.map((name) => loadTable(name, megabytes / names.length)));
}
