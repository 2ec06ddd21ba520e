// LocalCluster: runs a rendered StatefulSet's pods on this machine the way the
// StatefulSet controller, kubelet, cluster DNS and kube-proxy would, so tests
// can exercise the real scripts, images' command sets and failure handling
// without Kubernetes. Pods are network namespaces on a private bridge
// (network.ts), containers are namespaced host processes (container.ts).
import * as fs from "fs";
import * as path from "path";
import { stageDir } from "./container";
import { K8sObject, ObjectStore, SecretValues, selectorMatches, selectsStatefulSetPods } from "./k8s";
import { hostPackagesMissing } from "./images";
import { otherClustersRunning, PodNetwork } from "./network";
import { Pod } from "./pod";
import { Endpoint, isProxied, ServiceProxy } from "./services";
import { pollUntil, RunResult, tryRun } from "./sh";
import {
  claimRequestBytes,
  HostUser,
  hostMysqlUser,
  provisionClaim,
  recordHostPaths,
  removeRecordedHostPaths,
} from "./volumes";

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

export interface PodStatus {
  name: string;
  ordinal: number;
  ip: string;
  phase: string;
  ready: boolean;
  restarts: number;
  ageSeconds: number;
}

const CLUSTER_DOMAIN = "cluster.local";
/** Network slots of Job pods start here, far above any StatefulSet ordinal the tests use. */
const JOB_SLOT_BASE = 200;

export class LocalCluster {
  readonly clusterId: string;
  readonly workDir: string;
  private store: ObjectStore;
  private readonly network: PodNetwork;
  private readonly pods = new Map<number, Pod>();
  private readonly sandboxes = new Set<number>();
  private jobRuns = 0;
  private proxies: ServiceProxy[] = [];
  private readonly eventList: string[] = [];
  private readonly wasReady = new Map<string, boolean>();
  private readonly hostsCache = new Map<number, string>();
  private mysqlUser?: HostUser;
  /** The StatefulSet's volumeClaimTemplates as created: they cannot change afterwards. */
  private claimTemplateSpecs?: K8sObject[];
  private signalHandler?: () => void;
  private downPromise?: Promise<void>;

  constructor(private readonly opts: LocalClusterOptions) {
    this.clusterId = opts.clusterId ?? Math.random().toString(36).slice(2, 6);
    if (!/^[a-z0-9]{1,6}$/.test(this.clusterId))
      throw new Error(`clusterId must match [a-z0-9]{1,6}, got ${this.clusterId}`);
    this.workDir = opts.workDir ?? path.join("/tmp/mysql-local", this.clusterId);
    this.store = new ObjectStore(opts.objects, opts.secretValues);
    this.network = new PodNetwork(this.clusterId);
    this.store.statefulSet(); // fail early on objects without exactly one StatefulSet
  }

  private get sts(): K8sObject {
    return this.store.statefulSet();
  }

  private get stsName(): string {
    return this.sts.metadata.name;
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
    this.mysqlUser = hostMysqlUser();
    fs.mkdirSync(this.workDir, { recursive: true, mode: 0o755 });
    // The mysql user must be able to reach its volume dirs under workDir.
    for (let d = this.workDir; d !== "/"; d = path.dirname(d)) {
      if ((fs.statSync(d).mode & 0o001) === 0)
        throw new Error(`${d} is not searchable by other users; the mysql user could not reach its volumes`);
    }
    fs.mkdirSync(stageDir(this.clusterId), { recursive: true });
    this.log(`cluster ${this.clusterId}: network ${this.network.bridge}, workDir ${this.workDir}`);
    await this.network.create();
    this.claimTemplateSpecs = JSON.parse(JSON.stringify(this.sts.spec?.volumeClaimTemplates ?? []));
    await this.syncClaims();
    await this.syncServices();
    await this.reconcile(Date.now() + this.timeoutMs);
  }

  /** Reconcile to newly rendered objects: scale, then roll changed pod templates highest ordinal first. */
  async apply(objects: K8sObject[]): Promise<void> {
    this.store = new ObjectStore(objects, this.opts.secretValues);
    if (JSON.stringify(this.sts.spec?.volumeClaimTemplates ?? []) !== JSON.stringify(this.claimTemplateSpecs)) {
      // The API server forbids changing a StatefulSet's volumeClaimTemplates, and the component
      // ignores changes to them (ignoreChanges), so the StatefulSet keeps the ones it was created with.
      this.event(
        `StatefulSet ${this.stsName}: volumeClaimTemplates changed in the objects; kept as created (immutable)`,
      );
    }
    // Running pods' ConfigMap/Secret volumes follow at each pod's next kubelet sync (pod.ts), not now.
    await this.syncClaims();
    await this.syncServices();
    this.onStatusChange();
    await this.reconcile(Date.now() + this.timeoutMs);
  }

