// The StatefulSet: pod identity (ordinal -> role, server id, DNS name), the data
// volume per pod, and the pod's steps: init-config, clone-data, init-data, then
// the server and the sidecar side by side. Each step is a script from the
// ConfigMap started by an explicit command, so the spec says everything that runs.

import { ResolvedArgs } from "../args";
import { FLAVOR_SPECS } from "../flavors";
import { ClusterNames, PORTS, SECRET_KEYS } from "../names";
import { ContainerObject, EnvVarObject, StatefulSetObject } from "./types";

/** The image's mysql user; both official server images run as uid/gid 999. */
export const RUN_AS_USER = 999;

/** Where each volume is mounted; the scripts' lib.sh uses the same paths. */
export const MOUNTS = {
  data: "/var/lib/mysql",
  scripts: "/scripts",
  conf: "/etc/mysql-cluster",
  run: "/run/mysqld",
  tmp: "/tmp",
} as const;

type PasswordVar = "ROOT_PASSWORD" | "REPLICATION_PASSWORD" | "BACKUP_PASSWORD" | "MONITOR_PASSWORD" | "APP_PASSWORD";
const PASSWORD_KEYS: Record<PasswordVar, string> = {
  ROOT_PASSWORD: SECRET_KEYS.root,
  REPLICATION_PASSWORD: SECRET_KEYS.replication,
  BACKUP_PASSWORD: SECRET_KEYS.backup,
  MONITOR_PASSWORD: SECRET_KEYS.monitor,
  APP_PASSWORD: SECRET_KEYS.app,
};

function commonEnv(args: ResolvedArgs, names: ClusterNames): EnvVarObject[] {
  const flavor = FLAVOR_SPECS[args.flavor];
  const env: EnvVarObject[] = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    { name: "FLAVOR", value: args.flavor },
    { name: "STS_NAME", value: names.statefulSet },
    { name: "HEADLESS_SERVICE", value: names.headlessService },
    { name: "CLUSTER_DOMAIN", value: args.clusterDomain },
    { name: "SECRET_NAME", value: names.secret },
    { name: "DB_SERVER", value: flavor.serverCommand },
    { name: "DB_CLIENT", value: flavor.clientCommand },
    { name: "BACKUP_TOOL", value: flavor.backupCommand },
    { name: "STREAM_TOOL", value: flavor.streamCommand },
    { name: "MAX_READ_LAG_SECONDS", value: String(args.maxReadLagSeconds) },
    { name: "BACKUP_PARALLELISM", value: String(args.backupParallelism) },
  ];
  if (args.appDatabase) env.push({ name: "APP_DATABASE", value: args.appDatabase });
  if (args.appUser) env.push({ name: "APP_USER", value: args.appUser });
  return env;
}

function passwordEnv(args: ResolvedArgs, names: ClusterNames, vars: PasswordVar[]): EnvVarObject[] {
  return vars
    .filter((v) => v !== "APP_PASSWORD" || args.appUser)
    .map((v) => ({ name: v, valueFrom: { secretKeyRef: { name: names.secret, key: PASSWORD_KEYS[v] } } }));
}

const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

function mounts(...which: (keyof typeof MOUNTS)[]) {
  return which.map((name) => ({ name, mountPath: MOUNTS[name], readOnly: name === "scripts" }));
}

function script(name: string): string[] {
  return ["bash", `${MOUNTS.scripts}/${name}`];
}

function probe(mode: string, periodSeconds: number, failureThreshold: number) {
  return { exec: { command: script("probe.sh").concat(mode) }, periodSeconds, timeoutSeconds: 5, failureThreshold };
}

export function buildStatefulSet(args: ResolvedArgs, names: ClusterNames, configMapName: string): StatefulSetObject {
  const env = commonEnv(args, names);
  const serverResources = {
    requests: { cpu: args.cpuRequest, memory: args.memoryRequest },
    limits: { memory: args.memoryLimit, ...(args.cpuLimit ? { cpu: args.cpuLimit } : {}) },
  };

  const initContainers: ContainerObject[] = [
    {
      name: "init-config",
      image: args.image,
      command: script("init-config.sh"),
      env,
      volumeMounts: mounts("scripts", "conf"),
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
      securityContext: containerSecurity,
    },
    {
      name: "clone-data",
      image: args.backupImage,
      command: script("clone-data.sh"),
      env: [...env, ...passwordEnv(args, names, ["MONITOR_PASSWORD"])],
      volumeMounts: mounts("data", "scripts", "conf", "run", "tmp"),
      resources: serverResources,
      securityContext: containerSecurity,
    },
    {
      name: "init-data",
      image: args.image,
      command: script("init-data.sh"),
      env: [...env, ...passwordEnv(args, names, ["ROOT_PASSWORD", "REPLICATION_PASSWORD", "BACKUP_PASSWORD", "MONITOR_PASSWORD", "APP_PASSWORD"])],
      volumeMounts: mounts("data", "scripts", "conf", "run", "tmp"),
      resources: serverResources,
      securityContext: containerSecurity,
    },
  ];

  const containers: ContainerObject[] = [
    {
      name: "mysql",
      image: args.image,
      command: script("run-server.sh"),
      env: [...env, ...passwordEnv(args, names, ["MONITOR_PASSWORD"])],
      ports: [{ name: "mysql", containerPort: PORTS.mysql }],
      volumeMounts: mounts("data", "scripts", "conf", "run", "tmp"),
      resources: serverResources,
      securityContext: containerSecurity,
      // Crash recovery of a large server can take long: allow up to an hour to start.
      startupProbe: probe("startup", 5, 720),
      livenessProbe: probe("liveness", 10, 6),
      readinessProbe: probe("readiness", 2, 2),
    },
    {
      name: "sidecar",
      image: args.backupImage,
      command: script("sidecar.sh"),
      env: [...env, ...passwordEnv(args, names, ["ROOT_PASSWORD", "REPLICATION_PASSWORD", "BACKUP_PASSWORD", "MONITOR_PASSWORD", "APP_PASSWORD"])],
      ports: [{ name: "backup", containerPort: PORTS.backup }],
      volumeMounts: mounts("data", "scripts", "conf", "run", "tmp"),
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
      securityContext: containerSecurity,
    },
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
          terminationGracePeriodSeconds: 120,
          securityContext: {
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            runAsNonRoot: true,
            fsGroup: RUN_AS_USER,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: names.selectorLabels } } },
              ],
            },
          },
          initContainers,
          containers,
          volumes: [
            { name: "scripts", configMap: { name: configMapName, defaultMode: 0o444 } },
            { name: "conf", emptyDir: {} },
            { name: "run", emptyDir: { medium: "Memory" } },
            { name: "tmp", emptyDir: {} },
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
