// Every Kubernetes object of a cluster, from resolved args, with no Pulumi
// engine involved. MySqlCluster registers exactly these objects; `npm run
// render` prints them and the local pod runner runs them.

import { ResolvedArgs } from "./args";
import { buildBackupClaim, buildBackupCronJob } from "./builders/backup";
import { buildConfigMap, buildTopologyConfigMap } from "./builders/config-map";
import { buildCredentialsSecret } from "./builders/credentials-secret";
import { buildDataClaims } from "./builders/data-claims";
import { buildNetworkPolicy } from "./builders/network-policy";
import { buildDisruptionBudget } from "./builders/disruption-budget";
import {
  buildHeadlessService,
  buildMetricsService,
  buildReadService,
  buildServiceMonitor,
  buildWriteService,
} from "./builders/services";
import { buildStatefulSet } from "./builders/statefulset";
import { buildTlsSecret, TlsMaterial } from "./builders/tls-secret";
import { clusterNames } from "./names";

/** Shown in place of generated passwords wherever real values are not wanted. */
export const PASSWORD_PLACEHOLDER = "<generated at deploy time>";
/** Shown in place of generated certificates and keys. */
export const TLS_PLACEHOLDER = "<generated at deploy time>";

/**
 * The cluster's objects in apply order. `passwords` fills the generated
 * credentials Secret and `tls` the generated TLS Secret (placeholders by
 * default); with existingSecret / tlsSecret that Secret is not rendered.
 */
export function renderManifests<V = string>(
  args: ResolvedArgs,
  passwords: (key: string) => V = () => PASSWORD_PLACEHOLDER as unknown as V,
  tls: TlsMaterial<V> = {
    cert: TLS_PLACEHOLDER,
    key: TLS_PLACEHOLDER,
    ca: TLS_PLACEHOLDER,
  } as unknown as TlsMaterial<V>,
) {
  const names = clusterNames(args);
  const configMap = buildConfigMap(args, names);
  return {
    secret: args.existingSecret ? undefined : buildCredentialsSecret(args, names, passwords),
    tlsSecret: args.tlsSecret ? undefined : buildTlsSecret(args, names, tls),
    configMap,
    topologyConfigMap: buildTopologyConfigMap(args, names),
    headlessService: buildHeadlessService(args, names),
    writeService: buildWriteService(args, names),
    readService: buildReadService(args, names),
    metricsService: args.metrics ? buildMetricsService(args, names) : undefined,
    serviceMonitor: args.serviceMonitor ? buildServiceMonitor(args, names) : undefined,
    networkPolicy: args.networkPolicy ? buildNetworkPolicy(args, names) : undefined,
    disruptionBudget: buildDisruptionBudget(args, names),
    /** data-<sts>-N at the current size, for N < replicas: created or grown before the StatefulSet creates pod N. */
    dataClaims: buildDataClaims(args, names),
    statefulSet: buildStatefulSet(args, names, configMap.metadata.name),
    backupClaim: args.backupSchedule ? buildBackupClaim(args, names) : undefined,
    backupCronJob: args.backupSchedule ? buildBackupCronJob(args, names, configMap.metadata.name) : undefined,
  };
}

/** The same objects as a list, for printing and for the pod runner. */
export function renderObjects(
  args: ResolvedArgs,
  passwords?: (key: string) => string,
  tls?: TlsMaterial<string>,
): object[] {
  const m = renderManifests<string>(args, passwords, tls);
  return [
    m.secret,
    m.tlsSecret,
    m.configMap,
    m.topologyConfigMap,
    m.headlessService,
    m.writeService,
    m.readService,
    m.metricsService,
    m.serviceMonitor,
    m.networkPolicy,
    m.disruptionBudget,
    ...m.dataClaims,
    m.statefulSet,
    m.backupClaim,
    m.backupCronJob,
  ].filter((o): o is NonNullable<typeof o> => o !== undefined);
}
