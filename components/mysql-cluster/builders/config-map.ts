// The ConfigMaps. The first holds server configuration and pod scripts. Its name ends in
// a hash of its content: a change creates a new ConfigMap (create before delete,
// so running pods never lose theirs) and the StatefulSet's pod template points
// at it, which rolls the pods in the StatefulSet's order, highest ordinal first.

import { createHash } from "crypto";
import { ResolvedArgs } from "../args";
import { configMapData } from "../config-files";
import { FILES } from "../contract";
import { ClusterNames } from "../names";
import { ConfigMapObject } from "./types";

export function buildConfigMap(args: ResolvedArgs, names: ClusterNames): ConfigMapObject {
  const data = configMapData(args);
  const hash = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 10);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${names.configMapPrefix}-${hash}`, namespace: args.namespace, labels: names.labels },
    data,
  };
}

/**
 * The topology: which ordinal is the primary. Fixed name and not part of the pod
 * template, so changing it rolls no pod: the kubelet refreshes the mounted file
 * and each pod's sidecar moves its server to its new role (a switchover).
 */
export function buildTopologyConfigMap(args: ResolvedArgs, names: ClusterNames): ConfigMapObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: names.topologyConfigMap, namespace: args.namespace, labels: names.labels },
    data: { [FILES.primaryOrdinal]: String(args.primaryOrdinal) },
  };
}
