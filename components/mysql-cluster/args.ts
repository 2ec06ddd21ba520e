// The component's inputs: the Args users pass, the defaults applied in this
// one place, and the validation that turns bad input into one clear error at
// preview time, before any object is created. Each setting (its type, default,
// description and check) is declared once in settings.ts; this file applies
// the declarations and the rules that relate settings to one another.

import { FLAVOR_SPECS, Flavor, FlavorSpec } from "./flavors";
import { MySqlClusterArgs, ResolvedArgs } from "./mysql-cluster-args";
import { clusterNames } from "./names";
import { parseQuantity } from "./quantity";
import { MAX_NAME_LENGTH_WITH_BACKUPS, SETTING_ENTRIES, SETTINGS, SettingSpec } from "./settings";

export { MySqlClusterArgs, ResolvedArgs } from "./mysql-cluster-args";
export { Toleration, isCronSchedule, isImageReference, isLabelValue, isQualifiedName } from "./checks";
export {
  MAX_CPU_CORES,
  MAX_MEMORY_BYTES,
  MAX_NAME_LENGTH,
  MAX_NAME_LENGTH_WITH_BACKUPS,
  MAX_REPLICAS,
  MAX_STORAGE_BYTES,
  RESERVED_DATABASES,
  RESERVED_USERS,
} from "./settings";

/** The component settings whose schema entry has a fixed default. */
type Defaulted = {
  [
    K in Exclude<keyof typeof SETTINGS, "clusterName"> as (typeof SETTINGS)[K] extends {
      default: string | number | boolean;
    }
      ? K
      : never
  ]: ResolvedArgs[K];
};

/** The default of every setting that has a fixed one (the images' depend on the flavor). */
export const DEFAULTS = Object.fromEntries(
  SETTING_ENTRIES.filter(([, spec]) => spec.arg !== false && spec.default !== undefined).map(([key, spec]) => [
    key,
    spec.default,
  ]),
) as Readonly<Defaulted>;

