// The settings the guard watches, and which changes of them it refuses. Some
// cannot change on a running cluster at all (Kubernetes would replace the
// StatefulSet, delete then create: an outage, or lose track of data); others
// change only in some ways (storage grows, never shrinks; a switchover needs
// the old primary running; a new cluster's primary is ordinal 0). A refused
// change fails at preview with a message saying what to do instead. Pure, so
// it is tested directly; settings-guard.ts runs it inside `pulumi preview`.

import type { ResolvedArgs } from "./args";
import { parseQuantity } from "./quantity";

/** The guard's inputs: the settings whose changes it checks (absent optional ones as ""). */
export interface GuardedSettings {
  flavor: string;
  storageClass: string;
  storageAccessMode: string;
  storageSize: string;
  existingSecret: string;
  tlsSecret: string;
  namespace: string;
  /** Not fixed, but a new cluster must start with 0 (below), and a switchover needs the old primary running. */
  primaryOrdinal: number;
  replicas: number;
}

/** The guarded settings of `args`, as the component hands them to the guard. */
export function guardedSettings(args: ResolvedArgs): GuardedSettings {
  return {
    flavor: args.flavor,
    storageClass: args.storageClass ?? "",
    storageAccessMode: args.storageAccessMode,
    storageSize: args.storageSize,
    existingSecret: args.existingSecret ?? "",
    tlsSecret: args.tlsSecret ?? "",
    namespace: args.namespace,
    primaryOrdinal: args.primaryOrdinal,
    replicas: args.replicas,
  };
}

/**
 * The problems with creating a cluster with `news`. The first pod initialises
 * the data and every later pod clones from a lower one, so a new cluster's
 * primary is ordinal 0; any other primary would wait for a pod that starts after it.
 */
export function creationProblems(news: GuardedSettings): string[] {
  if (news.primaryOrdinal === 0) return [];
  return [
    `setting "primaryOrdinal" must be 0 when the cluster is created (got ${news.primaryOrdinal}): pod 0 initialises the data and the others clone from it. Create the cluster with 0, then change primaryOrdinal for a switchover.`,
  ];
}

/** The problems with moving a running cluster from `olds` to `news`; empty when the change is safe. */
export function settingChangeProblems(olds: Partial<GuardedSettings>, news: GuardedSettings): string[] {
  const problems: string[] = [];
  const fixed: { key: keyof GuardedSettings; why: string }[] = [
    {
      key: "flavor",
      why: "the data directory of one flavor cannot be served by the other; migrate with a logical dump into a new cluster",
    },
    {
      key: "storageClass",
      why: "existing volumes keep their class; create a new cluster on the new class and move the data",
    },
    {
      key: "storageAccessMode",
      why: "existing volumes keep their access mode; create a new cluster and move the data",
    },
    {
      key: "existingSecret",
      why: "the servers hold the passwords they were created with; keep the setting and change the passwords in the Secret instead",
    },
    {
      key: "tlsSecret",
      why: "clients and replicas trust the current CA; move to your own certificates by adding them to a new cluster",
    },
    {
      key: "namespace",
      why: "volumes cannot move between namespaces; create a new cluster in the new namespace and move the data",
    },
  ];
  for (const { key, why } of fixed) {
    if (olds[key] !== undefined && olds[key] !== news[key]) {
      problems.push(
        `setting "${key}" cannot change on a running cluster (from ${JSON.stringify(olds[key])} to ${JSON.stringify(news[key])}): ${why}. Set it back to ${JSON.stringify(olds[key])}.`,
      );
    }
  }
  // The new primary takes over only from a running old one (promote.sh waits for
  // it to stop writes); scaling it away in the same update would leave nobody to take writes.
  if (
    olds.primaryOrdinal !== undefined &&
    news.primaryOrdinal !== olds.primaryOrdinal &&
    news.replicas <= olds.primaryOrdinal
  ) {
    problems.push(
      `settings "primaryOrdinal" and "replicas" cannot change together like this (primary ${olds.primaryOrdinal} -> ${news.primaryOrdinal}, replicas -> ${news.replicas}): the switchover needs pod ${olds.primaryOrdinal} running until the new primary has taken over. Run \`pulumi up\` with the new primaryOrdinal first, then lower replicas.`,
    );
  }
  if (olds.storageSize !== undefined) {
    const before = parseQuantity(olds.storageSize) ?? 0;
    const after = parseQuantity(news.storageSize) ?? 0;
    if (after < before) {
      problems.push(
        `setting "storageSize" can only grow (from ${JSON.stringify(olds.storageSize)} to ${JSON.stringify(news.storageSize)}): volumes cannot shrink. Set it to ${JSON.stringify(olds.storageSize)} or more.`,
      );
    }
  }
  return problems;
}
