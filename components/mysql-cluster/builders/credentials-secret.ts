// The Secret with every password the cluster uses. Generic over the value type:
// Pulumi passes secret Outputs, render passes placeholders, the local pod
// runner passes real generated strings.

import { ResolvedArgs } from "../args";
import { ClusterNames, SECRET_KEYS } from "../names";
import { SecretObject } from "./types";

/** The Secret keys this configuration needs (app-password only with an appUser). */
export function requiredSecretKeys(args: ResolvedArgs): string[] {
  const keys: string[] = [SECRET_KEYS.root, SECRET_KEYS.replication, SECRET_KEYS.backup, SECRET_KEYS.monitor];
  if (args.appUser) keys.push(SECRET_KEYS.app);
  if (args.metrics) keys.push(SECRET_KEYS.exporter);
  return keys;
}

export function buildCredentialsSecret<V>(
  args: ResolvedArgs,
  names: ClusterNames,
  passwords: (key: string) => V,
): SecretObject<V> {
  const stringData: Record<string, V> = {};
  for (const key of requiredSecretKeys(args)) stringData[key] = passwords(key);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: names.credentialsSecret, namespace: args.namespace, labels: names.labels },
    type: "Opaque",
    stringData,
  };
}