/** Thrown for invalid settings; its message names each bad setting and what it accepts. */
export class MySqlClusterConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid MySqlCluster settings:\n  - ${problems.join("\n  - ")}`);
    this.name = "MySqlClusterConfigError";
  }
}

/** The value as the error shows it: strings quoted, with every character outside printable ASCII escaped (so invisible ones show). */
function shown(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (value !== null && typeof value === "object") {
    try {
      return shown(JSON.stringify(value)).slice(1, -1);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

export interface ResolveOptions {
  /** What the cluster's name is called in errors: "name" for the component, "clusterName" for the stack. */
  nameSetting?: string;
}

/** The settings as resolveArgs has checked them, for the rules between settings. */
interface Resolving {
  name: unknown;
  /** The value with its default applied. */
  value: Record<string, unknown>;
  /** Whether the setting passed its own check. */
  valid(key: string): boolean;
}

/** A rule between settings: the setting it blames, its value and what it would accept, or undefined when it holds. */
type Rule = (r: Resolving) => [setting: string, value: unknown, accepted: string] | undefined;

/** What every use of the object store needs (the region has a default, the prefix defaults to the name). */
const STORE_SETTINGS = ["backupStoreEndpoint", "backupStoreBucket", "backupStoreSecret"] as const;

const bytes = (value: unknown) => (typeof value === "string" ? parseQuantity(value) : undefined);

/** The rules between settings, by name, each checked once every setting has passed or failed its own check. */
const RULES: Record<string, Rule> = {
  cpuLimitAtLeastRequest: ({ value: { cpuLimit, cpuRequest }, valid }) => {
    const request = bytes(cpuRequest);
    return valid("cpuLimit") && cpuLimit !== undefined && request !== undefined && bytes(cpuLimit)! < request
      ? ["cpuLimit", cpuLimit, `at least cpuRequest (${cpuRequest})`]
      : undefined;
  },
  memoryLimitAtLeastRequest: ({ value: { memoryLimit, memoryRequest }, valid }) => {
    const request = bytes(memoryRequest);
    return valid("memoryLimit") && request !== undefined && bytes(memoryLimit)! < request
      ? ["memoryLimit", memoryLimit, `at least memoryRequest (${memoryRequest})`]
      : undefined;
  },
  // A failover may only promote what a replica received: without semi-synchronous
  // replication a lost primary takes acknowledged commits with it.
  failoverNeedsSemiSync: ({ value: { failover, semiSync } }) =>
    failover === true && semiSync === false
      ? [
          "failover",
          failover,
          "semiSync to be true too (or failover false): a failover must not lose acknowledged commits",
        ]
      : undefined,
  appUserNeedsAppDatabase: ({ value: { appUser, appDatabase } }) =>
    appUser !== undefined && appDatabase === undefined
      ? ["appUser", appUser, "appDatabase to be set too: the application user gets its own database"]
      : undefined,
  // The longest name ending in the domain is pod N-1's "<name>-N.<name>.<namespace>.svc.<domain>";
  // a DNS name has at most 253 characters (RFC 1035 2.3.4; Kubernetes' IsDNS1123Subdomain).
  podNamesWithinDnsLimit: ({ name, value: { namespace, replicas, clusterDomain }, valid }) => {
    if (!valid("clusterDomain") || typeof name !== "string" || typeof namespace !== "string" || !valid("replicas"))
      return undefined;
    const longest = `${name}-${(replicas as number) - 1}.${name}.${namespace}.svc.${clusterDomain}`;
    return longest.length > 253
      ? [
          "clusterDomain",
          clusterDomain,
          `a domain short enough that pod names such as "${longest}" (${longest.length} characters) stay within 253 characters`,
        ]
      : undefined;
  },
  // One Secret cannot be both: the generated one would overwrite the user's.
  existingSecretNotTheTlsSecret: ({ name, value: { existingSecret, tlsSecret } }) =>
    existingSecret && existingSecret === (tlsSecret ?? `${name}-tls`)
      ? ["existingSecret", existingSecret, "a Secret other than the TLS Secret"]
      : undefined,
  tlsSecretNotTheCredentials: ({ name, value: { existingSecret, tlsSecret } }) =>
    tlsSecret && !existingSecret && tlsSecret === `${name}-credentials`
      ? ["tlsSecret", tlsSecret, `a Secret other than the generated credentials Secret "${name}-credentials"`]
      : undefined,
  clientPodSelectorNeedsNetworkPolicy: (r) => selectorNeedsNetworkPolicy("clientPodSelector", r),
  clientNamespaceSelectorNeedsNetworkPolicy: (r) => selectorNeedsNetworkPolicy("clientNamespaceSelector", r),
  noRotationOfExistingSecret: ({ value: { passwordRotation, existingSecret }, valid }) =>
    valid("passwordRotation") && passwordRotation !== 0 && existingSecret !== undefined
      ? [
          "passwordRotation",
          passwordRotation,
          "0 with existingSecret: the passwords are the existing Secret's, so nothing would rotate; " +
            "change its values instead (the pods apply them without a restart)",
        ]
      : undefined,
  serviceMonitorNeedsMetrics: ({ value: { serviceMonitor, metrics } }) =>
    serviceMonitor === true && metrics === false
      ? ["serviceMonitor", serviceMonitor, "false when metrics is false: there is nothing to scrape"]
      : undefined,
  serviceMonitorLabelsOwnAndUsed: ({ name, value: { serviceMonitorLabels: labels, serviceMonitor }, valid }) => {
    if (labels === undefined || !valid("serviceMonitorLabels")) return undefined;
    const own = clusterNames({ name: typeof name === "string" ? name : "" }).labels;
    if (Object.keys(labels as object).some((key) => key in own)) {
      return [
        "serviceMonitorLabels",
        labels,
        `keys other than the cluster's own labels ${Object.keys(own).join(", ")}`,
      ];
    }
    return serviceMonitor !== true
      ? [
          "serviceMonitorLabels",
          labels,
          "unset unless serviceMonitor is true: they label the ServiceMonitor, which only serviceMonitor creates",
        ]
      : undefined;
  },
  nameShortEnoughForBackups: ({ name, value: { backupSchedule }, valid }) =>
    backupSchedule !== undefined &&
    valid("backupSchedule") &&
    typeof name === "string" &&
    name.length > MAX_NAME_LENGTH_WITH_BACKUPS
      ? [
          "name",
          name,
          `with backupSchedule, a name of at most ${MAX_NAME_LENGTH_WITH_BACKUPS} characters: the CronJob "<name>-backup" may have at most 52`,
        ]
      : undefined,
  // The claim is in the pod template, so every pod would mount it: a ReadWriteOnce claim attaches to one node
  // only, and the other pods fail with Multi-Attach errors (it also blocks the source cluster's backup Job).
  restoreWithOneReplica: ({ value: { restoreFromClaim, replicas }, valid }) =>
    restoreFromClaim !== undefined && valid("restoreFromClaim") && valid("replicas") && replicas !== 1
      ? [
          "restoreFromClaim",
          restoreFromClaim,
          `replicas: 1 while restoring (got replicas ${replicas}): every pod mounts the claim, ` +
            "and a ReadWriteOnce claim attaches to one node only; restore with replicas 1, then unset restoreFromClaim and scale up",
        ]
      : undefined,
  restoreBackupNeedsClaim: ({ value: { restoreBackup, restoreFromClaim, restoreFromStore }, valid }) =>
    valid("restoreBackup") &&
    restoreBackup !== SETTINGS.restoreBackup.default &&
    restoreFromClaim === undefined &&
    restoreFromStore === undefined
      ? [
          "restoreBackup",
          restoreBackup,
          "only together with restoreFromClaim or restoreFromStore, which name where the backups are",
        ]
      : undefined,
  // The store's settings come as a set: a target without its endpoint, bucket or credentials cannot upload.
  storeTargetNeedsStore: ({ value, valid }) =>
    valid("backupTarget") && value.backupTarget !== "claim" ? storeSettingsMissing("backupTarget", value) : undefined,
  // The schedule makes the CronJob; a store target without it would upload nothing, silently.
  storeTargetNeedsSchedule: ({ value: { backupTarget, backupSchedule }, valid }) =>
    valid("backupTarget") && backupTarget !== "claim" && backupSchedule === undefined
      ? [
          "backupTarget",
          backupTarget,
          `"claim" without backupSchedule: only scheduled backups go to the store (set backupSchedule, e.g. "0 3 * * *")`,
        ]
      : undefined,
  restoreFromStoreNeedsStore: ({ value, valid }) =>
    value.restoreFromStore !== undefined && valid("restoreFromStore")
      ? storeSettingsMissing("restoreFromStore", value)
      : undefined,
  restoreFromOnePlace: ({ value: { restoreFromStore, restoreFromClaim } }) =>
    restoreFromStore !== undefined && restoreFromClaim !== undefined
      ? [
          "restoreFromStore",
          restoreFromStore,
          "unset when restoreFromClaim is set: a new cluster restores from one place (unset one of them)",
        ]
      : undefined,
  // As restoreFromClaim: restore into pod 0 alone, then unset it and scale up (replicas clone from pod 0).
  restoreFromStoreWithOneReplica: ({ value: { restoreFromStore, replicas }, valid }) =>
    restoreFromStore !== undefined && valid("restoreFromStore") && valid("replicas") && replicas !== 1
      ? [
          "restoreFromStore",
          restoreFromStore,
          `replicas: 1 while restoring (got replicas ${replicas}): pod 0 restores, ` +
            "then unset restoreFromStore and scale up (the new replicas clone from it)",
        ]
      : undefined,
};

