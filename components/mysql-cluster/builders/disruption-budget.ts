// The PodDisruptionBudget: voluntary disruptions (node drains, upgrades) take
// at most one pod at a time, so the primary and the replicas never all go at once.

import { ResolvedArgs } from "../args";
import { ClusterNames } from "../names";

export function buildDisruptionBudget(args: ResolvedArgs, names: ClusterNames) {
  return {
    apiVersion: "policy/v1" as const,
    kind: "PodDisruptionBudget" as const,
    metadata: { name: names.statefulSet, namespace: args.namespace, labels: names.labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: names.selectorLabels } },
  };
}
