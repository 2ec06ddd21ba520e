// The headless Service gives every pod a stable DNS name (<sts>-N.<svc>) and
// publishes pods before they are ready, so peers resolve during bootstrap and
// cloning. The read Service spreads reads over ready pods only; readiness drops
// a replica that lags, so the read endpoint serves fresh enough data.

import { ResolvedArgs } from "../args";
import { FAILOVER_MARKS } from "../contract";
import { ClusterNames, PORTS } from "../names";
import { ServiceObject } from "./types";

/** Set by the StatefulSet controller on every pod it creates. */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

export function buildHeadlessService(args: ResolvedArgs, names: ClusterNames): ServiceObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: names.headlessService, namespace: args.namespace, labels: names.labels },
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: names.selectorLabels,
      ports: [
        { name: "mysql", port: PORTS.mysql, targetPort: "mysql" },
        { name: "backup", port: PORTS.backup, targetPort: "backup" },
      ],
    },
  };
}

/** Scrape target of the exporter sidecars (and of the ServiceMonitor). */
export function buildMetricsService(args: ResolvedArgs, names: ClusterNames): ServiceObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: names.metricsService,
      namespace: args.namespace,
      labels: { ...names.labels, "app.kubernetes.io/component": "metrics" },
    },
    spec: {
      type: "ClusterIP",
      // A lagging (not ready) replica is the one whose metrics matter most.
      publishNotReadyAddresses: true,
      selector: names.selectorLabels,
      ports: [{ name: "metrics", port: PORTS.metrics, targetPort: "metrics" }],
    },
  };
}

/** The Prometheus Operator's ServiceMonitor for the metrics Service. */
export function buildServiceMonitor(args: ResolvedArgs, names: ClusterNames) {
  return {
    apiVersion: "monitoring.coreos.com/v1" as const,
    kind: "ServiceMonitor" as const,
    // serviceMonitorLabels: what a Prometheus's serviceMonitorSelector picks (kube-prometheus-stack: release=<name>).
    metadata: {
      name: names.metricsService,
      namespace: args.namespace,
      labels: { ...args.serviceMonitorLabels, ...names.labels },
    },
    spec: {
      selector: { matchLabels: { ...names.selectorLabels, "app.kubernetes.io/component": "metrics" } },
      endpoints: [{ port: "metrics", interval: "30s" }],
    },
  };
}

/** A database endpoint: the mysql port of the ready pods `selector` picks. */
function endpointService(
  args: ResolvedArgs,
  names: ClusterNames,
  name: string,
  selector: Record<string, string>,
): ServiceObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: args.namespace, labels: names.labels },
    spec: { type: "ClusterIP", selector, ports: [{ name: "mysql", port: PORTS.mysql, targetPort: "mysql" }] },
  };
}

/**
 * The write endpoint: the pod whose failover agent holds the Lease and labelled itself
 * primary, and only while it takes writes (its readiness). A new primary takes the
 * label off the old one through the API before it opens (failover-agent.sh), so the
 * selector never needs `pulumi up` to follow a switchover or a failover.
 */
export function buildWriteService(args: ResolvedArgs, names: ClusterNames): ServiceObject {
  return endpointService(args, names, names.writeService, {
    ...names.selectorLabels,
    [FAILOVER_MARKS.roleLabel]: "primary",
  });
}

export function buildReadService(args: ResolvedArgs, names: ClusterNames): ServiceObject {
  return endpointService(args, names, names.readService, names.selectorLabels);
}
