// The ConfigMap holding server configuration and pod scripts. Its name ends in
// a hash of its content: a change creates a new ConfigMap (create before delete,
// so running pods never lose theirs) and the StatefulSet's pod template points
// at it, which rolls the pods in the StatefulSet's order, primary last.

import { createHash } from "crypto";
import { ResolvedArgs } from "../args";
import { configMapData } from "../config-files";
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
