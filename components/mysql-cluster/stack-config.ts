// Stack settings (`pulumi config set <key> <value>`) and how each becomes a
// component argument: the text forms of the stack (numbers, "true"/"false",
// "k=v,..." labels, JSON tolerations) are parsed here, by the kind the
// settings schema (settings.ts) declares, so the component takes only
// structured values. Serves the stack program and `npm run render` (which
// reads Pulumi.<stack>.yaml without the CLI). Given every key of the stack,
// argsFromConfig also refuses keys the program would silently ignore.

import { MySqlClusterArgs, MySqlClusterConfigError, resolveArgs } from "./args";
import { isLabelValue, isQualifiedName, isTolerationList, Toleration } from "./checks";
import { SETTING_ENTRIES, SETTINGS, SettingKind } from "./settings";

/** The project's name (Pulumi.yaml), which is the namespace of its config keys ("mysql-cluster:replicas"). */
export const PROJECT = "mysql-cluster";
/**
 * Config namespaces of the providers and engine this program uses, whose keys
 * (e.g. "kubernetes:context", "pulumi:disable-default-providers") are theirs to read.
 */
export const PROVIDER_NAMESPACES = ["kubernetes", "random", "tls", "pulumi"];

export interface StackSetting {
  key: string;
  type: "string" | "integer" | "boolean";
  default?: string | number | boolean;
  description: string;
}

/** The stack's settings as Pulumi.yaml declares them, from the settings schema (settings.ts): labels and tolerations are text there. */
export const STACK_SETTINGS: StackSetting[] = SETTING_ENTRIES.map(([key, spec]) => ({
  key,
  type: spec.kind === "integer" || spec.kind === "boolean" ? spec.kind : "string",
  ...(spec.default !== undefined ? { default: spec.default } : {}),
  description: spec.description,
}));

/**
 * "k=v,k2=v2" as a label map, or undefined when it is not one. Spaces after a
 * comma are allowed (only the parsed keys and values reach the manifest), but
 * not around the whole value, like every other setting; a key given twice is
 * refused, not silently overwritten.
 */
export function parseLabelSelector(text: string): Record<string, string> | undefined {
  if (typeof text !== "string" || text !== text.trim()) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const [key, value, ...rest] = pair.trim().split("=");
    if (rest.length > 0 || value === undefined || !isQualifiedName(key) || !isLabelValue(value) || key in labels)
      return undefined;
    labels[key] = value;
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}

/** A JSON array of tolerations the API server accepts, or undefined when it is not one. */
export function parseTolerations(text: string): Toleration[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isTolerationList(parsed) ? parsed : undefined;
}

/**
 * A stack value (text) as the component takes it. A value that does not parse
 * is passed on as it is, so that validation reports it, as the user wrote it,
 * by setting name with what is accepted. Numbers and booleans may have spaces
 * around them: only the parsed value is used.
 */
function fromText(kind: SettingKind, raw: string): unknown {
  const text = raw.trim();
  switch (kind) {
    case "integer":
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : raw;
    case "boolean":
      return text === "true" || text === "false" ? text === "true" : raw;
    case "labels":
      return parseLabelSelector(raw) ?? raw;
    case "tolerations":
      return parseTolerations(raw) ?? raw;
    case "string":
      return raw;
  }
}

/** Edit distance between two keys, ignoring case (so "AppDatabase" is a near miss of "appDatabase"). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}

/** The declared setting closest to `key`, when it is a near miss (a few characters off, or only the case differs). */
export function closestSetting(key: string): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const setting of STACK_SETTINGS) {
    const d = distance(key, setting.key);
    if (!best || d < best.d) best = { key: setting.key, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 4)) ? best.key : undefined;
}

/** Whether a config namespace looks like a misspelling of the project's ("mysql", "MySQL-Cluster", "mysql-clustr"). */
function resemblesProject(namespace: string, project: string): boolean {
  const plain = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  const [ns, own] = [plain(namespace), plain(project)];
  // Containment only from 4 characters on, and few edits for a short name: a project "db" must not claim "aws".
  const contains = Math.min(ns.length, own.length) >= 4 && (own.includes(ns) || ns.includes(own));
  return contains || distance(ns, own) <= Math.floor(own.length / 4);
}

/**
 * Problems with the stack's config keys ("<namespace>:<key>"): a key of this
 * project that no setting declares (a typo such as "replica" would otherwise
 * deploy the default), and a key under a namespace that looks like a
 * misspelling of this project's ("mysql:replicas") or is this program's
 * usual one in a renamed project. Keys under any other
 * namespace are left alone: they are other programs' and providers' (a Pulumi
 * ESC environment a stack imports puts its whole pulumiConfig, "aws:region"
 * and the like, into every stack that uses it, and refusing them would block
 * `pulumi up` for every such stack). Values are never shown: a key under
 * another namespace may hold a secret.
 */
export function configKeyProblems(fullKeys: string[], project = PROJECT): string[] {
  const problems: string[] = [];
  for (const fullKey of fullKeys) {
    const colon = fullKey.indexOf(":");
    const [namespace, key] = colon >= 0 ? [fullKey.slice(0, colon), fullKey.slice(colon + 1)] : [project, fullKey];
    if (namespace === project) {
      if (STACK_SETTINGS.some((s) => s.key === key)) continue;
      const near = closestSetting(key);
      problems.push(
        `setting "${key}": not a setting of this stack${near ? `; did you mean "${near}"?` : ""} (the settings are declared in Pulumi.yaml and listed in the README)`,
      );
    } else if (
      !PROVIDER_NAMESPACES.includes(namespace) &&
      (resemblesProject(namespace, project) || resemblesProject(namespace, PROJECT))
    ) {
      // (PROJECT too: a renamed project's stack file still holds the keys under the old name, which Pulumi does not rewrite.)
      const near = closestSetting(key);
      problems.push(
        `setting "${fullKey}": its namespace "${namespace}" is not this project's ("${project}:<setting>"), so the program would not read it` +
          (near ? `; did you mean "${project}:${near}"?` : ""),
      );
    }
  }
  return problems;
}

/**
 * Stack config as the component's name and args. `get` returns the raw string
 * value of a setting, or undefined. With `allKeys` (every config key of the
 * stack, "<namespace>:<key>", as pulumi.runtime.allConfig() gives them), the
 * keys and every value are checked here, and one MySqlClusterConfigError lists
 * every problem, the cluster's name being called "clusterName" as in the stack.
 * `project` is the project's name as Pulumi.yaml has it (pulumi.getProject()):
 * the namespace of the stack's own keys, which a renamed project changes.
 */
export function argsFromConfig(
  get: (key: string) => string | undefined,
  allKeys?: string[],
  project = PROJECT,
): { name: string; args: MySqlClusterArgs } {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of SETTING_ENTRIES) {
    const raw = get(key);
    if (raw !== undefined && raw !== "") values[key] = fromText(spec.kind, raw);
  }
  const { clusterName, ...rest } = values;
  const result = {
    name: (clusterName as string | undefined) ?? SETTINGS.clusterName.default,
    args: rest as MySqlClusterArgs,
  };
  if (allKeys !== undefined) {
    const problems = configKeyProblems(allKeys, project);
    try {
      resolveArgs(result.name, result.args, { nameSetting: "clusterName" });
    } catch (error) {
      if (!(error instanceof MySqlClusterConfigError)) throw error;
      problems.push(...error.problems);
    }
    if (problems.length > 0) throw new MySqlClusterConfigError(problems);
  }
  return result;
}
