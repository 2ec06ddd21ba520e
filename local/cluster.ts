// LocalCluster: runs a rendered StatefulSet's pods on this machine the way the
// StatefulSet controller, kubelet, cluster DNS and kube-proxy would, so tests
// and `npm run local` can exercise the real scripts, images' command sets and
// failure handling without Kubernetes. This file is the cluster's lifecycle
// (up, apply, down) and its public face; the parts are statefulset-controller.ts
// (which pods exist), pod.ts (the kubelet), job-runner.ts (Jobs from a CronJob),
// dns.ts (cluster DNS), service-sync.ts (kube-proxy) and host-check.ts (can this
// host stand in for the images). Pods are network namespaces on a private
// bridge (network.ts), containers are namespaced host processes (container.ts).
import * as fs from "fs";
import * as path from "path";
import { ClusterApi, LeaseView } from "./api";
import type { Fault } from "./api-server";
import { ClusterContext } from "./cluster-context";
import { stageDir } from "./container";
import { ClusterDns } from "./dns";
import { hostProblem } from "./host-check";
import { JobResult, JobRunner } from "./job-runner";
import { K8sObject, ObjectStore, SecretValues } from "./k8s";
import { otherClustersRunning, PodNetwork } from "./network";
import { podEndpoints, ServiceSync } from "./service-sync";
import { pollUntil, RunResult, tryRun } from "./sh";
import { StatefulSetController } from "./statefulset-controller";
import { HostUser, hostMysqlUser, removeRecordedHostPaths } from "./volumes";

export interface LocalClusterOptions {
  /** Rendered objects: Secret, ConfigMap(s), Services, one StatefulSet. */
  objects: K8sObject[];
  /** secretName -> key -> value; wins over the Secret objects' data. */
  secretValues?: SecretValues;
  /** Default /tmp/mysql-local/<clusterId>. */
  workDir?: string;
  /** [a-z0-9]{1,6}; names the bridge and namespaces so two clusters can run at once. Default random. */
  clusterId?: string;
  log?: (line: string) => void;
  /** Bound for up()/apply() to get every pod Ready. Default 600 s. */
  readyTimeoutMs?: number;
  /** down() keeps <workDir>/pvc. */
  keepVolumes?: boolean;
  /** Run down() on SIGINT/SIGTERM (for the CLI supervisor). */
  handleSignals?: boolean;
  /**
   * The kubelet's sync period for ConfigMap/Secret volumes (KubeletConfiguration
   * syncFrequency). Default KUBELET_SYNC_FREQUENCY_MS, the real default; a test
   * that only needs the refresh to happen may shorten it.
   */
  volumeSyncPeriodMs?: number;
}

/**
 * A changed ConfigMap or Secret reaches a running pod's volume only at the
 * kubelet's next periodic sync of that pod. The defaults: syncFrequency 1m
 * ("the max period between synchronizing running containers and config",
 * KubeletConfiguration v1beta1) and configMapAndSecretChangeDetectionStrategy
 * Watch, under which the kubelet's cache is fed by a watch and adds no delay of
 * its own; the pod is requeued after each sync with 50 % jitter (pod.ts,
 * nextVolumeSyncMs). So a change lands 0 to 90 s later, at a different moment
 * in each pod ("the total delay ... can be as long as the kubelet sync period
 * + cache propagation delay", kubernetes.io/docs/concepts/configuration/configmap,
 * "Mounted ConfigMaps are updated automatically"). Env vars never change.
 */
export const KUBELET_SYNC_FREQUENCY_MS = 60_000;

/** The clients' network slot: below the Job slots (job-runner.ts), far above any StatefulSet ordinal. */
const CLIENT_SLOT = 199;

export interface PodStatus {
  name: string;
  ordinal: number;
  ip: string;
  phase: string;
  ready: boolean;
  restarts: number;
  ageSeconds: number;
}

export class LocalCluster {
  readonly clusterId: string;
  readonly workDir: string;
  private store: ObjectStore;
  private readonly network: PodNetwork;
  private readonly sandboxes = new Set<number>();
  private readonly dns: ClusterDns;
  private readonly serviceSync: ServiceSync;
  private readonly controller: StatefulSetController;
  private readonly jobs: JobRunner;
  /** The cluster's Kubernetes API (api.ts): the Lease, RBAC, pod labels; fault injection for tests. */
  readonly api: ClusterApi;
  private readonly eventList: string[] = [];
  private hostUser?: HostUser;
  private signalHandler?: () => void;
  private downPromise?: Promise<void>;

