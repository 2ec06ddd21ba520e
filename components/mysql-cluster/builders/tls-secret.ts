// The TLS Secret: the cluster's CA and one certificate every pod presents, as
// server (client connections, replication) and as client and server of the
// backup stream, where holding it is what makes a pod a member. Generic over
// the value type like the credentials Secret.

import { ResolvedArgs } from "../args";
import { ClusterNames, TLS_KEYS } from "../names";

export interface TlsMaterial<V> {
  cert: V;
  key: V;
  ca: V;
}

export function buildTlsSecret<V>(args: ResolvedArgs, names: ClusterNames, material: TlsMaterial<V>) {
  return {
    apiVersion: "v1" as const,
    kind: "Secret" as const,
    metadata: { name: names.tlsSecret, namespace: args.namespace, labels: names.labels },
    type: "kubernetes.io/tls" as const,
    stringData: { [TLS_KEYS.cert]: material.cert, [TLS_KEYS.key]: material.key, [TLS_KEYS.ca]: material.ca },
  };
}
