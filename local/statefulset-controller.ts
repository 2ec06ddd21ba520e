// The StatefulSet controller's part: which pods exist and in what order.
// Creates each pod's claims from the volumeClaimTemplates (as created: they
// are immutable), provisions the PersistentVolumeClaim objects, scales up in
// ordinal order (OrderedReady waits for each pod) and down highest ordinal
// first, and rolls a changed pod template highest ordinal first. The pods
// themselves are run by pod.ts (the kubelet's part). With OrderedReady a
// scale-down waits, as the real controller does, until every pod it keeps is
// Running and Ready (scaleDownStep).
import { ClusterContext, forgetSandbox, newPod, startPod } from "./cluster-context";
import { K8sObject } from "./k8s";
import { Pod } from "./pod";
import { pollUntil, sleep } from "./sh";
import { claimRequestBytes, provisionClaim } from "./volumes";

export interface ControllerHooks {
  /** up()'s and apply()'s bound for every pod to be Ready. */
  timeoutMs: number;
  /** The cluster is being torn down: every wait ends at once. */
  tornDown(): boolean;
  /** Events so far (the describe() of a pod that is not Ready shows its own). */
  events(): string[];
}

/** What the scale-down decision looks at in each pod. */
export interface PodHealth {
  ordinal: number;
  /** Deleted but not gone: graceful termination, or a pod on a lost node. */
  terminating: boolean;
  runningAndReady: boolean;
}

/**
 * The next step of a scale-down to `replicas`, as the StatefulSet controller
 * takes it (kubernetes/kubernetes pkg/controller/statefulset/stateful_set_control.go
 * at 0004b149, updateStatefulSet, processReplica and processCondemned). With
 * OrderedReady ("monotonic"), every pod it keeps (ordinal < replicas) is
 * processed first (a missing one is created first), and one that is
 * terminating or not Running and Ready blocks
 * the whole sync ("StatefulSet is waiting for Pod to be Running and Ready");
 * then the condemned pods, highest ordinal first, one deletion per sync: a
 * terminating one blocks until it is gone, and one that is not Running and
 * Ready blocks unless it is the first unhealthy pod ("... prior to scale
 * down"). Parallel deletes every condemned pod at once. Returns the ordinals
 * to delete now, or what it waits for, or neither when nothing is condemned.
 */
export function scaleDownStep(
  pods: PodHealth[],
  replicas: number,
  monotonic: boolean,
): { remove: number[]; waitingFor?: string } {
  const sorted = [...pods].sort((a, b) => a.ordinal - b.ordinal);
  const kept = sorted.filter((p) => p.ordinal < replicas);
  const condemned = sorted.filter((p) => p.ordinal >= replicas);
  if (condemned.length === 0) return { remove: [] };
  if (!monotonic) return { remove: condemned.filter((p) => !p.terminating).map((p) => p.ordinal) };
  for (let ord = 0; ord < replicas; ord++)
    if (!kept.some((p) => p.ordinal === ord)) return { remove: [], waitingFor: `pod ${ord} to be created` };
  for (const p of kept) {
    if (p.terminating) return { remove: [], waitingFor: `pod ${p.ordinal} to terminate` };
    if (!p.runningAndReady) return { remove: [], waitingFor: `pod ${p.ordinal} to be Running and Ready` };
  }
  const firstUnhealthy = condemned.find((p) => p.terminating || !p.runningAndReady);
  const target = condemned[condemned.length - 1];
  if (target.terminating) return { remove: [], waitingFor: `pod ${target.ordinal} to terminate prior to scale down` };
  if (!target.runningAndReady && target !== firstUnhealthy)
    return { remove: [], waitingFor: `pod ${firstUnhealthy!.ordinal} to be Running and Ready prior to scale down` };
  return { remove: [target.ordinal] };
}

export class StatefulSetController {
  readonly pods = new Map<number, Pod>();
  /** The StatefulSet's volumeClaimTemplates as created: they cannot change afterwards. */
  private claimTemplateSpecs?: K8sObject[];
  private readonly wasReady = new Map<string, boolean>();

