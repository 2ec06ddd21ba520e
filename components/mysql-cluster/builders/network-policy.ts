// The NetworkPolicy: the backup port admits only the cluster's own pods (and
// its scheduled backup's pods); the
// database port admits those and the clients named in the settings; the
// metrics port admits any pod; nothing else reaches the pods. Needs a policy engine in the cluster to take effect.

import { ResolvedArgs } from "../args";
import { ClusterNames, PORTS } from "../names";

export function buildNetworkPolicy(args: ResolvedArgs, names: ClusterNames) {
  const members = { podSelector: { matchLabels: names.selectorLabels } };
  const clients: Record<string, unknown>[] = [];
  if (args.clientPodSelector || args.clientNamespaceSelector) {
    clients.push({
      ...(args.clientPodSelector ? { podSelector: { matchLabels: args.clientPodSelector } } : {}),
      ...(args.clientNamespaceSelector ? { namespaceSelector: { matchLabels: args.clientNamespaceSelector } } : {}),
    });
  }
  return {
    apiVersion: "networking.k8s.io/v1" as const,
    kind: "NetworkPolicy" as const,
    metadata: { name: names.networkPolicy, namespace: args.namespace, labels: names.labels },
    spec: {
      podSelector: { matchLabels: names.selectorLabels },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [members, ...(args.backupSchedule ? [{ podSelector: { matchLabels: names.backupPodLabels } }] : [])],
          ports: [
            { protocol: "TCP", port: PORTS.mysql },
            { protocol: "TCP", port: PORTS.backup },
          ],
        },
        ...(clients.length > 0 ? [{ from: clients, ports: [{ protocol: "TCP", port: PORTS.mysql }] }] : []),
        // Metrics carry no data: any pod in the cluster (a Prometheus) may scrape them.
        ...(args.metrics
          ? [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: PORTS.metrics }] }]
          : []),
      ],
    },
  };
}