  constructor(private readonly opts: LocalClusterOptions) {
    this.clusterId = opts.clusterId ?? Math.random().toString(36).slice(2, 6);
    if (!/^[a-z0-9]{1,6}$/.test(this.clusterId))
      throw new Error(`clusterId must match [a-z0-9]{1,6}, got ${this.clusterId}`);
    this.workDir = opts.workDir ?? path.join("/tmp/mysql-local", this.clusterId);
    this.network = new PodNetwork(this.clusterId);
    this.api = new ClusterApi(
      this.network,
      () => this.store,
      () => this.controller.pods.values(),
      () => this.dns.writeAll(),
    );
    this.store = this.objectStore(opts.objects);
    this.store.statefulSet(); // fail early on objects without exactly one StatefulSet
    this.dns = new ClusterDns(this.network, () => ({
      store: this.store,
      pods: this.controller.pods,
      sandboxes: this.sandboxes,
      services: this.serviceSync.list(),
    }));
    const ctx: ClusterContext = {
      workDir: this.workDir,
      network: this.network,
      dns: this.dns,
      sandboxes: this.sandboxes,
      store: () => this.store,
      mysqlUser: () => {
        if (!this.hostUser) throw new Error("cluster is not up");
        return this.hostUser;
      },
      event: (m) => this.event(m),
      log: (l) => this.log(l),
      volumeSyncPeriodMs: opts.volumeSyncPeriodMs ?? KUBELET_SYNC_FREQUENCY_MS,
      api: { env: () => this.api.env(), token: (sa) => this.api.token(sa) },
    };
    this.controller = new StatefulSetController(ctx, {
      timeoutMs: this.timeoutMs,
      tornDown: () => !!this.downPromise,
      events: () => this.eventList,
    });
    this.jobs = new JobRunner(ctx);
    this.serviceSync = new ServiceSync(
      this.network,
      () => podEndpoints(this.controller.pods.values()),
      (l) => this.log(l),
    );
  }

  /** The applied objects plus those every namespace has (kube-root-ca.crt, once the API server runs). */
  private objectStore(objects: K8sObject[]): ObjectStore {
    const sts = objects.find((o) => o?.kind === "StatefulSet");
    return new ObjectStore(
      [...objects, ...this.api.systemObjects(sts?.metadata?.namespace ?? "default")],
      this.opts.secretValues,
    );
  }

