// How long `pulumi up` waits for the objects whose readiness it awaits. The
// Kubernetes provider waits 10 minutes by default for a StatefulSet
// (pulumi-kubernetes provider/pkg/await/statefulset.go,
// DefaultStatefulSetTimeoutMins = 10) and a Service
// (provider/pkg/await/service.go, DefaultServiceTimeoutMins = 10); a
// resource's customTimeouts replace that bound (provider/pkg/await/await.go,
// Creation/Update: metadata.TimeoutDuration(c.Timeout, ...)). Ten minutes is
// less than one clone of a large data directory, so the bounds here grow with
// storageSize: they bound a stuck rollout, they are not estimates.

import { ResolvedArgs } from "./args";
import { parseQuantity } from "./quantity";

/** The slowest copy rate assumed for a clone or a restore: 10 MiB/s (a busy 100 Mbit/s link). */
const SLOWEST_COPY_BYTES_PER_SECOND = 10 * 2 ** 20;
/** Per pod, beside the copy: scheduling, image pulls, init containers, catching up, the 120 s grace period of the pod it replaces. */
const POD_OVERHEAD_SECONDS = 15 * 60;

/** Seconds for one pod to become Ready, at worst: a full-volume clone (or restore) at the slowest rate, plus the overhead. */
function podReadySeconds(args: Pick<ResolvedArgs, "storageSize">): number {
  const bytes = parseQuantity(args.storageSize) ?? 0;
  return POD_OVERHEAD_SECONDS + Math.ceil(bytes / SLOWEST_COPY_BYTES_PER_SECOND);
}

function minutes(seconds: number): string {
  return `${Math.ceil(seconds / 60)}m`;
}

export interface AwaitTimeouts {
  /** The StatefulSet: OrderedReady, so a creation or a roll takes each pod in turn. */
  statefulSet: { create: string; update: string };
  /** The write Service: it selects one pod (pod 0 on creation, the new primary on a switchover) and waits for it. */
  writeService: { create: string; update: string };
  /**
   * The read Service: it selects every pod, and the provider's await ends only when its
   * Endpoints list no not-ready address (provider/pkg/await/service.go processEndpointEvent,
   * checkAndLogStatus: !endpointsPending), so a creation waits for every pod, like the StatefulSet.
   */
  readService: { create: string; update: string };
}

export function awaitTimeouts(args: Pick<ResolvedArgs, "storageSize" | "replicas">): AwaitTimeouts {
  const pod = podReadySeconds(args);
  const allPods = minutes(pod * args.replicas);
  return {
    statefulSet: { create: allPods, update: allPods },
    writeService: { create: minutes(pod), update: minutes(pod) },
    readService: { create: allPods, update: allPods },
  };
}
