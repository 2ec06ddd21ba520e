// What a running LocalCluster lends the parts that make pods (the StatefulSet
// controller and the Job runner): where pods live, the objects as they are
// now, the pod network and its DNS, and where to report. Also the two steps
// every pod goes through whoever makes it: built with the cluster's
// settings, then given a sandbox (network namespace, DNS entry) and started.
import { ClusterDns } from "./dns";
import { ObjectStore } from "./k8s";
import { PodNetwork } from "./network";
import { Pod, PodDeps } from "./pod";
import { HostUser, recordHostPaths } from "./volumes";

export interface ClusterContext {
  readonly workDir: string;
  readonly network: PodNetwork;
  readonly dns: ClusterDns;
  /** Slots whose network namespace exists (pod ordinals, Job slots). */
  readonly sandboxes: Set<number>;
  /** The objects as last applied. */
  store(): ObjectStore;
  /** The host user standing in for the images' mysql user; throws "cluster is not up" before up(). */
  mysqlUser(): HostUser;
  event(msg: string): void;
  log(line: string): void;
  /** The kubelet's ConfigMap/Secret volume sync period (cluster.ts KUBELET_SYNC_FREQUENCY_MS). */
  readonly volumeSyncPeriodMs: number;
  /** The cluster's API server (api.ts): kubelet env and bound tokens. */
  readonly api?: { env: () => Record<string, string>; token: (serviceAccount: string) => string };
}

/** A pod with the cluster's shared settings; `o` says which pod it is. */
export function newPod(
  ctx: ClusterContext,
  o: Pick<
    PodDeps,
    "stsName" | "serviceName" | "ordinal" | "podName" | "template" | "claimTemplates" | "onStatusChange"
  >,
): Pod {
  return new Pod({
    workDir: ctx.workDir,
    namespace: ctx.store().namespace(),
    store: () => ctx.store(),
    network: ctx.network,
    mysqlUser: ctx.mysqlUser(),
    event: (m) => ctx.event(m),
    progress: (m) => ctx.log(m),
    recordHostPaths: (p) => recordHostPaths(p),
    volumeSyncPeriodMs: ctx.volumeSyncPeriodMs,
    api: ctx.api && { env: ctx.api.env(), token: ctx.api.token },
    ...o,
  });
}

/** Give the pod its sandbox on network slot `slot`, put it in every pod's DNS, and start it. */
export async function startPod(ctx: ClusterContext, pod: Pod, slot: number): Promise<void> {
  ctx.log(`${pod.name}: created (${ctx.network.podIp(slot)})`);
  await pod.createSandbox();
  ctx.sandboxes.add(slot);
  ctx.dns.writeAll();
  pod.start();
}

/** The slot's sandbox is gone (its pod deleted). */
export function forgetSandbox(ctx: ClusterContext, slot: number): void {
  ctx.sandboxes.delete(slot);
  ctx.dns.forget(slot);
}