/** The store settings a setting that uses the store needs: the one problem naming every missing one, or undefined. */
function storeSettingsMissing(setting: string, value: Record<string, unknown>): ReturnType<Rule> {
  const missing = STORE_SETTINGS.filter((key) => value[key] === undefined);
  return missing.length > 0
    ? [
        setting,
        value[setting],
        `${STORE_SETTINGS.join(", ")} to be set too (missing: ${missing.join(", ")}): ` +
          "the object store's address, its bucket and the Secret with its credentials and the encryption key",
      ]
    : undefined;
}

/** A client selector restricts nothing without the NetworkPolicy (every pod may connect). */
function selectorNeedsNetworkPolicy(
  setting: "clientPodSelector" | "clientNamespaceSelector",
  { value, valid }: Resolving,
): ReturnType<Rule> {
  return value[setting] !== undefined && valid(setting) && value.networkPolicy === false
    ? [
        setting,
        value[setting],
        "unset when networkPolicy is false: without the NetworkPolicy every pod may connect, so the selector would " +
          "restrict nothing (set networkPolicy to true to admit only these clients)",
      ]
    : undefined;
}

/** The given value, or the setting's default when it is unset (undefined, null, or what its unsetWhen says). */
function withDefault(spec: SettingSpec, given: unknown, flavor: FlavorSpec): unknown {
  const v = spec.unsetWhen?.(given) ? undefined : given;
  return v === undefined || v === null ? (spec.default ?? spec.flavorDefault?.(flavor) ?? v) : v;
}

/** Applies the defaults and checks every setting; throws one MySqlClusterConfigError listing every problem. */
export function resolveArgs(name: string, args: MySqlClusterArgs = {}, options: ResolveOptions = {}): ResolvedArgs {
  const problems: string[] = [];
  const bad = (setting: string, value: unknown, accepted: string) => {
    // A value that would be right but for spaces around it gets told so: the spaces are easy to miss in the quotes.
    const spaces = typeof value === "string" && value !== value.trim() ? " (without leading or trailing spaces)" : "";
    problems.push(
      `setting "${setting === "name" ? (options.nameSetting ?? "name") : setting}": got ${shown(value)}; expected ${accepted}${spaces}`,
    );
  };
  const given = args as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  const invalid = new Set<string>();
  const context = { value: (key: string) => value[key], valid: (key: string) => !invalid.has(key) };

  for (const [key, spec] of SETTING_ENTRIES) {
    // The cluster's name is the component's name argument, always checked; the stack calls it clusterName.
    const isName = spec.arg === false;
    const v = isName
      ? name
      : withDefault(
          spec,
          given[key],
          FLAVOR_SPECS[(context.valid("flavor") ? value.flavor : DEFAULTS.flavor) as Flavor],
        );
    if (!isName) value[key] = v;
    if (v === undefined && !isName) continue;
    const refused = (typeof spec.check === "function" ? spec.check(context) : spec.check).refuses(v);
    if (refused !== undefined) {
      invalid.add(key);
      bad(isName ? "name" : key, v, refused);
    }
  }
  for (const rule of Object.values(RULES)) {
    const problem = rule({ name, value, valid: context.valid });
    if (problem) bad(...problem);
  }

  if (problems.length > 0) throw new MySqlClusterConfigError(problems);
  return { name, ...value } as unknown as ResolvedArgs;
}
