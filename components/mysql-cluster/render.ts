// Every Kubernetes object of a cluster, from resolved args, with no Pulumi
// engine involved. MySqlCluster registers exactly these objects; `npm run
// render` prints them and the local pod runner runs them.

import { ResolvedArgs } from "./args";
import { buildConfigMap } from "./builders/config-map";
import { buildCredentialsSecret } from "./builders/credentials-secret";
import { buildHeadlessService, buildReadService } from "./builders/services";
import { buildStatefulSet } from "./builders/statefulset";
import { clusterNames } from "./names";

/** Shown in place of generated passwords wherever real values are not wanted. */
export const PASSWORD_PLACEHOLDER = "<generated at deploy time>";

/**
 * The cluster's objects in apply order. `passwords` fills the generated Secret
 * (placeholders by default); with an existingSecret no Secret is rendered.
 */
export function renderManifests<V = string>(
  args: ResolvedArgs,
  passwords: (key: string) => V = () => PASSWORD_PLACEHOLDER as unknown as V,
) {
  const names = clusterNames(args);
  const configMap = buildConfigMap(args, names);
  return {
    secret: args.existingSecret ? undefined : buildCredentialsSecret(args, names, passwords),
    configMap,
    headlessService: buildHeadlessService(args, names),
    readService: buildReadService(args, names),
    statefulSet: buildStatefulSet(args, names, configMap.metadata.name),
  };
}

/** The same objects as a list, for printing and for the pod runner. */
export function renderObjects(args: ResolvedArgs, passwords?: (key: string) => string): object[] {
  const m = renderManifests<string>(args, passwords);
  return [m.secret, m.configMap, m.headlessService, m.readService, m.statefulSet].filter((o): o is NonNullable<typeof o> => o !== undefined);
}
