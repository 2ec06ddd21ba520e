// The PodDisruptionBudget: voluntary disruptions (node drains, upgrades) take
// at most one pod at a time, so the primary and the replicas never all go at once.
// unhealthyPodEvictionPolicy AlwaysAllow: a pod that runs but is not Ready (a
// lagging or re-cloning replica: readiness means "caught up") may always be
// evicted, so one such replica cannot block every node drain. With the
// default (IfHealthyBudget) an unready pod is evictable only while the budget
// is met, and it is not while that pod itself counts as unavailable
// (policy/v1 PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy,
// https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy;
// GA in Kubernetes 1.31).

import { ResolvedArgs } from "../args";
import { ClusterNames } from "../names";

export function buildDisruptionBudget(args: ResolvedArgs, names: ClusterNames) {
  return {
    apiVersion: "policy/v1" as const,
    kind: "PodDisruptionBudget" as const,
    metadata: { name: names.statefulSet, namespace: args.namespace, labels: names.labels },
    spec: {
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
      selector: { matchLabels: names.selectorLabels },
    },
  };
}
