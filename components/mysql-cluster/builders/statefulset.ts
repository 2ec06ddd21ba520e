// The StatefulSet: pod identity (ordinal -> server id, DNS name), the data
// volume per pod, and the pod's steps: init-config, clone-data, init-data, then
// the server and the sidecar side by side. Each step is a script from the
// ConfigMap started by an explicit command, so the spec says everything that runs.

import { ResolvedArgs } from "../args";
import { EXPORTER_LOCAL_PORT, PATHS } from "../contract";
import { ClusterNames, PORTS } from "../names";
import {
  CLONE_SECRET_KEYS,
  commonEnv,
  containerSecurity,
  MOUNTS,
  mounts,
  podSecurity,
  script,
  scriptVolumes,
  secretsVolume,
} from "./pod-parts";
import { failoverEnv, serviceAccountVolume } from "./failover";
import { archiveEnv, archivesBinlogs, STORE_MOUNTS, storeEnv, storeVolumes, toolsInitContainer } from "./store";
import { ContainerObject, StatefulSetObject } from "./types";

/** Where the exporter listens: the pod's loopback; the sidecar serves the metrics port (serve-metrics.sh). */
export const EXPORTER_LOCAL_ADDRESS = `127.0.0.1:${EXPORTER_LOCAL_PORT}`;

function probe(mode: string, periodSeconds: number, failureThreshold: number) {
  return { exec: { command: script("probe.sh").concat(mode) }, periodSeconds, timeoutSeconds: 5, failureThreshold };
}

/** Pods prefer (or, with hardSpread, require) distinct nodes and, when asked, distinct zones. */
function placement(args: ResolvedArgs, names: ClusterNames) {
  const sameCluster = { labelSelector: { matchLabels: names.selectorLabels } };
  const hostTerm = { topologyKey: "kubernetes.io/hostname", ...sameCluster };
  return {
    affinity: {
      podAntiAffinity: args.hardSpread
        ? { requiredDuringSchedulingIgnoredDuringExecution: [hostTerm] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: hostTerm }] },
    },
    ...(args.spreadAcrossZones
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: args.hardSpread ? "DoNotSchedule" : "ScheduleAnyway",
              ...sameCluster,
            },
          ],
        }
      : {}),
    ...(args.priorityClassName ? { priorityClassName: args.priorityClassName } : {}),
    ...(args.tolerations ? { tolerations: args.tolerations } : {}),
  };
}

/** The Prometheus exporter: reads the option file init-data and the sidecar keep in /run/mysqld. */
function exporterContainer(args: ResolvedArgs): ContainerObject {
  return {
    name: "exporter",
    image: args.exporterImage,
    // On the loopback only: its /probe and /metrics?target= would connect anywhere with its login
    // (mysqld_exporter >= 0.15); the sidecar's metrics port passes on plain GET /metrics only.
    command: [
      "mysqld_exporter",
      `--config.my-cnf=${PATHS.exporterLogin}`,
      `--web.listen-address=${EXPORTER_LOCAL_ADDRESS}`,
    ],
    // The socket (run) and its own login, read-only; nothing of root's.
    volumeMounts: [...mounts("run"), { name: "exporter-login", mountPath: MOUNTS["exporter-login"], readOnly: true }],
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
    securityContext: containerSecurity,
  };
}

