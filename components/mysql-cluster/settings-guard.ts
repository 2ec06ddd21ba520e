// A tiny dynamic resource whose only job is to compare the settings a running
// cluster cannot change with the ones being deployed, during `pulumi preview`,
// and fail with a message saying what to do. The provider's diff sees the old
// settings from state, which nothing else in the program can.

import * as pulumi from "@pulumi/pulumi";
import { creationProblems, ImmutableSettings, immutableSettingProblems } from "./immutable-settings";

export const guardProvider: pulumi.dynamic.ResourceProvider = {
  // olds is empty when the guard (and so the cluster) is being created.
  async check(olds: Partial<ImmutableSettings>, news: ImmutableSettings) {
    const problems = Object.keys(olds ?? {}).length === 0 ? creationProblems(news) : [];
    if (problems.length > 0) throw new Error(problems.join("\n"));
    return { inputs: news };
  },
  async diff(_id: string, olds: Partial<ImmutableSettings>, news: ImmutableSettings) {
    const problems = immutableSettingProblems(olds, news);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    const keys = Object.keys(news) as (keyof ImmutableSettings)[];
    return { changes: keys.some((key) => olds[key] !== news[key]) };
  },
  async create(inputs: ImmutableSettings) {
    return { id: "immutable-settings", outs: inputs };
  },
  async update(_id: string, _olds: ImmutableSettings, news: ImmutableSettings) {
    return { outs: news };
  },
};

export class SettingsGuard extends pulumi.dynamic.Resource {
  constructor(name: string, settings: ImmutableSettings, opts?: pulumi.CustomResourceOptions) {
    super(guardProvider, name, settings, opts);
  }
}