  constructor(
    private readonly ctx: ClusterContext,
    private readonly hooks: ControllerHooks,
  ) {}

  get sts(): K8sObject {
    return this.ctx.store().statefulSet();
  }

  get stsName(): string {
    return this.sts.metadata.name;
  }

  /** At creation: the templates every later claim is made from. */
  recordClaimTemplates(): void {
    this.claimTemplateSpecs = JSON.parse(JSON.stringify(this.sts.spec?.volumeClaimTemplates ?? []));
  }

  /** Whether the objects as applied ask for other templates than the StatefulSet was created with. */
  claimTemplatesChanged(): boolean {
    return JSON.stringify(this.sts.spec?.volumeClaimTemplates ?? []) !== JSON.stringify(this.claimTemplateSpecs);
  }

  private claimTemplates(): string[] {
    return (this.claimTemplateSpecs ?? []).map((t: K8sObject) => t.metadata.name);
  }

  /**
   * Every PersistentVolumeClaim among the objects exists at its requested
   * size before any pod that uses it starts: created, or grown in place when
   * the object asks for more (volume expansion).
   */
  async syncClaims(): Promise<void> {
    for (const claim of this.ctx.store().ofKind("PersistentVolumeClaim")) {
      const bytes = claimRequestBytes(claim);
      const did = await provisionClaim(this.ctx.workDir, claim.metadata.name, bytes, true);
      if (did)
        this.ctx.event(
          `persistentvolumeclaim ${claim.metadata.name} ${did} (${claim.spec.resources.requests.storage})`,
        );
    }
  }

  /** The StatefulSet controller creates a pod's missing claims from the templates (the ones the StatefulSet was created with); it never resizes one. */
  private async createTemplateClaims(ord: number): Promise<void> {
    for (const t of this.claimTemplateSpecs ?? []) {
      const name = `${t.metadata.name}-${this.stsName}-${ord}`;
      const did = await provisionClaim(this.ctx.workDir, name, claimRequestBytes(t), false);
      if (did)
        this.ctx.event(`persistentvolumeclaim ${name} ${did} from the template (${t.spec.resources.requests.storage})`);
    }
  }

  async reconcile(deadline: number): Promise<void> {
    const spec = this.sts.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const parallel = spec.podManagementPolicy === "Parallel";
    const bound = this.hooks.timeoutMs;
    // Scale up: in ordinal order; OrderedReady waits for each pod to be Ready.
    for (let ord = 0; ord < replicas; ord++) {
      if (this.pods.has(ord)) continue;
      await this.createPod(ord);
      if (!parallel) await this.waitReady(ord, deadline - Date.now(), bound);
    }
    if (parallel) for (let ord = 0; ord < replicas; ord++) await this.waitReady(ord, deadline - Date.now(), bound);
    // Then the condemned pods, as the controller processes the pods it keeps first.
    await this.scaleDown(!parallel, deadline);
    // Rolling update.
    const strategy = spec.updateStrategy ?? {};
    if (strategy.type === "OnDelete") return;
    const partition: number = strategy.rollingUpdate?.partition ?? 0;
    const key = JSON.stringify(this.sts.spec?.template ?? {});
    for (let ord = replicas - 1; ord >= partition; ord--) {
      const pod = this.pods.get(ord);
      if (!pod || pod.templateKey === key) continue;
      this.ctx.log(`${pod.name}: rolling update`);
      await this.deletePod(ord, false);
      await this.createPod(ord);
      await this.waitReady(ord, deadline - Date.now(), bound);
    }
  }