  /**
   * What this host lacks to stand in for the images the objects' pods (the
   * StatefulSet's and the CronJobs') run, as one message naming the Debian
   * packages to install; undefined when nothing is missing.
   */
  static hostProblem(objects: K8sObject[], hostPath?: string): string | undefined {
    const store = new ObjectStore(objects);
    const specs = [
      ...store.ofKind("StatefulSet").map((s) => s.spec?.template?.spec),
      ...store.ofKind("CronJob").map((c) => c.spec?.jobTemplate?.spec?.template?.spec),
    ];
    const images = specs.flatMap((s) =>
      [...(s?.initContainers ?? []), ...(s?.containers ?? [])].map((c: K8sObject) => String(c.image ?? "")),
    );
    const missing = hostPackagesMissing(images, hostPath);
    if (!missing.length) return undefined;
    const pkgs = missing.map((m) => /^Debian package (\S+)/.exec(m)?.[1]).filter(Boolean);
    return (
      `this host cannot stand in for the pods' images; missing:\n  ${missing.join("\n  ")}` +
      (pkgs.length ? `\ninstall with: apt-get install -y ${pkgs.join(" ")}` : "")
    );
  }

  private claimTemplates(): string[] {
    return (this.claimTemplateSpecs ?? []).map((t: K8sObject) => t.metadata.name);
  }

  /**
   * Every PersistentVolumeClaim among the objects exists at its requested
   * size before any pod that uses it starts: created, or grown in place when
   * the object asks for more (volume expansion).
   */
  private async syncClaims(): Promise<void> {
    for (const claim of this.store.ofKind("PersistentVolumeClaim")) {
      const bytes = claimRequestBytes(claim);
      const did = await provisionClaim(this.workDir, claim.metadata.name, bytes, true);
      if (did)
        this.event(`persistentvolumeclaim ${claim.metadata.name} ${did} (${claim.spec.resources.requests.storage})`);
    }
  }

  /** The StatefulSet controller creates a pod's missing claims from the templates (the ones the StatefulSet was created with); it never resizes one. */
  private async createTemplateClaims(ord: number): Promise<void> {
    for (const t of this.claimTemplateSpecs ?? []) {
      const name = `${t.metadata.name}-${this.stsName}-${ord}`;
      const did = await provisionClaim(this.workDir, name, claimRequestBytes(t), false);
      if (did)
        this.event(`persistentvolumeclaim ${name} ${did} from the template (${t.spec.resources.requests.storage})`);
    }
  }

  private async reconcile(deadline: number): Promise<void> {
    const spec = this.sts.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const parallel = spec.podManagementPolicy === "Parallel";
    // Scale down: highest ordinal first, one at a time; PVC dirs stay.
    for (const ord of [...this.pods.keys()].sort((a, b) => b - a)) {
      if (ord < replicas) continue;
      this.log(`${this.stsName}-${ord}: scaling down`);
      await this.deletePod(ord, false);
    }
    // Scale up: in ordinal order; OrderedReady waits for each pod to be Ready.
    for (let ord = 0; ord < replicas; ord++) {
      if (this.pods.has(ord)) continue;
      await this.createPod(ord);
      if (!parallel) await this.waitReady(ord, deadline - Date.now(), this.timeoutMs);
    }
    if (parallel)
      for (let ord = 0; ord < replicas; ord++) await this.waitReady(ord, deadline - Date.now(), this.timeoutMs);
    // Rolling update.
    const strategy = spec.updateStrategy ?? {};
    if (strategy.type === "OnDelete") return;
    const partition: number = strategy.rollingUpdate?.partition ?? 0;
    const key = JSON.stringify(this.sts.spec?.template ?? {});
    for (let ord = replicas - 1; ord >= partition; ord--) {
      const pod = this.pods.get(ord);
      if (!pod || pod.templateKey === key) continue;
      this.log(`${pod.name}: rolling update`);
      await this.deletePod(ord, false);
      await this.createPod(ord);
      await this.waitReady(ord, deadline - Date.now(), this.timeoutMs);
    }
  }

