// The data claims data-<sts>-N, one per pod, at the current storageSize.
// They are rendered (and registered, as PersistentVolumeClaimPatch upserts)
// before the StatefulSet, so every claim exists at its current size before
// the StatefulSet controller creates pod N: the controller adopts an existing
// claim of the template's name instead of creating one from the
// volumeClaimTemplate (kubernetes/kubernetes pkg/controller/statefulset,
// createPersistentVolumeClaims creates only claims that are missing), whose
// size stays at the creation size (ignoreChanges on volumeClaimTemplates).
// Without this, scaling up after storageSize grew gave the new pod a claim of
// the old size, too small to clone into (issue 13, defect 4).

import { ResolvedArgs } from "../args";
import { ClusterNames } from "../names";

/** The claim name the StatefulSet controller gives pod `ordinal`'s volume: <template>-<sts>-<ordinal>. */
export function dataClaimName(names: ClusterNames, ordinal: number): string {
  return `${names.dataClaim}-${names.statefulSet}-${ordinal}`;
}

export function buildDataClaims(args: ResolvedArgs, names: ClusterNames) {
  const claims = [];
  for (let ordinal = 0; ordinal < args.replicas; ordinal++) {
    claims.push({
      apiVersion: "v1" as const,
      kind: "PersistentVolumeClaim" as const,
      metadata: {
        name: dataClaimName(names, ordinal),
        namespace: args.namespace,
        // The labels the controller puts on claims it creates from the template (its selector labels).
        labels: names.selectorLabels,
        // No await: on a create the provider waits up to 5 minutes for Bound with an Immediate
        // class (Pending suffices with WaitForFirstConsumer; awaiters.go
        // untilCoreV1PersistentVolumeClaimReady), a wait in front of the StatefulSet's; a claim
        // that cannot be provisioned shows in the StatefulSet's await.
        annotations: { "pulumi.com/skipAwait": "true" },
      },
      spec: {
        // The same access mode and class as the volumeClaimTemplate: both are immutable on a
        // claim, so these only ever restate what the claim already has.
        accessModes: [args.storageAccessMode],
        ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
        resources: { requests: { storage: args.storageSize } },
      },
    });
  }
  return claims;
}