  /**
   * Scale down: highest ordinal first, one at a time with OrderedReady; PVC dirs
   * stay. While scaleDownStep waits, the controller syncs again whenever a pod
   * or the StatefulSet changes (here: every 200 ms until `deadline`, when
   * apply() gives up as the provider's await would).
   */
  private async scaleDown(monotonic: boolean, deadline: number): Promise<void> {
    let said = "";
    for (;;) {
      // Each sync reads the StatefulSet again: a later apply (scaled back up) ends the wait.
      const replicas: number = this.sts.spec?.replicas ?? 1;
      const health = [...this.pods.values()].map((p) => ({
        ordinal: p.ordinal,
        terminating: p.phase() === "Terminating",
        runningAndReady: p.isReady(),
      }));
      const step = scaleDownStep(health, replicas, monotonic);
      if (step.remove.length) {
        said = "";
        await Promise.all(
          step.remove.map((ord) => {
            this.ctx.log(`${this.stsName}-${ord}: scaling down`);
            return this.deletePod(ord, false);
          }),
        );
        continue;
      }
      if (!step.waitingFor) return;
      if (step.waitingFor !== said) {
        this.ctx.event(`statefulset ${this.stsName} scale-down to ${replicas} is waiting for ${step.waitingFor}`);
        said = step.waitingFor;
      }
      if (this.hooks.tornDown())
        throw new Error(`cluster ${this.ctx.network.clusterId} was torn down while scaling down`);
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${this.hooks.timeoutMs / 1000}s scaling ${this.stsName} down to ${replicas}: waiting for ${step.waitingFor}`,
        );
      await sleep(200);
    }
  }

  async createPod(ord: number): Promise<Pod> {
    this.ctx.mysqlUser(); // "cluster is not up" before any claim is made
    await this.createTemplateClaims(ord);
    const pod = newPod(this.ctx, {
      stsName: this.stsName,
      serviceName: this.sts.spec?.serviceName ?? "",
      ordinal: ord,
      template: JSON.parse(JSON.stringify(this.sts.spec?.template ?? {})),
      claimTemplates: this.claimTemplates(),
      onStatusChange: () => this.onStatusChange(),
    });
    this.pods.set(ord, pod);
    await startPod(this.ctx, pod, ord);
    return pod;
  }

  async deletePod(ord: number, force: boolean): Promise<void> {
    const pod = this.pods.get(ord);
    if (!pod) return;
    await pod.delete(force);
    forgetSandbox(this.ctx, ord);
    this.pods.delete(ord);
    this.ctx.dns.writeAll();
  }

  /**
   * Its node is gone: the pod's processes die and its network with them, but the pod
   * object stays (Terminating, never Ready), so nothing replaces it and a label written
   * through the API still lands on it.
   */
  async loseNode(ord: number): Promise<void> {
    await this.pod(ord).delete(true);
    this.ctx.dns.writeAll();
  }

  /** The node is back: the pod starts again. */
  async restoreNode(ord: number): Promise<void> {
    await this.deletePod(ord, true);
    await this.createPod(ord);
  }

  pod(ord: number): Pod {
    const p = this.pods.get(ord);
    if (!p) throw new Error(`pod ${this.stsName}-${ord} does not exist`);
    return p;
  }

  /** Log Ready transitions; headless-service records follow readiness unless publishNotReadyAddresses. */
  onStatusChange(): void {
    for (const p of this.pods.values()) {
      const ready = p.isReady();
      const was = this.wasReady.get(p.name) ?? false;
      if (ready && !was) this.ctx.log(`${p.name}: Ready (${((Date.now() - p.createdAt) / 1000).toFixed(1)}s)`);
      if (!ready && was) this.ctx.log(`${p.name}: not Ready (${p.phase()})`);
      this.wasReady.set(p.name, ready);
    }
    this.ctx.dns.writeAll();
  }

  /**
   * Wait until the pod is Ready; the error names the pod, its phase and its
   * logs' tails. boundMs is the overall bound to report when timeoutMs is what
   * is left of it.
   */
  async waitReady(ord: number, timeoutMs = this.hooks.timeoutMs, boundMs?: number): Promise<void> {
    try {
      await pollUntil(
        `${this.stsName}-${ord} to be Ready`,
        () => {
          // A teardown ends every wait at once, so up() never outlives down().
          if (this.hooks.tornDown())
            throw new Error(`cluster ${this.ctx.network.clusterId} was torn down while waiting`);
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
    const ev = this.hooks
      .events()
      .filter((e) => e.startsWith(p.name + " "))
      .slice(-10);
    if (ev.length) lines.push(`--- events:\n${ev.join("\n")}`);
    return lines.join("\n");
  }
}
