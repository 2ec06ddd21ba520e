// One pod as the kubelet runs it: volumes, init containers in order with
// crash-loop backoff, then the containers side by side with restartPolicy
// Always, probes deciding liveness and readiness, and graceful deletion
// (preStop, SIGTERM, grace period, SIGKILL). The StatefulSet logic (which pods
// exist, in which order) is in statefulset-controller.ts.
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ContainerProcess, ExecOptions, execInContainer, ExitStatus, resolveCommand, stageDir } from "./container";
import { ContainerConfigError, containerEnv, expand, PodFacts } from "./env";
import { CONTAINER_PATH, ImageLayout, prepareImage } from "./images";
import { K8sObject, ObjectStore, POD_NAME_LABEL } from "./k8s";
import { PodNetwork } from "./network";
import { ProbeTarget, ProbeWorker } from "./probes";
import { RunResult, sleep } from "./sh";
import {
  containerMounts,
  ensureHostMountpoints,
  HostUser,
  PodVolumeContext,
  podDir,
  preparePodVolumes,
  refreshProjections,
} from "./volumes";

export interface PodDeps {
  workDir: string;
  stsName: string;
  namespace: string;
  serviceName: string;
  ordinal: number;
  /** Default "<stsName>-<ordinal>"; a Job's pod has its own name (its ordinal is only its network slot). */
  podName?: string;
  template: K8sObject;
  claimTemplates: string[];
  /** The objects as they are now: the kubelet reads Secrets/ConfigMaps when it starts a container. */
  store: () => ObjectStore;
  network: PodNetwork;
  mysqlUser: HostUser;
  event: (msg: string) => void;
  progress: (msg: string) => void;
  /** Readiness or running state changed (endpoints, DNS, waiting callers). */
  onStatusChange: () => void;
  recordHostPaths: (paths: string[]) => void;
  /** The kubelet's sync period for this pod's ConfigMap/Secret volumes (see KUBELET_SYNC_FREQUENCY_MS in cluster.ts). */
  volumeSyncPeriodMs: number;
  /** The cluster's API server (api.ts): the env every container gets and the bound token of a service account. */
  api?: { env: Record<string, string>; token: (serviceAccount: string) => string };
}

/**
 * After each sync of a pod the kubelet requeues it after
 * wait.Jitter(resyncInterval, workerResyncIntervalJitterFactor = 0.5), i.e. a
 * uniformly random time in [period, 1.5 period) (kubernetes/kubernetes
 * pkg/kubelet/pod_workers.go, completeWork); each pod has its own phase.
 */
export function nextVolumeSyncMs(periodMs: number): number {
  return periodMs * (1 + 0.5 * Math.random());
}

/** runOnce() result for a container that could not be created (CreateContainerConfigError). */
const NOT_STARTED = "not-started";

/** A pod that can never start (unknown image, no command): retrying would not help. */
class FatalPodError extends Error {}

class ContainerState {
  state: "waiting" | "running" | "terminated" = "waiting";
  reason = "ContainerCreating";
  restartCount = 0;
  ready = false;
  proc?: ContainerProcess;
  env: Record<string, string> = {};
  runAsMysql = false;
  binDir = "";
  probes: ProbeWorker[] = [];
  lastExit?: ExitStatus;

  constructor(
    readonly spec: K8sObject,
    readonly init: boolean,
  ) {}

  get name(): string {
    return this.spec.name;
  }
}

export class Pod {
  readonly name: string;
  readonly ordinal: number;
  readonly template: K8sObject;
  readonly templateKey: string;
  readonly createdAt = Date.now();
  readonly initContainers: ContainerState[];
  readonly containers: ContainerState[];
  fatal?: string;
  /** Set when a Job's pod has finished: 0 when every container succeeded. */
  exitCode?: number;
  private deleting = false;
  private initDone = false;
  private volumesReady = false;
  private lifecycle?: Promise<void>;
  private volumeSyncTimer?: NodeJS.Timeout;
  readonly uid = randomUUID();
  private readonly images = new Map<string, ImageLayout>();

