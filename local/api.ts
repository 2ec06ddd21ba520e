// The cluster's Kubernetes API, as the pods see it: the local API server
// (api-server/) listening on the pod bridge's gateway address, port 443, with
// the applied objects it serves (the Lease, the Role and RoleBinding it
// authorizes by, the StatefulSet the agents read), the pods as the runner runs
// them (a label written through the API is a label the Services select on, as
// kube-proxy follows the EndpointSlices), the kube-root-ca.crt ConfigMap every
// namespace has, and what the kubelet gives each container
// (KUBERNETES_SERVICE_HOST/PORT, a bound token in a projected volume).
import { LocalApiServer, startApiServer } from "./api-server";
import { applyMap } from "./api-server/pod-store";
import type { MetadataPatch, PodStore } from "./api-server";
import * as fs from "fs";
import { ROOT_CA_CONFIGMAP } from "../components/mysql-cluster/builders/failover";
import { K8sObject, ObjectStore } from "./k8s";
import { PodNetwork } from "./network";
import { Pod } from "./pod";

/** The port of the in-cluster `kubernetes` Service (KUBERNETES_SERVICE_PORT). */
export const API_PORT = 443;

export interface LeaseView {
  holder: string;
  transitions: number;
  resourceVersion: string;
  annotations: Record<string, string>;
}

export class ClusterApi {
  private server?: LocalApiServer;
  private tokens = new Map<string, string>();

  constructor(
    private readonly network: PodNetwork,
    private readonly store: () => ObjectStore,
    private readonly pods: () => Iterable<Pod>,
    private readonly onLabelsChanged: () => void,
  ) {}

  /** The server, for fault injection and the request log; throws before start(). */
  get apiServer(): LocalApiServer {
    if (!this.server) throw new Error("the cluster's API server is not started");
    return this.server;
  }

  async start(): Promise<void> {
    const pods: PodStore = {
      get: (namespace, name) => {
        const pod = this.pod(namespace, name);
        return pod && podObject(pod, namespace);
      },
      patchMetadata: (namespace, name, patch: MetadataPatch) => {
        const pod = this.pod(namespace, name);
        if (!pod) throw new Error(`no pod ${namespace}/${name}`);
        pod.written.labels = applyMap(pod.written.labels, patch.labels) ?? {};
        pod.written.annotations = applyMap(pod.written.annotations, patch.annotations) ?? {};
        this.onLabelsChanged();
        return podObject(pod, namespace);
      },
    };
    this.server = await startApiServer({
      host: this.network.gateway(),
      port: API_PORT,
      podStore: pods,
      statefulSets: (namespace, name) => {
        const sts = this.store().statefulSet();
        return sts.metadata.name === name && this.store().namespace() === namespace ? sts : undefined;
      },
    });
  }

  /**
   * Brings the server's objects in line with the applied ones, as `pulumi up` would: the
   * RBAC rules, and each Lease created, or updated by server-side apply of the fields the
   * component sets (its duration, labels, its annotations), the agents' fields kept.
   */
  sync(store: ObjectStore): void {
    const server = this.apiServer;
    server.loadRbac([...store.ofKind("Role"), ...store.ofKind("RoleBinding")]);
    for (const lease of store.ofKind("Lease")) {
      const ns = lease.metadata.namespace ?? store.namespace();
      const live = server.getObject("Lease", ns, lease.metadata.name);
      if (!live) {
        server.putObject({ ...lease, metadata: { ...lease.metadata, namespace: ns } });
        continue;
      }
      const merged = {
        ...live,
        metadata: {
          ...live.metadata,
          labels: { ...live.metadata.labels, ...lease.metadata.labels },
          annotations: { ...live.metadata.annotations, ...lease.metadata.annotations },
        },
        spec: { ...live.spec, ...lease.spec },
      };
      // An apply that changes nothing writes nothing (no new resourceVersion).
      const same = (o: K8sObject) => JSON.stringify([o.metadata.labels, o.metadata.annotations, o.spec]);
      if (same(merged) !== same(live)) {
        delete merged.metadata.managedFields;
        server.putObject(merged);
      }
    }
  }

  /** The objects every namespace has that the program does not create. */
  systemObjects(namespace: string): K8sObject[] {
    if (!this.server) return [];
    return [
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: ROOT_CA_CONFIGMAP.name, namespace },
        data: { [ROOT_CA_CONFIGMAP.key]: fs.readFileSync(this.server.caPath, "utf8") },
      },
    ];
  }

  /** What the kubelet puts in every container's environment for the `kubernetes` Service. */
  env(): Record<string, string> {
    return { KUBERNETES_SERVICE_HOST: this.network.gateway(), KUBERNETES_SERVICE_PORT: String(API_PORT) };
  }

  /** A bound token of `serviceAccount` in the cluster's namespace, one per account. */
  token(serviceAccount: string): string {
    const ns = this.store().namespace();
    const key = `${ns}/${serviceAccount}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = this.apiServer.mintToken(ns, serviceAccount);
      this.tokens.set(key, token);
    }
    return token;
  }

  /** The Lease as the API server holds it, or undefined. */
  lease(name: string): LeaseView | undefined {
    const o = this.server?.getObject("Lease", this.store().namespace(), name);
    if (!o) return undefined;
    return {
      holder: o.spec?.holderIdentity ?? "",
      transitions: o.spec?.leaseTransitions ?? 0,
      resourceVersion: o.metadata.resourceVersion,
      annotations: o.metadata.annotations ?? {},
    };
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  private pod(namespace: string, name: string): Pod | undefined {
    if (namespace !== this.store().namespace()) return undefined;
    return [...this.pods()].find((p) => p.name === name);
  }
}

function podObject(pod: Pod, namespace: string): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: pod.name, namespace, uid: pod.uid, labels: pod.labels, annotations: pod.annotations },
    spec: { serviceAccountName: pod.template.spec?.serviceAccountName ?? "default" },
    status: { podIP: pod.ip },
  };
}
