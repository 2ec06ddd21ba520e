// kube-proxy's part: one TCP proxy (services.ts) per ClusterIP Service that
// selects the StatefulSet's pods, on a virtual IP of the pod bridge, spreading
// connections over the Ready endpoints. sync() follows the objects as applied.
import { K8sObject, ObjectStore, selectsStatefulSetPods } from "./k8s";
import { PodNetwork } from "./network";
import { Pod } from "./pod";
import { Endpoint, isProxied, ServiceProxy } from "./services";

/** The pods as Service endpoints: address, readiness, labels and their named container ports. */
export function podEndpoints(pods: Iterable<Pod>): Endpoint[] {
  return [...pods].map((p) => ({
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

export class ServiceSync {
  private proxies: ServiceProxy[] = [];

  constructor(
    private readonly network: PodNetwork,
    private readonly endpoints: () => Endpoint[],
    private readonly log: (line: string) => void,
  ) {}

  /** One proxy per ClusterIP Service selecting our pods; specs of existing ones are updated in place. */
  async sync(store: ObjectStore): Promise<void> {
    const sts = store.statefulSet();
    const podLabels = sts.spec?.template?.metadata?.labels ?? {};
    const wanted = store
      .ofKind("Service")
      .filter((s) => isProxied(s) && selectsStatefulSetPods(s.spec?.selector, podLabels, sts.metadata.name));
    for (const p of [...this.proxies]) {
      const spec = wanted.find((s) => s.metadata.name === p.name);
      if (spec && JSON.stringify(spec.spec.ports) === JSON.stringify(p.spec.spec.ports)) p.spec = spec;
      else {
        await p.stop();
        this.proxies = this.proxies.filter((x) => x !== p);
        if (spec) await this.start(spec, p.vip);
      }
    }
    for (const s of wanted) if (!this.proxies.some((p) => p.name === s.metadata.name)) await this.start(s);
  }

  private async start(spec: K8sObject, vip?: string): Promise<void> {
    const proxy = new ServiceProxy(spec, vip ?? (await this.network.addVirtualIp()), this.endpoints);
    await proxy.start();
    this.proxies.push(proxy);
    this.log(`service ${proxy.name}: ${proxy.vip}:${proxy.ports().join(",")}`);
  }

  /** Proxied Services and where they listen. */
  list(): { name: string; host: string; port: number; vip: string }[] {
    return this.proxies.map((p) => ({ name: p.name, host: p.vip, port: p.ports()[0], vip: p.vip }));
  }

  address(name: string): { host: string; port: number } {
    const p = this.proxies.find((x) => x.name === name);
    if (!p)
      throw new Error(`no proxied Service ${name} (have: ${this.proxies.map((x) => x.name).join(", ") || "none"})`);
    return { host: p.vip, port: p.ports()[0] };
  }

  /** The Service whose name ends in "-read". */
  readAddress(): { host: string; port: number } {
    const p = this.proxies.find((x) => x.name.endsWith("-read"));
    if (!p) throw new Error(`no Service named *-read (have: ${this.proxies.map((x) => x.name).join(", ") || "none"})`);
    return this.address(p.name);
  }

  /** Stop every proxy; a failure is reported by `onError` and the rest still stop. */
  async stopAll(onError: (e: Error) => void): Promise<void> {
    for (const p of this.proxies) await p.stop().catch(onError);
    this.proxies = [];
  }
}
