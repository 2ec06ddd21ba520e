// Scheduled backups: a PVC that keeps them, and a CronJob whose pod streams a
// hot backup from a caught-up replica (take-backup.sh), prepares it and keeps
// the newest backupRetention; with backupTarget store or both it also uploads
// it, encrypted, to the object store (builders/store.ts: the tools init
// container, the store's Secret mounted into the backup container only). The pod runs the backup image with the scripts,
// the cluster's certificate (the stream is mutual TLS), the monitor password
// (to pick a replica) and the backup password (the stream token proving
// membership, see lib.sh stream_token); it holds no other password.

import { ResolvedArgs } from "../args";
import { ClusterNames } from "../names";
import {
  BACKUP_JOB_SECRET_KEYS,
  commonEnv,
  containerSecurity,
  mounts,
  podSecurity,
  script,
  scriptVolumes,
  secretsVolume,
} from "./pod-parts";
import {
  backupsToClaim,
  backupsToStore,
  STORE_MOUNTS,
  storeEnv,
  storePrefixOf,
  storeVolumes,
  toolsInitContainer,
} from "./store";

/**
 * A backup Job that runs longer than this is stopped (its pod killed) and
 * counts as failed: a stream stalls out after 120 s of silence (lib.sh
 * STREAM_IDLE_SECONDS), so this bounds only what hangs elsewhere. With
 * concurrencyPolicy Forbid a hung Job would skip every later scheduled backup.
 */
export const BACKUP_ACTIVE_DEADLINE_SECONDS = 6 * 3600;
/** Retries of a failed backup run within one Job (each starts over from a caught-up replica). */
export const BACKUP_BACKOFF_LIMIT = 2;

export function buildBackupClaim(args: ResolvedArgs, names: ClusterNames) {
  return {
    apiVersion: "v1" as const,
    kind: "PersistentVolumeClaim" as const,
    metadata: {
      name: names.backupClaim,
      namespace: args.namespace,
      labels: { ...names.backupPodLabels, "app.kubernetes.io/managed-by": "pulumi" },
      // With a WaitForFirstConsumer class the claim binds only when the first backup runs: do not wait for it.
      annotations: { "pulumi.com/skipAwait": "true" },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(args.backupStorageClass ? { storageClassName: args.backupStorageClass } : {}),
      resources: { requests: { storage: args.backupStorageSize } },
    },
  };
}

export function buildBackupCronJob(args: ResolvedArgs, names: ClusterNames, configMapName: string) {
  const env = [
    ...commonEnv(args, names),
    { name: "BACKUP_RETENTION", value: String(args.backupRetention) },
    // Which ordinals exist, to find a caught-up replica among them.
    { name: "CLUSTER_SIZE", value: String(args.replicas) },
    { name: "BACKUP_TARGET", value: args.backupTarget },
    ...(backupsToStore(args) ? storeEnv(args, { name: "STORE_PREFIX", value: storePrefixOf(args) }) : []),
  ];
  const toStore = backupsToStore(args);
  return {
    apiVersion: "batch/v1" as const,
    kind: "CronJob" as const,
    metadata: {
      name: names.backupCronJob,
      namespace: args.namespace,
      labels: { ...names.backupPodLabels, "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: {
      schedule: args.backupSchedule ?? "",
      timeZone: "Etc/UTC",
      // One backup at a time; a run that missed its slot by more than an hour waits for the next.
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: BACKUP_BACKOFF_LIMIT,
          activeDeadlineSeconds: BACKUP_ACTIVE_DEADLINE_SECONDS,
          template: {
            metadata: { labels: { ...names.backupPodLabels, "app.kubernetes.io/component": "backup" } },
            spec: {
              restartPolicy: "Never",
              // It never talks to the Kubernetes API: no service-account token.
              automountServiceAccountToken: false,
              securityContext: podSecurity,
              ...(args.priorityClassName ? { priorityClassName: args.priorityClassName } : {}),
              ...(args.tolerations ? { tolerations: args.tolerations } : {}),
              ...(toStore ? { initContainers: [toolsInitContainer(args)] } : {}),
              containers: [
                {
                  name: "backup",
                  image: args.backupImage,
                  command: script("take-backup.sh"),
                  env,
                  volumeMounts: [
                    ...mounts("scripts", "run", "tmp", "secrets", "tls", "topology", "backups"),
                    ...(toStore ? STORE_MOUNTS : []),
                  ],
                  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                  securityContext: containerSecurity,
                },
              ],
              volumes: [
                ...scriptVolumes(names, configMapName).map((v) =>
                  // Of the credentials, only the monitor password (to pick a replica) and the backup password (stream token).
                  v.name === "secrets" ? secretsVolume("secrets", names, BACKUP_JOB_SECRET_KEYS) : v,
                ),
                { name: "run", emptyDir: { medium: "Memory" } },
                { name: "tmp", emptyDir: {} },
                // With backupTarget store, the backup is prepared in a scratch volume (the data's size on
                // the node's disk) and removed once uploaded; with claim or both it is kept on the PVC.
                backupsToClaim(args)
                  ? { name: "backups", persistentVolumeClaim: { claimName: names.backupClaim } }
                  : { name: "backups", emptyDir: {} },
                ...(toStore ? storeVolumes(args) : []),
              ],
            },
          },
        },
      },
    },
  };
}
