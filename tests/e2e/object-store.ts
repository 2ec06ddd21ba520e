// An S3-compatible object store for the tests (issue 17): s3rver, an S3 REST
// implementation from npm, on an address the caller picks (loopback for unit
// tests, the pod bridge's gateway for e2e pods), with one bucket, its objects
// as files under a directory the test can search. It can be stopped and
// started again on the same address and port (the store unavailable, then
// back). s3rver checks no request signature: refused credentials cannot be
// tested with it.

import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { LocalCluster } from "../../local/cluster";
// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

export class ObjectStore {
  /** Where s3rver keeps the bucket's objects (one directory per object, content and metadata files). */
  readonly directory: string;
  private server?: S3rverInstance;
  private boundPort = 0;
  /** Listeners on other addresses (other clusters' gateways), passing each connection on to the store. */
  private readonly forwarders: net.Server[] = [];
  private readonly forwarded = new Set<net.Socket>();

  constructor(
    readonly address: string,
    readonly bucket = "backups",
  ) {
    this.directory = fs.mkdtempSync(path.join(os.tmpdir(), "object-store-"));
  }

  /** http://address:port, as backupStoreEndpoint takes it. */
  get endpoint(): string {
    if (!this.boundPort) throw new Error("the object store was never started");
    return `http://${this.address}:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Starts it (again on the same port after stop()), with the bucket. */
  async start(): Promise<this> {
    if (this.server) return this;
    const server: S3rverInstance = new S3rver({
      port: this.boundPort,
      address: this.address,
      silent: true,
      directory: this.directory,
      configureBuckets: [{ name: this.bucket }],
      // Path-style only, as rclone sends it (force_path_style): otherwise s3rver takes a
      // host name that is no IP (host.runner.internal) for a bucket's (CNAME-style).
      vhostBuckets: false,
    });
    const { port } = await server.run();
    this.boundPort = port;
    this.server = server;
    return this;
  }

  /** The endpoint by the runner's host name (RUNNER_HOST_NAME): the same for every cluster that `listenAlso` reaches. */
  endpointNamed(host: string): string {
    if (!this.boundPort) throw new Error("the object store was never started");
    return `http://${host}:${this.boundPort}`;
  }

  /**
   * Also accepts connections on `address` (another cluster's gateway), on the same port,
   * each passed on to the store: pods of that cluster reach the store by the runner's host name.
   */
  async listenAlso(address: string): Promise<void> {
    if (!this.boundPort) throw new Error("the object store was never started");
    const forwarder = net.createServer((client) => {
      const upstream = net.connect(this.boundPort, this.address);
      client.pipe(upstream).pipe(client);
      this.forwarded.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.forwarded.delete(client);
        this.forwarded.delete(upstream);
      };
      client.on("close", close);
      upstream.on("close", close);
      client.on("error", close);
      upstream.on("error", close);
    });
    await new Promise<void>((resolve, reject) => {
      forwarder.once("error", reject);
      forwarder.listen(this.boundPort, address, () => resolve());
    });
    this.forwarders.push(forwarder);
  }

  /**
   * Starts `cluster` with this store reachable from its pods at endpointNamed(RUNNER_HOST_NAME): the
   * store listens on the cluster's gateway as soon as its bridge exists. A cluster given a placeholder
   * endpoint and reconfigured afterwards would roll its pods (the archiver's environment holds the
   * endpoint) under the test's first statements.
   */
  async upWith(cluster: { up(): Promise<unknown>; runner: LocalCluster }): Promise<void> {
    const starting = cluster.up().catch((error: Error) => error);
    await cluster.runner.waitFor(
      "the cluster's network, to reach the store from it",
      async () =>
        // No bridge yet (its subnet unassigned), or its address not assigned yet: not yet.
        !cluster.runner.hostAddress().includes("-1") &&
        this.listenAlso(cluster.runner.hostAddress()).then(
          () => true,
          () => false,
        ),
      120_000,
    );
    const started = await starting;
    if (started instanceof Error) throw started;
  }

  /** Unavailable: nothing listens on the endpoint (connections are refused). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  /** Every file under the bucket's directory, relative to it. */
  files(): string[] {
    const root = path.join(this.directory, this.bucket);
    if (!fs.existsSync(root)) return [];
    return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) =>
      fs.statSync(path.join(root, f)).isFile(),
    );
  }

  /** Whether any stored byte sequence (object or name) contains `text`. */
  holds(text: string): boolean {
    const root = path.join(this.directory, this.bucket);
    const needle = Buffer.from(text);
    return this.files().some((f) => f.includes(text) || fs.readFileSync(path.join(root, f)).includes(needle));
  }

  async remove(): Promise<void> {
    await this.stop();
    for (const socket of this.forwarded) socket.destroy();
    for (const f of this.forwarders.splice(0)) await new Promise((resolve) => f.close(resolve));
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}
