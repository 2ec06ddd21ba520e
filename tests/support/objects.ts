// Reading rendered Kubernetes objects in tests: the loose object type the
// assertions walk, and where the pod spec and containers of a workload are.

/** A rendered object or any part of it, walked by tests without a schema type. */
export type AnyObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The pod spec of a StatefulSet, Deployment, Job or CronJob. */
export function podSpecOf(workload: AnyObject): AnyObject {
  return workload.kind === "CronJob" ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
}

/** A pod spec's init containers, then its containers. */
export function containersOf(pod: AnyObject): AnyObject[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}