export function buildStatefulSet(args: ResolvedArgs, names: ClusterNames, configMapName: string): StatefulSetObject {
  const env = commonEnv(args, names);
  const serverResources = {
    requests: { cpu: args.cpuRequest, memory: args.memoryRequest },
    limits: { memory: args.memoryLimit, ...(args.cpuLimit ? { cpu: args.cpuLimit } : {}) },
  };

  // The exporter's login is written by init-data and the sidecar, read by the exporter.
  const exporterLogin = args.metrics ? ["exporter-login" as const] : [];
  // What init-data and the sidecar both mount: they are the two steps that keep the server's
  // state (data directory, root's login, users, passwords), so they see the same files.
  const stateMounts = [
    "data",
    "scripts",
    "conf",
    "run",
    "private",
    ...exporterLogin,
    "tmp",
    "secrets",
    "tls",
    "topology",
  ] as const;

  const fromStore = args.restoreFromStore !== undefined;
  // Binary log archiving: the sidecar starts the archiver (archive-binlogs.sh), which uploads from this container.
  const archiving = archivesBinlogs(args);
  // rclone and its CA bundle, copied once per pod start, for fetch-backup and the archiver alike.
  const needsTools = fromStore || archiving;
  const initContainers: ContainerObject[] = [
    {
      name: "init-config",
      image: args.image,
      command: script("init-config.sh"),
      env,
      volumeMounts: mounts("scripts", "conf", "topology"),
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
      securityContext: containerSecurity,
    },
    {
      name: "clone-data",
      image: args.backupImage,
      command: script("clone-data.sh"),
      env,
      // Only the Secret keys it uses (CLONE_SECRET_KEYS), from a volume of its own.
      volumeMounts: [
        ...mounts("data", "scripts", "conf", "run", "tmp", "tls", "topology"),
        { name: "clone-secrets", mountPath: MOUNTS.secrets, readOnly: true },
      ],
      resources: serverResources,
      securityContext: containerSecurity,
    },
    // restoreFromStore: rclone and its CA bundle, then the download, in the backup image, whose
    // tar is confirmed in both flavors (the mysql server image's is not); init-data restores
    // from the download as from a claim. Only fetch-backup holds the store's credentials.
    ...(needsTools ? [toolsInitContainer(args)] : []),
    ...(fromStore
      ? [
          {
            name: "fetch-backup",
            image: args.backupImage,
            command: script("fetch-backup.sh"),
            env: [
              ...env,
              { name: "RESTORE_BACKUP", value: args.restoreBackup },
              ...storeEnv(args, { name: "RESTORE_FROM_STORE", value: args.restoreFromStore! }),
            ],
            volumeMounts: [...mounts("data", "scripts", "tmp", "topology"), ...STORE_MOUNTS],
            resources: serverResources,
            securityContext: containerSecurity,
          },
        ]
      : []),
    {
      name: "init-data",
      image: args.image,
      command: script("init-data.sh"),
      env: [
        ...env,
        ...(args.restoreFromClaim || fromStore ? [{ name: "RESTORE_BACKUP", value: args.restoreBackup }] : []),
        ...(fromStore ? [{ name: "RESTORE_FROM_STORE", value: args.restoreFromStore! }] : []),
      ],
      volumeMounts: mounts(...stateMounts, ...(args.restoreFromClaim ? ["restore" as const] : [])),
      resources: serverResources,
      securityContext: containerSecurity,
    },
  ];

  const containers: ContainerObject[] = [
    {
      name: "mysql",
      image: args.image,
      command: script("run-server.sh"),
      env,
      ports: [{ name: "mysql", containerPort: PORTS.mysql }],
      // No password reaches the server container: its probes need none.
      volumeMounts: mounts("data", "scripts", "conf", "run", "tmp", "tls"),
      resources: serverResources,
      securityContext: containerSecurity,
      // Crash recovery of a large server can take long: allow up to an hour to start. Polled
      // every second: readiness is only probed after this succeeds, and a 5 s period cost each
      // new replica about 3 s of bootstrap (BENCHMARKS.md, startup-probe experiment).
      startupProbe: probe("startup", 1, 3600),
      livenessProbe: probe("liveness", 10, 6),
      // The probe only reads the sidecar's verdict file: cheap enough every second.
      readinessProbe: probe("readiness", 1, 4),
    },
    {
      name: "sidecar",
      image: args.backupImage,
      command: script("sidecar.sh"),
      env: [...env, ...failoverEnv(args, names), ...(archiving ? archiveEnv(args) : [])],
      // The metrics port is the sidecar's: it passes plain GET /metrics on to the exporter (serve-metrics.sh).
      ports: [
        { name: "backup", containerPort: PORTS.backup },
        ...(args.metrics ? [{ name: "metrics", containerPort: PORTS.metrics }] : []),
      ],
      volumeMounts: [
        ...mounts(
          ...stateMounts,
          // The API token: the failover agent's, in this container only.
          "api-credentials",
        ),
        // rclone and the store's Secret, for the archiver only (it uploads from this container).
        ...(archiving ? STORE_MOUNTS : []),
      ],
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
      securityContext: containerSecurity,
    },
    ...(args.metrics ? [exporterContainer(args)] : []),
  ];

  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: names.statefulSet, namespace: args.namespace, labels: names.labels },
    spec: {
      serviceName: names.headlessService,
      replicas: args.replicas,
      podManagementPolicy: "OrderedReady",
      // Highest ordinal first: replicas roll before the primary.
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      selector: { matchLabels: names.selectorLabels },
      template: {
        metadata: { labels: names.labels },
        spec: {
          // SIGTERM is a clean shutdown: the primary flushes, a replica stops its threads at a
          // transaction boundary. Give a large buffer pool time to do it before SIGKILL.
          terminationGracePeriodSeconds: 120,
          // Only the sidecar talks to the Kubernetes API (the failover agent): its token is a
          // projected volume mounted there alone, none is mounted into the other containers.
          serviceAccountName: names.serviceAccount,
          automountServiceAccountToken: false,
          securityContext: podSecurity,
          ...placement(args, names),
          initContainers,
          containers,
          volumes: [
            ...scriptVolumes(names, configMapName),
            // optional: a key missing from the Secret must not stop the pod from starting (a projected
            // key that is missing is a mount error otherwise), so the scripts can name it in the log.
            {
              ...secretsVolume("clone-secrets", names, CLONE_SECRET_KEYS),
              secret: { ...secretsVolume("clone-secrets", names, CLONE_SECRET_KEYS).secret, optional: true },
            },
            { name: "conf", emptyDir: {} },
            { name: "run", emptyDir: { medium: "Memory" } },
            // Memory-backed, so no password ever reaches a disk; each mounted only where it is used.
            { name: "private", emptyDir: { medium: "Memory" } },
            ...(args.metrics ? [{ name: "exporter-login", emptyDir: { medium: "Memory" } }] : []),
            { name: "tmp", emptyDir: {} },
            serviceAccountVolume(),
            // The backups a new cluster starts from; only init-data on the primary's first start reads it.
            ...(args.restoreFromClaim
              ? [{ name: "restore", persistentVolumeClaim: { claimName: args.restoreFromClaim, readOnly: true } }]
              : []),
            // rclone and the store's Secret: for fetch-backup (restoreFromStore) and the sidecar's archiver.
            ...(needsTools ? storeVolumes(args) : []),
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: names.dataClaim, labels: names.selectorLabels },
          spec: {
            accessModes: [args.storageAccessMode],
            ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
            resources: { requests: { storage: args.storageSize } },
          },
        },
      ],
    },
  };
}