  private get stsName(): string {
    return this.controller.stsName;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private event(msg: string): void {
    this.eventList.push(msg);
    this.log(`event: ${msg}`);
  }

  private get timeoutMs(): number {
    return this.opts.readyTimeoutMs ?? 600_000;
  }

  async up(): Promise<void> {
    // Before anything starts: a missing stand-in binary would only show up as a pod failing much later.
    const problem = LocalCluster.hostProblem(this.opts.objects);
    if (problem) throw new Error(problem);
    if (this.opts.handleSignals) this.installSignalHandlers();
    this.hostUser = hostMysqlUser();
    fs.mkdirSync(this.workDir, { recursive: true, mode: 0o755 });
    // The mysql user must be able to reach its volume dirs under workDir.
    for (let d = this.workDir; d !== "/"; d = path.dirname(d)) {
      if ((fs.statSync(d).mode & 0o001) === 0)
        throw new Error(`${d} is not searchable by other users; the mysql user could not reach its volumes`);
    }
    fs.mkdirSync(stageDir(this.clusterId), { recursive: true });
    this.log(`cluster ${this.clusterId}: network ${this.network.bridge}, workDir ${this.workDir}`);
    await this.network.create();
    await this.api.start();
    this.store = this.objectStore(this.opts.objects);
    this.api.sync(this.store);
    this.controller.recordClaimTemplates();
    await this.controller.syncClaims();
    await this.serviceSync.sync(this.store);
    await this.controller.reconcile(Date.now() + this.timeoutMs);
  }

  /** Reconcile to newly rendered objects: scale, then roll changed pod templates highest ordinal first. */
  async apply(objects: K8sObject[]): Promise<void> {
    this.store = this.objectStore(objects);
    this.api.sync(this.store);
    if (this.controller.claimTemplatesChanged()) {
      // The API server forbids changing a StatefulSet's volumeClaimTemplates, and the component
      // ignores changes to them (ignoreChanges), so the StatefulSet keeps the ones it was created with.
      this.event(
        `StatefulSet ${this.stsName}: volumeClaimTemplates changed in the objects; kept as created (immutable)`,
      );
    }
    // Running pods' ConfigMap/Secret volumes follow at each pod's next kubelet sync (pod.ts), not now.
    await this.controller.syncClaims();
    await this.serviceSync.sync(this.store);
    this.controller.onStatusChange();
    await this.controller.reconcile(Date.now() + this.timeoutMs);
  }

  /** host-check.ts: what this host lacks to stand in for the objects' images, or undefined. */
  static hostProblem(objects: K8sObject[], hostPath?: string): string | undefined {
    return hostProblem(objects, hostPath);
  }

  /** job-runner.ts: one Job from the CronJob's template, now; its exit code and logs. */
  runJob(cronJobName: string, timeoutMs = 600_000): Promise<JobResult> {
    return this.jobs.run(cronJobName, timeoutMs);
  }

  /** Wait until the pod is Ready; the error names the pod, its phase and its logs' tails. */
  waitReady(ord: number, timeoutMs = this.timeoutMs, boundMs?: number): Promise<void> {
    return this.controller.waitReady(ord, timeoutMs, boundMs);
  }

  /** Graceful pod deletion, then the StatefulSet controller recreates it (init containers again, emptyDirs wiped). Resolves once it is started again, not Ready: use waitReady(). */
  async restartPod(ord: number): Promise<void> {
    this.controller.pod(ord);
    this.log(`${this.stsName}-${ord}: deleting (graceful)`);
    await this.controller.deletePod(ord, false);
    await this.controller.createPod(ord);
  }

  /** SIGKILL every process of the pod at once, then it is recreated as in restartPod(). */
  async killPod(ord: number): Promise<void> {
    this.controller.pod(ord);
    this.log(`${this.stsName}-${ord}: killing all processes`);
    await this.controller.deletePod(ord, true);
    await this.controller.createPod(ord);
  }

  /** Every process of the container stopped (SIGSTOP) until thawed: a stalled agent or sidecar. */
  freezeContainer(ord: number, container: string, frozen: boolean): void {
    this.controller.pod(ord).freezeContainer(container, frozen);
    this.event(`${this.stsName}-${ord} container ${container} ${frozen ? "frozen" : "thawed"}`);
  }

  /**
   * Freeze (SIGSTOP) or thaw only the processes of a container whose command line matches
   * `pattern`: one stalled process (a stream's listener) while the rest of the pod runs.
   * Returns how many processes were signalled.
   */
  freezeProcesses(ord: number, container: string, pattern: RegExp, frozen: boolean): number {
    const n = this.controller.pod(ord).freezeProcesses(container, pattern, frozen);
    this.event(
      `${this.stsName}-${ord} container ${container}: ${n} processes matching ${pattern} ${frozen ? "frozen" : "thawed"}`,
    );
    return n;
  }

  async killContainer(ord: number, container: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.controller.pod(ord).killContainer(container, signal);
  }

  /** The cluster's Lease (failover) as the API server holds it, or undefined before it exists. */
  lease(): LeaseView | undefined {
    const lease = this.store.ofKind("Lease")[0];
    return lease && this.api.lease(lease.metadata.name);
  }

  /** The ordinal of the pod holding the Lease, or undefined when nobody holds it. */
  leaseHolder(): number | undefined {
    const holder = this.lease()?.holder;
    return holder ? this.ordinalOf(holder) : undefined;
  }

  /**
   * Cut the pod off from its peers only: a blackhole route in its network namespace for
   * each other pod's address, so neither direction gets through; the API server (on the
   * gateway) and the Services' proxies still reach it.
   */
  async cutPeers(ord: number, peers: number[]): Promise<void> {
    this.controller.pod(ord);
    for (const p of peers) await this.network.blackhole(ord, this.network.podIp(p), true);
    this.event(`${this.stsName}-${ord} cut off from pods ${peers.join(", ")}`);
  }

  async healPeers(ord: number, peers: number[]): Promise<void> {
    for (const p of peers) await this.network.blackhole(ord, this.network.podIp(p), false);
    this.event(`${this.stsName}-${ord} reaches pods ${peers.join(", ")} again`);
  }

  /**
   * A lost node: every process of the pod is killed and nothing restarts it; the pod object
   * stays (not Ready) and the StatefulSet controller makes no replacement, as for a pod on an
   * unreachable node, until restoreNode() (the node is back: the kubelet starts it again).
   */
  async loseNode(ord: number): Promise<void> {
    this.controller.pod(ord);
    this.log(`${this.stsName}-${ord}: node lost`);
    await this.controller.loseNode(ord);
  }

  async restoreNode(ord: number): Promise<void> {
    this.log(`${this.stsName}-${ord}: node back`);
    await this.controller.restoreNode(ord);
  }

  async cutNetwork(ord: number): Promise<void> {
    this.controller.pod(ord);
    await this.network.setLink(ord, false);
    this.event(`${this.stsName}-${ord} network cut`);
  }

  async restoreNetwork(ord: number): Promise<void> {
    this.controller.pod(ord);
    await this.network.setLink(ord, true);
    this.event(`${this.stsName}-${ord} network restored`);
  }

  /**
   * API trouble (issue 16, "API trouble is not a failover"): the API server answers every
   * request from pod `ord` (every pod, when undefined) with `fault` until called again with
   * undefined: `{ blackhole: true }` accepts the request and never answers (a client gives
   * up at its own timeout), `{ status: 503 }` answers at once with that status,
   * `{ latencyMs }` delays each answer (combinable with either). Faults set for one pod and
   * for every pod are separate: undefined clears the one named (or the global one).
   */
  apiFault(fault: Fault | undefined, ord?: number): void {
    const ip = ord === undefined ? "*" : this.network.podIp(ord);
    if (fault) this.api.apiServer.setFault(ip, fault);
    else this.api.apiServer.clearFault(ip);
    const who = ord === undefined ? "every pod" : `${this.stsName}-${ord}`;
    this.event(`API ${fault ? `fault for ${who}: ${JSON.stringify(fault)}` : `fault for ${who} cleared`}`);
  }

  exec(
    ord: number,
    container: string,
    argv: string[],
    opts?: { stdin?: string; timeoutMs?: number },
  ): Promise<RunResult> {
    return this.controller.pod(ord).exec(container, argv, opts);
  }

  podIp(ord: number): string {
    return this.network.podIp(ord);
  }

  /**
   * The pod bridge's gateway: this machine as every pod reaches it (the API server listens
   * here). A test service the pods must reach, such as the object store, listens here too.
   */
  hostAddress(): string {
    return this.network.gateway();
  }

  serviceAddress(name: string): { host: string; port: number } {
    return this.serviceSync.address(name);
  }

  /** The Service whose name ends in "-read". */
  readServiceAddress(): { host: string; port: number } {
    return this.serviceSync.readAddress();
  }

  isReady(ord: number): boolean {
    return this.controller.pods.get(ord)?.isReady() ?? false;
  }

  async waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    await pollUntil(what, cond, timeoutMs);
  }

