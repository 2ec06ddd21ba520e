// The objects of automatic failover: the Lease that says which pod is the
// primary (the pods' failover agents write it; the component only creates it
// and records the primary the stack asks for), and the least privilege the
// agents need to use it: a ServiceAccount whose token only the sidecar
// mounts, and a Role limited by resourceNames to the one Lease, the
// StatefulSet and the cluster's own pods, plus creating Events (which RBAC
// cannot limit by name: the name of an object being created is not known to
// the authorizer, https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources).

import { ResolvedArgs } from "../args";
import { FAILOVER_MARKS, FILES } from "../contract";
import { ClusterNames } from "../names";

/** A bound token of one hour: the kubelet renews it at 80% of its life and the agent reads it at each call. */
export const TOKEN_EXPIRATION_SECONDS = 3600;

export function podName(names: ClusterNames, ordinal: number): string {
  return `${names.statefulSet}-${ordinal}`;
}

export function buildLease(args: ResolvedArgs, names: ClusterNames) {
  return {
    apiVersion: "coordination.k8s.io/v1" as const,
    kind: "Lease" as const,
    metadata: {
      name: names.lease,
      namespace: args.namespace,
      labels: names.labels,
      // A change of primaryOrdinal is a request the holder acts on once; the
      // agents record it as done in their own annotation. So a `pulumi up`
      // after a failover does not move the primary back.
      annotations: { [FAILOVER_MARKS.switchoverRequest]: podName(names, args.primaryOrdinal) },
    },
    // Informational for other readers (kubectl); the agents time the lease by
    // their own setting, from the same value.
    spec: { leaseDurationSeconds: args.failoverLeaseSeconds },
  };
}

export function buildServiceAccount(args: ResolvedArgs, names: ClusterNames) {
  return {
    apiVersion: "v1" as const,
    kind: "ServiceAccount" as const,
    metadata: { name: names.serviceAccount, namespace: args.namespace, labels: names.labels },
    // Only the sidecar mounts a token (a projected volume, statefulset.ts).
    automountServiceAccountToken: false,
  };
}

export function buildRole(args: ResolvedArgs, names: ClusterNames) {
  const pods = Array.from({ length: args.replicas }, (_, ordinal) => podName(names, ordinal));
  return {
    apiVersion: "rbac.authorization.k8s.io/v1" as const,
    kind: "Role" as const,
    metadata: { name: names.serviceAccount, namespace: args.namespace, labels: names.labels },
    rules: [
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: [names.lease],
        verbs: ["get", "patch"],
      },
      { apiGroups: ["apps"], resources: ["statefulsets"], resourceNames: [names.statefulSet], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods"], resourceNames: pods, verbs: ["patch"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
    ],
  };
}

export function buildRoleBinding(args: ResolvedArgs, names: ClusterNames) {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1" as const,
    kind: "RoleBinding" as const,
    metadata: { name: names.serviceAccount, namespace: args.namespace, labels: names.labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.serviceAccount },
    subjects: [{ kind: "ServiceAccount", name: names.serviceAccount, namespace: args.namespace }],
  };
}

/**
 * The ConfigMap in which Kubernetes publishes the cluster's root CA into every
 * namespace (kube-controller-manager's root-ca-cert-publisher), and its key.
 * https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#root-ca-certificate-configmap
 */
export const ROOT_CA_CONFIGMAP = { name: "kube-root-ca.crt", key: "ca.crt" } as const;

/**
 * The sidecar's API credentials, as the kubelet's own service-account
 * admission builds them (a projected volume of a bound token, the cluster's
 * CA from the kube-root-ca.crt ConfigMap every namespace has, and the
 * namespace), but mounted into the sidecar only.
 * https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#bound-service-account-token-volume
 */
export function serviceAccountVolume() {
  return {
    name: "api-credentials",
    projected: {
      defaultMode: 0o440,
      sources: [
        { serviceAccountToken: { path: FILES.apiToken, expirationSeconds: TOKEN_EXPIRATION_SECONDS } },
        { configMap: { name: ROOT_CA_CONFIGMAP.name, items: [{ key: ROOT_CA_CONFIGMAP.key, path: FILES.apiCa }] } },
        { downwardAPI: { items: [{ path: FILES.apiNamespace, fieldRef: { fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}

/** What the failover agent reads from its environment (failover-agent.sh). */
export function failoverEnv(args: ResolvedArgs, names: ClusterNames) {
  return [
    { name: "LEASE_NAME", value: names.lease },
    { name: "LEASE_SECONDS", value: String(args.failoverLeaseSeconds) },
    { name: "FAILOVER", value: String(args.failover) },
  ];
}