  constructor(private readonly deps: PodDeps) {
    this.ordinal = deps.ordinal;
    this.name = deps.podName ?? `${deps.stsName}-${deps.ordinal}`;
    this.template = deps.template;
    this.templateKey = JSON.stringify(deps.template);
    const spec = deps.template.spec ?? {};
    this.initContainers = (spec.initContainers ?? []).map((c: K8sObject) => new ContainerState(c, true));
    this.containers = (spec.containers ?? []).map((c: K8sObject) => new ContainerState(c, false));
    fs.mkdirSync(this.logDir(), { recursive: true });
  }

  private get podSpec(): K8sObject {
    return this.template.spec ?? {};
  }

  get ip(): string {
    return this.deps.network.podIp(this.ordinal);
  }

  /**
   * Labels and annotations written to this pod through the API (the failover agents' role
   * label): they live as long as the pod object, so a recreated pod starts without them.
   */
  readonly written: { labels: Record<string, string>; annotations: Record<string, string> } = {
    labels: {},
    annotations: {},
  };

  /** The template's labels, the one the StatefulSet controller adds, and those written through the API. */
  get labels(): Record<string, string> {
    return { ...(this.template.metadata?.labels ?? {}), [POD_NAME_LABEL]: this.name, ...this.written.labels };
  }

  get annotations(): Record<string, string> {
    return { ...(this.template.metadata?.annotations ?? {}), ...this.written.annotations };
  }

  private logDir(): string {
    return path.join(podDir(this.deps.workDir, this.name), "logs");
  }

  /** How this pod's volumes are laid out and owned; also used to refresh them after an apply. */
  volumeContext(): PodVolumeContext {
    const spec = this.podSpec;
    const all = [...this.initContainers, ...this.containers];
    const anyNonRoot = all.some((c) => this.runsAsMysql(c.spec));
    return {
      workDir: this.deps.workDir,
      podName: this.name,
      stsName: this.deps.stsName,
      ordinal: this.ordinal,
      podSpec: spec,
      claimTemplates: this.deps.claimTemplates,
      store: this.deps.store(),
      owner: anyNonRoot ? this.deps.mysqlUser : undefined,
      fsGroup: spec.securityContext?.fsGroup ? this.deps.mysqlUser : undefined,
      namespace: this.deps.namespace,
      serviceAccountToken: () => {
        if (!this.deps.api) throw new Error("no API server in this cluster: no service-account token to project");
        return this.deps.api.token(spec.serviceAccountName ?? "default");
      },
    };
  }

  private runsAsMysql(c: K8sObject): boolean {
    return (c.securityContext?.runAsUser ?? this.podSpec.securityContext?.runAsUser ?? 0) !== 0;
  }

  private facts(): PodFacts {
    return {
      podName: this.name,
      namespace: this.deps.namespace,
      podIp: this.ip,
      labels: this.labels,
      annotations: this.annotations,
      serviceAccountName: this.podSpec.serviceAccountName ?? "default",
      uid: this.uid,
    };
  }

  /** Create the pod's network namespace; the caller writes name files, then start()s. */
  async createSandbox(): Promise<void> {
    await this.deps.network.addPod(this.ordinal);
  }

  start(): void {
    this.lifecycle = this.run().catch((e) => {
      this.fatal = e instanceof Error ? e.message : String(e);
      this.deps.event(`${this.name} failed: ${this.fatal}`);
      this.deps.onStatusChange();
    });
  }

