// A tiny dynamic resource whose only job is to compare the settings a running
// cluster cannot change with the ones being deployed, and fail with a message
// saying what to do. The provider's diff sees the old settings from state,
// which nothing else in the program can. Its diff runs in `pulumi preview` and
// again in `pulumi up` (with --skip-preview too): MySqlCluster makes every
// Kubernetes object dependsOn the guard, so the SDK registers none of them
// until the guard's step succeeded, and a refused change changes nothing.

import * as pulumi from "@pulumi/pulumi";
import { creationProblems, GuardedSettings, settingChangeProblems } from "./guarded-settings";

/** The settings the guard compares; every other input (such as `__provider`) is ignored. */
// A record, so a setting added to GuardedSettings but not here fails to compile.
const GUARDED: Record<keyof GuardedSettings, true> = {
  flavor: true,
  storageClass: true,
  storageAccessMode: true,
  storageSize: true,
  existingSecret: true,
  tlsSecret: true,
  namespace: true,
  primaryOrdinal: true,
  replicas: true,
};
const GUARDED_KEYS = Object.keys(GUARDED) as (keyof GuardedSettings)[];

export const guardProvider: pulumi.dynamic.ResourceProvider = {
  // olds is empty when the guard (and so the cluster) is being created.
  async check(olds: Partial<GuardedSettings>, news: GuardedSettings) {
    const problems = Object.keys(olds ?? {}).length === 0 ? creationProblems(news) : [];
    if (problems.length > 0) throw new Error(problems.join("\n"));
    return { inputs: news };
  },
  async diff(_id: string, olds: Partial<GuardedSettings>, news: GuardedSettings) {
    const problems = settingChangeProblems(olds, news);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    // Only the settings: the inputs also carry `__provider`, this provider's serialized code,
    // which changes with any edit of the program's code and is no change of the cluster.
    return { changes: GUARDED_KEYS.some((key) => olds[key] !== news[key]) };
  },
  async create(inputs: GuardedSettings) {
    // The ID existing stacks hold (from when GuardedSettings was called ImmutableSettings); any fixed ID would do.
    return { id: "immutable-settings", outs: inputs };
  },
  async update(_id: string, _olds: GuardedSettings, news: GuardedSettings) {
    return { outs: news };
  },
};

export class SettingsGuard extends pulumi.dynamic.Resource {
  constructor(name: string, settings: GuardedSettings, opts?: pulumi.CustomResourceOptions) {
    super(guardProvider, name, settings, opts);
  }
}
