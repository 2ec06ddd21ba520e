// Every Kubernetes name and label is derived from the cluster name here, so two
// clusters can share a namespace and pod DNS names are known before deploy.

import { createHash } from "crypto";
import { ResolvedArgs } from "./args";

// The ports and Secret keys are part of the contract with the pod scripts (contract.ts).
import { PORTS } from "./contract";
export { PORTS, SECRET_KEYS, TLS_KEYS } from "./contract";

export interface ClusterNames {
  statefulSet: string;
  headlessService: string;
  readService: string;
  /** ClusterIP Service selecting only the primary pod: the stable write endpoint. */
  writeService: string;
  metricsService: string;
  /** The Secret holding every password: the generated one, or the existingSecret. */
  credentialsSecret: string;
  /** The Secret holding the CA and the pods' certificate: the generated one, or the tlsSecret. */
  tlsSecret: string;
  networkPolicy: string;
  /** ConfigMap naming the primary's ordinal; a fixed name, so a switchover rolls no pod. */
  topologyConfigMap: string;
  /** The scheduled backups' CronJob and the PVC they are kept in. */
  backupCronJob: string;
  backupClaim: string;
  /** Labels of the backup Job's pods: not the database pods' selector, so no Service or the PDB counts them. */
  backupPodLabels: Record<string, string>;
  /** Prefix of the ConfigMap's name; the content hash follows it. */
  configMapPrefix: string;
  /** Name of the data volumeClaimTemplate; PVCs are "<claim>-<sts>-<N>". */
  dataClaim: string;
  /** The Lease naming the primary (failover), written by the pods' agents. */
  lease: string;
  /** ServiceAccount, Role and RoleBinding of the failover agents. */
  serviceAccount: string;
  selectorLabels: Record<string, string>;
  labels: Record<string, string>;
}

/**
 * The backups claim: "<name>-backups", or "<name>-backups-<class>" with a backupStorageClass. A
 * claim's storageClassName is immutable and the claim is kept when backups are turned off or the
 * stack is destroyed, so a claim of another class must be another claim: a new class starts a new,
 * empty claim and the old one keeps its backups (issue 13, defect 5). Names are DNS subdomains
 * (253 characters); a class name too long for that is replaced by a hash of it.
 */
export function backupClaimName(name: string, backupStorageClass?: string): string {
  if (!backupStorageClass) return `${name}-backups`;
  const plain = `${name}-backups-${backupStorageClass}`;
  return plain.length <= 253
    ? plain
    : `${name}-backups-${createHash("sha256").update(backupStorageClass).digest("hex").slice(0, 10)}`;
}

export function clusterNames(
  args: Pick<ResolvedArgs, "name" | "existingSecret" | "tlsSecret"> & Partial<Pick<ResolvedArgs, "backupStorageClass">>,
): ClusterNames {
  const selectorLabels = {
    "app.kubernetes.io/name": "mysql-cluster",
    "app.kubernetes.io/instance": args.name,
  };
  return {
    statefulSet: args.name,
    headlessService: args.name,
    readService: `${args.name}-read`,
    writeService: `${args.name}-write`,
    metricsService: `${args.name}-metrics`,
    credentialsSecret: args.existingSecret ?? `${args.name}-credentials`,
    tlsSecret: args.tlsSecret ?? `${args.name}-tls`,
    networkPolicy: args.name,
    topologyConfigMap: `${args.name}-topology`,
    backupCronJob: `${args.name}-backup`,
    backupClaim: backupClaimName(args.name, args.backupStorageClass),
    backupPodLabels: { "app.kubernetes.io/name": "mysql-cluster-backup", "app.kubernetes.io/instance": args.name },
    configMapPrefix: `${args.name}-config`,
    dataClaim: "data",
    lease: `${args.name}-primary`,
    serviceAccount: `${args.name}-agent`,
    selectorLabels,
    labels: { ...selectorLabels, "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/component": "database" },
  };
}

/** Fully qualified DNS name of pod `ordinal`, stable across restarts. */
export function podFqdn(args: Pick<ResolvedArgs, "name" | "namespace" | "clusterDomain">, ordinal: number): string {
  return `${args.name}-${ordinal}.${args.name}.${args.namespace}.svc.${args.clusterDomain}`;
}

/** DNS names the server certificate must cover: every pod, the write and read Services, and localhost. */
export function certificateDnsNames(args: Pick<ResolvedArgs, "name" | "namespace" | "clusterDomain">): string[] {
  const names: string[] = [];
  for (const suffix of [
    "",
    `.${args.namespace}`,
    `.${args.namespace}.svc`,
    `.${args.namespace}.svc.${args.clusterDomain}`,
  ]) {
    names.push(`*.${args.name}${suffix}`, `${args.name}-write${suffix}`, `${args.name}-read${suffix}`);
  }
  return [...names, "localhost"];
}

export function endpoints(args: Pick<ResolvedArgs, "name" | "namespace" | "clusterDomain">) {
  return {
    write: `${args.name}-write.${args.namespace}.svc.${args.clusterDomain}`,
    read: `${args.name}-read.${args.namespace}.svc.${args.clusterDomain}`,
    port: PORTS.mysql,
  };
}