  private async run(): Promise<void> {
    // Volumes: a missing ConfigMap/Secret keeps the pod in ContainerCreating; the kubelet retries.
    for (let failures = 1; !this.volumesReady; failures++) {
      if (this.deleting) return;
      try {
        const podRoot = podDir(this.deps.workDir, this.name);
        for (const d of ["emptydir", "volumes", "containers"])
          fs.rmSync(path.join(podRoot, d), { recursive: true, force: true });
        preparePodVolumes(this.volumeContext());
        this.volumesReady = true;
        this.scheduleVolumeSync();
      } catch (e) {
        this.deps.event(`${this.name} volume setup failed: ${(e as Error).message}`);
        await this.backoff(failures);
      }
    }
    for (const c of this.initContainers) {
      for (let failures = 1; ; failures++) {
        if (this.deleting) return;
        const st = await this.runOnce(c);
        if (this.deleting) return;
        if (st === NOT_STARTED) {
          await this.backoff(failures);
          continue;
        }
        if (st.code === 0) {
          c.reason = "Completed";
          this.deps.progress(`${this.name}: ${c.name} ok`);
          break;
        }
        c.restartCount++;
        this.deps.event(`${this.name} init container ${c.name} exited ${st.code} (restart ${c.restartCount})`);
        c.reason = "CrashLoopBackOff";
        await this.backoff(failures);
      }
    }
    this.initDone = true;
    this.deps.onStatusChange();
    const restartPolicy: string = this.podSpec.restartPolicy ?? "Always";
    if (restartPolicy === "Always") {
      await Promise.all(this.containers.map((c) => this.supervise(c)));
      return;
    }
    const codes = await Promise.all(this.containers.map((c) => this.runToCompletion(c, restartPolicy === "OnFailure")));
    this.exitCode = codes.every((code) => code === 0) ? 0 : codes.find((code) => code !== 0);
    this.deps.onStatusChange();
  }

  /** The kubelet's periodic pod sync: ConfigMap/Secret volumes catch up with their objects only then. */
  private scheduleVolumeSync(): void {
    this.volumeSyncTimer = setTimeout(() => {
      if (this.deleting) return;
      const changed = refreshProjections(this.volumeContext());
      if (changed.length)
        this.deps.event(`${this.name} volumes ${changed.join(", ")} updated by the kubelet's periodic sync`);
      this.scheduleVolumeSync();
    }, nextVolumeSyncMs(this.deps.volumeSyncPeriodMs));
    this.volumeSyncTimer.unref();
  }

  /** A Job's pod (restartPolicy Never or OnFailure): the container runs until it succeeds, or once. */
  private async runToCompletion(c: ContainerState, retry: boolean): Promise<number> {
    for (let failures = 1; ; failures++) {
      if (this.deleting) return 137;
      const st = await this.runOnce(c);
      if (this.deleting) return 137;
      if (st !== NOT_STARTED && st.code === 0) {
        c.reason = "Completed";
        return 0;
      }
      c.reason = "Error";
      const code = st === NOT_STARTED ? 128 : (st.code ?? 128);
      this.deps.event(`${this.name} container ${c.name} exited ${code}`);
      if (!retry || failures >= 3) return code;
      c.restartCount++;
      await this.backoff(failures);
    }
  }

  /** A Job's pod: resolves with its exit status once every container has finished (0 when all succeeded). */
  async completion(): Promise<number> {
    await this.lifecycle;
    if (this.exitCode === undefined)
      throw new Error(`pod ${this.name} ended without completing${this.fatal ? `: ${this.fatal}` : ""}`);
    return this.exitCode;
  }

  /** restartPolicy Always for a main container. */
  private async supervise(c: ContainerState): Promise<void> {
    for (let failures = 1; ; failures++) {
      if (this.deleting) return;
      const started = Date.now();
      const st = await this.runOnce(c);
      if (this.deleting) return;
      // A container that never started (config error) is retried but is not a restart.
      if (st !== NOT_STARTED) {
        c.restartCount++;
        this.deps.event(`${this.name} container ${c.name} exited ${st.code} (restart ${c.restartCount})`);
        if (Date.now() - started > 60_000) failures = 1; // a container that ran a while starts a fresh backoff
        c.reason = "CrashLoopBackOff";
      }
      await this.backoff(failures);
    }
  }