  private async createPod(ord: number): Promise<Pod> {
    if (!this.mysqlUser) throw new Error("cluster is not up");
    await this.createTemplateClaims(ord);
    const pod = new Pod({
      workDir: this.workDir,
      stsName: this.stsName,
      namespace: this.store.namespace(),
      serviceName: this.sts.spec?.serviceName ?? "",
      ordinal: ord,
      template: JSON.parse(JSON.stringify(this.sts.spec?.template ?? {})),
      claimTemplates: this.claimTemplates(),
      store: () => this.store,
      network: this.network,
      mysqlUser: this.mysqlUser,
      event: (m) => this.event(m),
      progress: (m) => this.log(m),
      onStatusChange: () => this.onStatusChange(),
      recordHostPaths: (p) => recordHostPaths(p),
      volumeSyncPeriodMs: this.opts.volumeSyncPeriodMs ?? KUBELET_SYNC_FREQUENCY_MS,
    });
    this.pods.set(ord, pod);
    this.log(`${pod.name}: created (${this.network.podIp(ord)})`);
    await pod.createSandbox();
    this.sandboxes.add(ord);
    this.writeAllNameFiles();
    pod.start();
    return pod;
  }

  /**
   * Runs one Job from a CronJob's jobTemplate now, as `kubectl create job
   * --from=cronjob/<name>` does, and waits for it to finish. Its pod gets a
   * network slot above the StatefulSet's ordinals, the cluster's DNS names and
   * its own volumes; it is removed afterwards and its logs returned.
   */
  async runJob(
    cronJobName: string,
    timeoutMs = 600_000,
  ): Promise<{ pod: string; code: number; logs: Record<string, string> }> {
    if (!this.mysqlUser) throw new Error("cluster is not up");
    const cronJob = this.store.ofKind("CronJob").find((o) => o.metadata.name === cronJobName);
    if (!cronJob) throw new Error(`no CronJob ${cronJobName} among the objects`);
    const template = JSON.parse(JSON.stringify(cronJob.spec?.jobTemplate?.spec?.template ?? {}));
    const slot = JOB_SLOT_BASE + (this.jobRuns++ % 40);
    const pod = new Pod({
      workDir: this.workDir,
      stsName: this.stsName,
      namespace: this.store.namespace(),
      serviceName: "",
      ordinal: slot,
      podName: `${cronJobName}-manual-${this.jobRuns}`,
      template,
      claimTemplates: [],
      store: () => this.store,
      network: this.network,
      mysqlUser: this.mysqlUser,
      event: (m) => this.event(m),
      progress: (m) => this.log(m),
      onStatusChange: () => undefined,
      recordHostPaths: (p) => recordHostPaths(p),
      volumeSyncPeriodMs: this.opts.volumeSyncPeriodMs ?? KUBELET_SYNC_FREQUENCY_MS,
    });
    this.log(`${pod.name}: created (${this.network.podIp(slot)})`);
    await pod.createSandbox();
    this.sandboxes.add(slot);
    this.writeAllNameFiles();
    pod.start();
    let timer: NodeJS.Timeout | undefined;
    try {
      const code = await Promise.race([
        pod.completion(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`job pod ${pod.name} did not finish within ${timeoutMs / 1000}s (${pod.phase()})`)),
            timeoutMs,
          );
        }),
      ]);
      const logs: Record<string, string> = {};
      for (const c of pod.containers) logs[c.name] = pod.logs(c.name);
      this.log(`${pod.name}: ${pod.phase()}`);
      return { pod: pod.name, code, logs };
    } finally {
      clearTimeout(timer);
      await pod.delete(true);
      this.sandboxes.delete(slot);
      this.hostsCache.delete(slot);
    }
  }

  private async deletePod(ord: number, force: boolean): Promise<void> {
    const pod = this.pods.get(ord);
    if (!pod) return;
    await pod.delete(force);
    this.sandboxes.delete(ord);
    this.hostsCache.delete(ord);
    this.pods.delete(ord);
    this.writeAllNameFiles();
  }

  private pod(ord: number): Pod {
    const p = this.pods.get(ord);
    if (!p) throw new Error(`pod ${this.stsName}-${ord} does not exist`);
    return p;
  }

  /**
   * Wait until the pod is Ready; the error names the pod, its phase and its
   * logs' tails. boundMs is the overall bound to report when timeoutMs is what
   * is left of it.
   */
  async waitReady(ord: number, timeoutMs = this.timeoutMs, boundMs?: number): Promise<void> {
    try {
      await pollUntil(
        `${this.stsName}-${ord} to be Ready`,
        () => {
          // A teardown ends every wait at once, so up() never outlives down().
          if (this.downPromise) throw new Error(`cluster ${this.clusterId} was torn down while waiting`);
          const p = this.pods.get(ord);
          if (p?.fatal) throw new Error(`pod ${p.name} cannot start: ${p.fatal}`);
          return !!p?.isReady();
        },
        Math.max(0, timeoutMs),
      );
    } catch (e) {
      const p = this.pods.get(ord);
      const detail = p ? this.describe(p) : "pod does not exist";
      let msg = (e as Error).message;
      if (boundMs !== undefined) msg = msg.replace(/^timed out after [\d.]+s/, `timed out after ${boundMs / 1000}s`);
      throw new Error(`${msg}\n${detail}`);
    }
  }

  private describe(p: Pod): string {
    const lines = [`pod ${p.name} phase ${p.phase()} ready=${p.isReady()} restarts=${p.restarts()}`];
    for (const c of [...p.initContainers, ...p.containers]) {
      const tail = p.logs(c.name).split("\n").slice(-25).join("\n");
      lines.push(
        `--- ${c.init ? "init container" : "container"} ${c.name} (${c.state}${c.reason ? `, ${c.reason}` : ""}, restarts ${c.restartCount}) log tail:\n${tail}`,
      );
    }
    const ev = this.eventList.filter((e) => e.startsWith(p.name + " ")).slice(-10);
    if (ev.length) lines.push(`--- events:\n${ev.join("\n")}`);
    return lines.join("\n");
  }

  /** Graceful pod deletion, then the StatefulSet controller recreates it (init containers again, emptyDirs wiped). Resolves once it is started again, not Ready: use waitReady(). */
  async restartPod(ord: number): Promise<void> {
    this.pod(ord);
    this.log(`${this.stsName}-${ord}: deleting (graceful)`);
    await this.deletePod(ord, false);
    await this.createPod(ord);
  }

  /** SIGKILL every process of the pod at once, then it is recreated as in restartPod(). */
  async killPod(ord: number): Promise<void> {
    this.pod(ord);
    this.log(`${this.stsName}-${ord}: killing all processes`);
    await this.deletePod(ord, true);
    await this.createPod(ord);
  }

  async killContainer(ord: number, container: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.pod(ord).killContainer(container, signal);
  }

  async cutNetwork(ord: number): Promise<void> {
    this.pod(ord);
    await this.network.setLink(ord, false);
    this.event(`${this.stsName}-${ord} network cut`);
  }

  async restoreNetwork(ord: number): Promise<void> {
    this.pod(ord);
    await this.network.setLink(ord, true);
    this.event(`${this.stsName}-${ord} network restored`);
  }

  exec(
    ord: number,
    container: string,
    argv: string[],
    opts?: { stdin?: string; timeoutMs?: number },
  ): Promise<RunResult> {
    return this.pod(ord).exec(container, argv, opts);
  }

  podIp(ord: number): string {
    return this.network.podIp(ord);
  }

  serviceAddress(name: string): { host: string; port: number } {
    const p = this.proxies.find((x) => x.name === name);
    if (!p)
      throw new Error(`no proxied Service ${name} (have: ${this.proxies.map((x) => x.name).join(", ") || "none"})`);
    return { host: p.vip, port: p.ports()[0] };
  }

  /** The Service whose name ends in "-read". */
  readServiceAddress(): { host: string; port: number } {
    const p = this.proxies.find((x) => x.name.endsWith("-read"));
    if (!p) throw new Error(`no Service named *-read (have: ${this.proxies.map((x) => x.name).join(", ") || "none"})`);
    return this.serviceAddress(p.name);
  }

  isReady(ord: number): boolean {
    return this.pods.get(ord)?.isReady() ?? false;
  }

  async waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    await pollUntil(what, cond, timeoutMs);
  }

  logs(ord: number, container: string): string {
    return this.pod(ord).logs(container);
  }

  events(): string[] {
    return [...this.eventList];
  }

  status(): PodStatus[] {
    return [...this.pods.values()]
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
    return this.pod(ord).defaultContainer();
  }

  /** Proxied Services and where they listen. */
  services(): { name: string; host: string; port: number }[] {
    return this.proxies.map((p) => ({ name: p.name, host: p.vip, port: p.ports()[0] }));
  }

  /** Remove what a crashed run with this clusterId left behind (no objects needed). */
  static async cleanup(clusterId: string, workDir?: string, log?: (line: string) => void): Promise<void> {
    const placeholder = { kind: "StatefulSet", metadata: { name: "cleanup" }, spec: {} };
    await new LocalCluster({ objects: [placeholder], clusterId, workDir, log }).down();
  }

  private endpoints(): Endpoint[] {
    return [...this.pods.values()].map((p) => ({
      name: p.name,
      ip: p.ip,
      ready: p.isReady(),
      labels: p.labels,
      port: (target) => {
        if (typeof target === "number") return target;
        for (const c of p.template.spec?.containers ?? []) {
          const found = (c.ports ?? []).find((x: K8sObject) => x.name === target);
          if (found) return found.containerPort;
        }
        return undefined;
      },
    }));
  }

  /** One proxy per ClusterIP Service selecting our pods; specs of existing ones are updated in place. */
  private async syncServices(): Promise<void> {
    const podLabels = this.sts.spec?.template?.metadata?.labels ?? {};
    const wanted = this.store
      .ofKind("Service")
      .filter((s) => isProxied(s) && selectsStatefulSetPods(s.spec?.selector, podLabels, this.stsName));
    for (const p of [...this.proxies]) {
      const spec = wanted.find((s) => s.metadata.name === p.name);
      if (spec && JSON.stringify(spec.spec.ports) === JSON.stringify(p.spec.spec.ports)) p.spec = spec;
      else {
        await p.stop();
        this.proxies = this.proxies.filter((x) => x !== p);
        if (spec) await this.startProxy(spec, p.vip);
      }
    }
    for (const s of wanted) if (!this.proxies.some((p) => p.name === s.metadata.name)) await this.startProxy(s);
  }

  private async startProxy(spec: K8sObject, vip?: string): Promise<void> {
    const proxy = new ServiceProxy(spec, vip ?? (await this.network.addVirtualIp()), () => this.endpoints());
    await proxy.start();
    this.proxies.push(proxy);
    this.log(`service ${proxy.name}: ${proxy.vip}:${proxy.ports().join(",")}`);
  }

  private onStatusChange(): void {
    for (const p of this.pods.values()) {
      const ready = p.isReady();
      const was = this.wasReady.get(p.name) ?? false;
      if (ready && !was) this.log(`${p.name}: Ready (${((Date.now() - p.createdAt) / 1000).toFixed(1)}s)`);
      if (!ready && was) this.log(`${p.name}: not Ready (${p.phase()})`);
      this.wasReady.set(p.name, ready);
    }
    // Headless-service records follow readiness unless publishNotReadyAddresses.
    this.writeAllNameFiles();
  }

  /**
   * Per-pod /etc/hosts standing in for cluster DNS: the pod's own names, the
   * StatefulSet's per-pod records under its headless Service (only Ready pods
   * unless publishNotReadyAddresses, as in Kubernetes), headless Service names
   * -> pod IPs, and ClusterIP Service names -> their virtual IPs.
   */
  private hostsFor(ord: number): string {
    const ns = this.store.namespace();
    const svcName: string = this.sts.spec?.serviceName ?? "";
    const self = this.pods.get(ord);
    const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
    const fq = (name: string): string[] => [
      name,
      `${name}.${ns}`,
      `${name}.${ns}.svc`,
      `${name}.${ns}.svc.${CLUSTER_DOMAIN}`,
    ];
    if (self) lines.push(`${self.ip}\t${self.name}.${svcName}.${ns}.svc.${CLUSTER_DOMAIN}\t${self.name}`);
    const podLabels = this.sts.spec?.template?.metadata?.labels ?? {};
    for (const svc of this.store.ofKind("Service")) {
      if (svc.spec?.clusterIP !== "None" || !selectorMatches(svc.spec?.selector, podLabels)) continue;
      const publishAll = !!svc.spec?.publishNotReadyAddresses;
      for (const p of [...this.pods.values()].sort((a, b) => a.ordinal - b.ordinal)) {
        if (!this.sandboxes.has(p.ordinal) || !(publishAll || p.isReady())) continue;
        const names = fq(svc.metadata.name);
        if (svc.metadata.name === svcName) names.unshift(...fq(`${p.name}.${svcName}`));
        lines.push(`${p.ip}\t${names.join(" ")}`);
      }
    }
    for (const p of this.proxies) lines.push(`${p.vip}\t${fq(p.name).join(" ")}`);
    return lines.join("\n") + "\n";
  }

  private writeAllNameFiles(): void {
    const ns = this.store.namespace();
    for (const ord of this.sandboxes) {
      const text = this.hostsFor(ord);
      if (this.hostsCache.get(ord) === text) continue;
      this.hostsCache.set(ord, text);
      this.network.writeNameFiles(ord, text, [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN]);
    }
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
    for (const p of this.proxies) await step("stop proxy", () => p.stop());
    this.proxies = [];
    await step("kill pods", () => Promise.all([...this.pods.values()].map((p) => p.delete(true))));
    this.pods.clear();
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
    if (this.pods.has(ord)) throw new Error(`pod ${this.stsName}-${ord} exists: a claim in use is not deleted`);
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
