// What every pod of the cluster shares, the StatefulSet's and the backup
// CronJob's: where each volume is mounted (the scripts' lib.sh uses the same
// paths), the volumes the scripts read, the environment they expect, and the
// security contexts that meet the restricted Pod Security Standard.

import { ResolvedArgs } from "../args";
import { FLAVOR_SPECS } from "../flavors";
import { MOUNTS, SECRET_KEYS } from "../contract";
import { ClusterNames } from "../names";
import { EnvVarObject } from "./types";

/** The image's mysql user; both official server images run as uid/gid 999. */
const RUN_AS_USER = 999;

/** The Secret keys clone-data reads: monitor (to pick a source) and backup (the stream token). */
export const CLONE_SECRET_KEYS: string[] = [SECRET_KEYS.monitor, SECRET_KEYS.backup];

/** The Secret keys the backup Job reads: the same as clone-data's. */
export const BACKUP_JOB_SECRET_KEYS = CLONE_SECRET_KEYS;

/** A Secret volume with only `keys` of the credentials Secret, for a step that needs no other password. */
export function secretsVolume(volumeName: string, names: ClusterNames, keys: string[]) {
  return {
    name: volumeName,
    secret: { secretName: names.credentialsSecret, defaultMode: 0o440, items: keys.map((key) => ({ key, path: key })) },
  };
}

/** Where each volume is mounted: the contract with the scripts (contract.sh). */
export { MOUNTS };

export function commonEnv(args: ResolvedArgs, names: ClusterNames): EnvVarObject[] {
  const flavor = FLAVOR_SPECS[args.flavor];
  const env: EnvVarObject[] = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    { name: "FLAVOR", value: args.flavor },
    { name: "STS_NAME", value: names.statefulSet },
    { name: "HEADLESS_SERVICE", value: names.headlessService },
    { name: "CLUSTER_DOMAIN", value: args.clusterDomain },
    { name: "SECRET_NAME", value: names.credentialsSecret },
    { name: "DB_SERVER", value: flavor.serverCommand },
    { name: "DB_CLIENT", value: flavor.clientCommand },
    { name: "DB_ADMIN", value: flavor.adminCommand },
    { name: "BACKUP_TOOL", value: flavor.backupCommand },
    { name: "STREAM_TOOL", value: flavor.streamCommand },
    { name: "MAX_READ_LAG_SECONDS", value: String(args.maxReadLagSeconds) },
    { name: "BACKUP_PARALLELISM", value: String(args.backupParallelism) },
    { name: "METRICS", value: String(args.metrics) },
  ];
  if (args.appDatabase) env.push({ name: "APP_DATABASE", value: args.appDatabase });
  if (args.appUser) env.push({ name: "APP_USER", value: args.appUser });
  return env;
}

export const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

const READ_ONLY_VOLUMES = new Set(["scripts", "secrets", "tls", "topology", "restore", "api-credentials"]);

export function mounts(...which: (keyof typeof MOUNTS)[]) {
  return which.map((name) => ({ name, mountPath: MOUNTS[name], readOnly: READ_ONLY_VOLUMES.has(name) }));
}

/** The pod security context of every pod: the images' mysql user, the restricted Pod Security Standard. */
export const podSecurity = {
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  runAsNonRoot: true,
  fsGroup: RUN_AS_USER,
  fsGroupChangePolicy: "OnRootMismatch",
  seccompProfile: { type: "RuntimeDefault" },
};

/** The volumes the scripts read their files from: the scripts ConfigMap, the topology, the Secrets. */
export function scriptVolumes(names: ClusterNames, configMapName: string) {
  return [
    { name: "scripts", configMap: { name: configMapName, defaultMode: 0o444 } },
    // Files, not env: a rotated password reaches running pods without a restart.
    { name: "secrets", secret: { secretName: names.credentialsSecret, defaultMode: 0o440 } },
    { name: "tls", secret: { secretName: names.tlsSecret, defaultMode: 0o440 } },
    // Which ordinal is the primary: read on every sidecar loop, so a switchover needs no restart.
    { name: "topology", configMap: { name: names.topologyConfigMap, defaultMode: 0o444 } },
  ];
}

export function script(name: string): string[] {
  return ["bash", `${MOUNTS.scripts}/${name}`];
}