  /** Kubelet crash-loop backoff, scaled down: 1s, 2s, 4s ... capped at 10s. Ends early on deletion. */
  private async backoff(failures: number): Promise<void> {
    const until = Date.now() + Math.min(10_000, 1000 * 2 ** (failures - 1));
    while (Date.now() < until && !this.deleting) await sleep(Math.min(100, until - Date.now()));
  }

  private image(spec: K8sObject): ImageLayout {
    const image: string = spec.image ?? "";
    let layout = this.images.get(image);
    if (!layout) {
      try {
        layout = prepareImage(this.deps.workDir, image);
      } catch (e) {
        throw new FatalPodError(`container ${spec.name}: ${(e as Error).message}`);
      }
      this.images.set(image, layout);
    }
    return layout;
  }

  /** Start the container once and wait for it to exit. Config errors count as a failed start. */
  private async runOnce(c: ContainerState): Promise<ExitStatus | typeof NOT_STARTED> {
    const logFile = path.join(this.logDir(), `${c.name}.log`);
    const image = this.image(c.spec);
    c.binDir = image.binDir;
    let argv: string[];
    try {
      c.env = {
        // The kubelet gives every container the API server's address (KUBERNETES_SERVICE_HOST/PORT).
        ...(this.deps.api?.env ?? {}),
        ...containerEnv(c.spec, this.podSpec, this.facts(), this.deps.store()),
        PATH: CONTAINER_PATH,
        HOSTNAME: this.name,
      };
      argv = [...(c.spec.command ?? []), ...(c.spec.args ?? [])].map((a: string) => expand(String(a), c.env));
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      c.state = "waiting";
      c.reason = "CreateContainerConfigError";
      this.deps.event(`${this.name} container ${c.name}: CreateContainerConfigError: ${e.message}`);
      return NOT_STARTED;
    }
    if (!c.spec.command)
      throw new FatalPodError(`container ${c.name} has no command (image entrypoints are not emulated)`);
    c.runAsMysql = this.runsAsMysql(c.spec);
    const header = `----- ${new Date().toISOString()} ${c.name} start (restart ${c.restartCount}) -----\n`;
    fs.appendFileSync(logFile, header);
    if (!resolveCommand(argv[0], image.binDir)) {
      const msg = `exec: "${argv[0]}": executable file not found in $PATH (image ${c.spec.image})`;
      fs.appendFileSync(logFile, msg + "\n");
      this.deps.event(`${this.name} container ${c.name}: StartError: ${msg}`);
      c.state = "terminated";
      c.reason = "StartError";
      return { code: 128, signal: null };
    }
    const ctx = this.volumeContext();
    const mounts = containerMounts(ctx, c.spec, c.env);
    this.deps.recordHostPaths(ensureHostMountpoints(mounts));
    const proc = await ContainerProcess.launch({
      workDir: this.deps.workDir,
      stage: stageDir(this.deps.network.clusterId),
      netns: this.deps.network.nsName(this.ordinal),
      podName: this.name,
      containerDir: path.join(podDir(this.deps.workDir, this.name), "containers", c.name),
      image,
      argv,
      env: c.env,
      runAsMysql: c.runAsMysql,
      workingDir: c.spec.workingDir ?? "/",
      mounts,
      logFile,
      mysqlUid: this.deps.mysqlUser.uid,
      mysqlGid: this.deps.mysqlUser.gid,
    });
    c.proc = proc;
    c.state = "running";
    c.reason = "";
    if (this.deleting) proc.kill(); // deleted while we were starting it
    if (!c.init) this.startProbes(c);
    this.deps.onStatusChange();
    const st = await proc.exited;
    for (const p of c.probes) p.stop();
    c.probes = [];
    c.state = "terminated";
    c.ready = false;
    c.lastExit = st;
    c.reason = st.code === 0 ? "Completed" : "Error";
    fs.appendFileSync(logFile, `----- ${c.name} exited ${st.code}${st.signal ? ` (${st.signal})` : ""} -----\n`);
    this.deps.onStatusChange();
    return st;
  }

