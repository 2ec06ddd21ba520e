// Cluster DNS stand-in: one /etc/hosts per pod sandbox (network namespace),
// rewritten whenever pods, readiness or Services change. Holds the records
// CoreDNS would serve for the StatefulSet's pods and the Services.
import { K8sObject, ObjectStore, selectorMatches } from "./k8s";
import { PodNetwork } from "./network";
import { Pod } from "./pod";

export const CLUSTER_DOMAIN = "cluster.local";
/**
 * This machine as every cluster's pods reach it (its own bridge's gateway), under one name
 * for all clusters, as Docker's host.docker.internal: a service the tests run for pods of
 * more than one cluster (an object store a second cluster restores from) is addressed by
 * this name, not by one cluster's gateway, which another cluster's pods cannot route to.
 */
export const RUNNER_HOST_NAME = "host.runner.internal";

/** What the records are made from, read at each write. */
export interface DnsView {
  store: ObjectStore;
  /** The StatefulSet's pods by ordinal. */
  pods: Map<number, Pod>;
  /** Slots (pod ordinals, Job and client slots) whose network namespace exists. */
  sandboxes: Set<number>;
  /** Proxied ClusterIP Services and their virtual IPs. */
  services: { name: string; vip: string }[];
}

export class ClusterDns {
  /** Last text written per slot: unchanged files are not rewritten. */
  private readonly written = new Map<number, string>();

  constructor(
    private readonly network: PodNetwork,
    private readonly view: () => DnsView,
  ) {}

  /** A slot's sandbox is gone: its next sandbox gets a fresh file. */
  forget(slot: number): void {
    this.written.delete(slot);
  }

  /**
   * Per-pod /etc/hosts standing in for cluster DNS: the pod's own names, the
   * StatefulSet's per-pod records under its headless Service (only Ready pods
   * unless publishNotReadyAddresses, as in Kubernetes), headless Service names
   * -> pod IPs, and ClusterIP Service names -> their virtual IPs.
   */
  hostsFor(ord: number): string {
    const { store, pods, sandboxes, services } = this.view();
    const sts: K8sObject = store.statefulSet();
    const ns = store.namespace();
    const svcName: string = sts.spec?.serviceName ?? "";
    const self = pods.get(ord);
    const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
    const fq = (name: string): string[] => [
      name,
      `${name}.${ns}`,
      `${name}.${ns}.svc`,
      `${name}.${ns}.svc.${CLUSTER_DOMAIN}`,
    ];
    if (self) lines.push(`${self.ip}\t${self.name}.${svcName}.${ns}.svc.${CLUSTER_DOMAIN}\t${self.name}`);
    const podLabels = sts.spec?.template?.metadata?.labels ?? {};
    for (const svc of store.ofKind("Service")) {
      if (svc.spec?.clusterIP !== "None" || !selectorMatches(svc.spec?.selector, podLabels)) continue;
      const publishAll = !!svc.spec?.publishNotReadyAddresses;
      for (const p of [...pods.values()].sort((a, b) => a.ordinal - b.ordinal)) {
        if (!sandboxes.has(p.ordinal) || !(publishAll || p.isReady())) continue;
        const names = fq(svc.metadata.name);
        if (svc.metadata.name === svcName) names.unshift(...fq(`${p.name}.${svcName}`));
        lines.push(`${p.ip}\t${names.join(" ")}`);
      }
    }
    for (const s of services) lines.push(`${s.vip}\t${fq(s.name).join(" ")}`);
    lines.push(`${this.network.gateway()}\t${RUNNER_HOST_NAME}`);
    return lines.join("\n") + "\n";
  }

  /** Rewrite every sandbox's hosts file that changed, with the namespace's search domains. */
  writeAll(): void {
    const { store, sandboxes } = this.view();
    const ns = store.namespace();
    for (const ord of sandboxes) {
      const text = this.hostsFor(ord);
      if (this.written.get(ord) === text) continue;
      this.written.set(ord, text);
      this.network.writeNameFiles(ord, text, [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN]);
    }
  }
}