  logs(ord: number, container: string): string {
    return this.controller.pod(ord).logs(container);
  }

  events(): string[] {
    return [...this.eventList];
  }

  status(): PodStatus[] {
    return [...this.controller.pods.values()]
      .sort((a, b) => a.ordinal - b.ordinal)
      .map((p) => ({
        name: p.name,
        ordinal: p.ordinal,
        ip: p.ip,
        phase: p.phase(),
        ready: p.isReady(),
        restarts: p.restarts(),
        ageSeconds: Math.round((Date.now() - p.createdAt) / 1000),
      }));
  }

  /** The StatefulSet's pod ordinal for a pod name, e.g. "mysql-2" -> 2. */
  ordinalOf(podName: string): number {
    const m = new RegExp(`^${this.stsName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d+)$`).exec(podName);
    if (!m) throw new Error(`${podName} is not a pod of StatefulSet ${this.stsName}`);
    return Number(m[1]);
  }

  defaultContainer(ord: number): string {
    return this.controller.pod(ord).defaultContainer();
  }

  /**
   * A network namespace for clients on the pod network, with the cluster's DNS
   * names, as an application pod would have (no containers run in it: `ip
   * netns exec <name> <client>`). Created once; its name is returned.
   */
  async clientNamespace(): Promise<string> {
    if (!this.sandboxes.has(CLIENT_SLOT)) {
      await this.network.addPod(CLIENT_SLOT);
      this.sandboxes.add(CLIENT_SLOT);
      this.dns.writeAll();
    }
    return this.network.nsName(CLIENT_SLOT);
  }

  /** Proxied Services and where they listen. */
  services(): { name: string; host: string; port: number }[] {
    return this.serviceSync.list().map(({ name, host, port }) => ({ name, host, port }));
  }