  private probeTarget(c: ContainerState): ProbeTarget {
    return {
      exec: (argv, timeoutMs) => this.execContainer(c, argv, { timeoutMs }),
      podIp: () => this.ip,
      port: (p) => {
        if (typeof p === "number") return p;
        const found = (c.spec.ports ?? []).find((x: K8sObject) => x.name === p);
        if (!found) throw new Error(`container ${c.name} has no port named ${p}`);
        return found.containerPort;
      },
    };
  }

  private startProbes(c: ContainerState): void {
    const proc = c.proc;
    if (!proc) return;
    const target = this.probeTarget(c);
    const restartFor = (why: string, probe: K8sObject): void => {
      if (this.deleting || proc !== c.proc || !proc.running) return;
      this.deps.event(`${this.name} container ${c.name} ${why}, will be restarted`);
      for (const p of c.probes) p.stop();
      void proc.stop(this.graceMs(probe));
    };
    const readinessAndLiveness = (): void => {
      if (c.spec.readinessProbe) {
        const w = new ProbeWorker(c.spec.readinessProbe, "readiness", target, (ok, detail) => {
          c.ready = ok;
          if (!ok) this.deps.event(`${this.name} container ${c.name} not ready: ${detail}`);
          this.deps.onStatusChange();
        });
        c.probes.push(w);
        w.start();
      } else {
        c.ready = true;
        this.deps.onStatusChange();
      }
      if (c.spec.livenessProbe) {
        const w = new ProbeWorker(c.spec.livenessProbe, "liveness", target, (ok, detail) => {
          if (!ok) restartFor(`failed liveness probe (${detail})`, c.spec.livenessProbe);
        });
        c.probes.push(w);
        w.start();
      }
    };
    if (c.spec.startupProbe) {
      const w = new ProbeWorker(c.spec.startupProbe, "startup", target, (ok, detail) => {
        w.stop();
        if (ok) readinessAndLiveness();
        else restartFor(`failed startup probe (${detail})`, c.spec.startupProbe);
      });
      c.probes.push(w);
      w.start();
    } else {
      readinessAndLiveness();
    }
  }