  /** Remove what a crashed run with this clusterId left behind (no objects needed). */
  static async cleanup(clusterId: string, workDir?: string, log?: (line: string) => void): Promise<void> {
    const placeholder = { kind: "StatefulSet", metadata: { name: "cleanup" }, spec: {} };
    await new LocalCluster({ objects: [placeholder], clusterId, workDir, log }).down();
  }

  private installSignalHandlers(): void {
    const handler = (): void => {
      void this.down().finally(() => process.exit(130));
    };
    this.signalHandler = handler;
    process.once("SIGINT", handler);
    process.once("SIGTERM", handler);
  }

  /** Tear everything down. Idempotent, never throws, works after partial failures and for leftovers of a crashed run with the same clusterId. */
  down(): Promise<void> {
    if (!this.downPromise) this.downPromise = this.teardown();
    return this.downPromise;
  }

  private async teardown(): Promise<void> {
    const step = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        this.log(`down: ${what}: ${(e as Error).message}`);
      }
    };
    await this.serviceSync.stopAll((e) => this.log(`down: stop proxy: ${e.message}`));
    await step("API server", () => this.api.close());
    const pods = this.controller.pods;
    await step("kill pods", () => Promise.all([...pods.values()].map((p) => p.delete(true))));
    pods.clear();
    this.sandboxes.clear();
    await step("network", () => this.network.destroy());
    await step("mounts", () => this.unmountLeftovers());
    await step("host mount points", async () => {
      // Removing a dir another cluster's containers have mounted would detach their mounts: the last one out cleans up.
      const others = await otherClustersRunning(this.clusterId);
      if (others.length) this.log(`down: leaving created mount points to running cluster(s) ${others.join(", ")}`);
      else removeRecordedHostPaths();
    });
    await step("stage dir", () => {
      try {
        fs.rmdirSync(stageDir(this.clusterId));
      } catch {
        /* gone */
      }
    });
    await step("workDir", () => {
      if (!this.opts.keepVolumes) fs.rmSync(this.workDir, { recursive: true, force: true });
      else for (const d of ["pods", "images"]) fs.rmSync(path.join(this.workDir, d), { recursive: true, force: true });
      try {
        fs.rmdirSync(path.dirname(this.workDir)); // /tmp/mysql-local, if nothing else is in it
      } catch {
        /* not empty */
      }
    });
    if (this.signalHandler) {
      process.removeListener("SIGINT", this.signalHandler);
      process.removeListener("SIGTERM", this.signalHandler);
    }
    this.log(`cluster ${this.clusterId}: down`);
  }

  /** Container mounts live in private namespaces that die with their processes; this only catches strays in the host namespace. */
  private async unmountLeftovers(): Promise<void> {
    const mounts = fs
      .readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[1])
      .filter(Boolean);
    for (const m of mounts.reverse()) {
      // keepVolumes keeps the claims' filesystems mounted (they are memory: unmounting would lose them).
      if (this.opts.keepVolumes && m.startsWith(path.join(this.workDir, "pvc") + "/")) continue;
      if (m.startsWith(this.workDir + "/") || m === stageDir(this.clusterId)) await tryRun("umount", ["-l", m]);
    }
  }

  /**
   * `kubectl delete pvc <claim>-<sts>-<ord>` for a pod that does not exist:
   * the claim's filesystem goes, and the pod, when created again, gets a
   * new empty one from the template. (A claim is a mount point: removing its
   * directory with fs.rmSync fails with EBUSY.)
   */
  async deleteClaim(claim: string, ord: number): Promise<void> {
    if (this.controller.pods.has(ord))
      throw new Error(`pod ${this.stsName}-${ord} exists: a claim in use is not deleted`);
    const dir = this.pvcDir(claim, ord);
    await tryRun("umount", [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /** For tests: names of volumes a pod has (to locate PVC dirs). */
  pvcDir(claim: string, ord: number): string {
    return path.join(this.workDir, "pvc", `${claim}-${this.stsName}-${ord}`);
  }
}

/** Run fn against an up cluster; down() always runs, whatever happens. */
export async function withCluster<T>(opts: LocalClusterOptions, fn: (c: LocalCluster) => Promise<T>): Promise<T> {
  const cluster = new LocalCluster(opts);
  try {
    await cluster.up();
    return await fn(cluster);
  } finally {
    await cluster.down();
  }
}