  private graceMs(probe?: K8sObject): number {
    return (probe?.terminationGracePeriodSeconds ?? this.podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  isReady(): boolean {
    return (
      !this.deleting &&
      !this.fatal &&
      this.initDone &&
      this.containers.length > 0 &&
      this.containers.every((c) => c.state === "running" && c.ready)
    );
  }

  /** Roughly what `kubectl get pods` shows in STATUS. */
  phase(): string {
    if (this.fatal) return `Failed (${this.fatal})`;
    if (this.exitCode !== undefined) return this.exitCode === 0 ? "Succeeded" : `Failed (exit ${this.exitCode})`;
    if (this.deleting) return "Terminating";
    if (!this.volumesReady) return "ContainerCreating";
    if (!this.initDone) {
      const i = this.initContainers.findIndex((c) => c.reason !== "Completed");
      const c = this.initContainers[i];
      if (c && ["CrashLoopBackOff", "CreateContainerConfigError", "StartError"].includes(c.reason))
        return `Init:${c.reason}`;
      return `Init:${i}/${this.initContainers.length}`;
    }
    const bad = this.containers.find((c) => c.state !== "running" && c.reason);
    if (bad) return bad.reason;
    return "Running";
  }

  restarts(): number {
    return this.containers.reduce((n, c) => n + c.restartCount, 0);
  }

  private findContainer(name: string): ContainerState {
    const c = [...this.containers, ...this.initContainers].find((x) => x.name === name);
    if (!c) throw new Error(`pod ${this.name} has no container ${name}`);
    return c;
  }

  /** What kubectl exec/logs pick without -c. */
  defaultContainer(): string {
    return this.template.metadata?.annotations?.["kubectl.kubernetes.io/default-container"] ?? this.containers[0]?.name;
  }

  private execContainer(c: ContainerState, argv: string[], opts: ExecOptions): Promise<RunResult> {
    const pid1 = c.proc?.pid1;
    if (c.state !== "running" || !pid1) {
      return Promise.resolve({
        code: 126,
        stdout: "",
        stderr: `container ${c.name} in pod ${this.name} is not running\n`,
      });
    }
    return execInContainer(pid1, c.runAsMysql, c.env, c.binDir, argv, opts);
  }

  exec(container: string, argv: string[], opts: ExecOptions = {}): Promise<RunResult> {
    return this.execContainer(this.findContainer(container), argv, opts);
  }

  logs(container: string): string {
    this.findContainer(container);
    try {
      return fs.readFileSync(path.join(this.logDir(), `${container}.log`), "utf8");
    } catch {
      return "";
    }
  }

  /** Kill one container; restart policy (or init retry) brings it back. */
  /** Freeze (SIGSTOP) or thaw (SIGCONT) every process of a container. */
  freezeContainer(container: string, frozen: boolean): void {
    const c = this.findContainer(container);
    if (c.state !== "running" || !c.proc) throw new Error(`container ${container} in pod ${this.name} is not running`);
    c.proc.signalAll(frozen ? "SIGSTOP" : "SIGCONT");
  }

  /** Freeze or thaw only the container's processes whose command line matches `pattern`; returns how many. */
  freezeProcesses(container: string, pattern: RegExp, frozen: boolean): number {
    const c = this.findContainer(container);
    if (c.state !== "running" || !c.proc) throw new Error(`container ${container} in pod ${this.name} is not running`);
    return c.proc.signalMatching(frozen ? "SIGSTOP" : "SIGCONT", (commandLine) => pattern.test(commandLine));
  }

  killContainer(container: string, signal: NodeJS.Signals = "SIGKILL"): void {
    const c = this.findContainer(container);
    if (c.state !== "running" || !c.proc) throw new Error(`container ${container} in pod ${this.name} is not running`);
    if (signal === "SIGKILL") c.proc.kill();
    else c.proc.signal(signal);
  }

  /**
   * Delete the pod. Graceful: preStop hooks, SIGTERM to every container's PID 1,
   * up to terminationGracePeriodSeconds, then SIGKILL. force: SIGKILL at once.
   * Resolves when no process of the pod is left and its namespace is gone.
   */
  async delete(force = false): Promise<void> {
    this.deleting = true;
    clearTimeout(this.volumeSyncTimer);
    this.deps.onStatusChange();
    const all = [...this.initContainers, ...this.containers];
    for (const c of all) for (const p of c.probes) p.stop();
    const running = all.filter((c) => c.state === "running" && c.proc?.running);
    if (force) {
      for (const c of running) c.proc?.kill();
    } else {
      const deadline = Date.now() + this.graceMs();
      await Promise.all(
        running.map(async (c) => {
          const hook = c.spec.lifecycle?.preStop?.exec?.command;
          if (hook) {
            const r = await this.execContainer(c, hook, { timeoutMs: Math.max(1, deadline - Date.now()) });
            if (r.code !== 0) this.deps.event(`${this.name} container ${c.name} preStop hook exited ${r.code}`);
          }
          await c.proc?.stop(Math.max(0, deadline - Date.now()));
        }),
      );
    }
    // Anything left in the namespace (e.g. a process that escaped its group) dies with it.
    await this.deps.network.removePod(this.ordinal);
    await this.lifecycle;
    this.deps.onStatusChange();
  }
}
