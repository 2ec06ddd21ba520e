// Small named validation checkers, each a test and the text of what it accepts,
// so a setting's declaration (settings.ts) names its check and the error for a
// bad value says, in the same words every time, what would have been accepted.
// Where the rule is the Kubernetes API server's or the database's, the checker
// mirrors it (source cited), so that a value refused here is one that would
// otherwise have failed half-way through `pulumi up`.

import { parseQuantity } from "./quantity";

/**
 * A check of one value: `refuses` gives what is accepted, as the error says it
 * ("a whole number from 1 to 64"), when the value is bad, and undefined when
 * it is fine.
 */
export interface Checker {
  /** What the check accepts. */
  readonly accepted: string;
  refuses(value: unknown): string | undefined;
  /** For a fixed set of strings (oneOf): the values, from which the TypeScript type is generated. */
  readonly values?: readonly string[];
}

function checker(accepted: string, test: (value: unknown) => boolean, values?: readonly string[]): Checker {
  return { accepted, refuses: (value) => (test(value) ? undefined : accepted), ...(values ? { values } : {}) };
}

/** Every check in turn; a value is described by the first one it fails (a bad format before a reserved name). */
export function all(...checks: Checker[]): Checker {
  return {
    accepted: checks[0].accepted,
    refuses: (value) => checks.map((c) => c.refuses(value)).find((text) => text !== undefined),
  };
}

export const trueOrFalse: Checker = checker("true or false", (v) => typeof v === "boolean");

/** One of a fixed set of strings, compared exactly. */
export function oneOf(
  values: readonly string[],
  accepted = `one of ${values.map((v) => `"${v}"`).join(", ")}`,
): Checker {
  return checker(accepted, (v) => typeof v === "string" && values.includes(v), values);
}

/** A whole number from min to max (max Number.MAX_SAFE_INTEGER reads "from <min> up"). */
export function wholeNumber(
  min: number,
  max: number,
  accepted = max === Number.MAX_SAFE_INTEGER ? `a whole number from ${min} up` : `a whole number from ${min} to ${max}`,
): Checker {
  return checker(accepted, (v) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1123 label (IsDNS1123Label) of at most `max` characters: a namespace. */
export function dnsLabel(
  max = 63,
  accepted = `a DNS label of at most ${max} characters (lower-case letters, digits and "-")`,
): Checker {
  return checker(accepted, (v) => typeof v === "string" && v.length <= max && DNS_LABEL.test(v));
}

/** A DNS-1035 label (IsDNS1035Label: starts with a letter) of at most `max` characters: a Service name. */
export function dns1035Label(
  max = 63,
  accepted = `a DNS label of at most ${max} characters (lower-case letters, digits and "-", starting with a letter)`,
): Checker {
  return checker(accepted, (v) => typeof v === "string" && v.length <= max && DNS_1035_LABEL.test(v));
}

/** A DNS-1123 subdomain of at most 253 characters, as the API server checks object names (IsDNS1123Subdomain). */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === "string" && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

export function dnsSubdomain(accepted = "a DNS subdomain of at most 253 characters"): Checker {
  return checker(accepted, isDnsSubdomain);
}

/**
 * A DNS domain whose every label has at most 63 characters (RFC 1035 2.3.4).
 * The 253-character bound on the whole name is checked on the longest name
 * built from it, not on the domain alone.
 */
export function dnsDomain(accepted = "a DNS domain of labels of at most 63 characters"): Checker {
  return checker(
    accepted,
    (v) => typeof v === "string" && DNS_SUBDOMAIN.test(v) && v.split(".").every((label) => label.length <= 63),
  );
}

/** A Kubernetes quantity (quantity.ts) whose value is within [min, max], or (min, max] with minExclusive. */
export function quantity(min: number, max: number, accepted: string, minExclusive = false): Checker {
  return checker(accepted, (v) => {
    const amount = typeof v === "string" ? parseQuantity(v) : undefined;
    return amount !== undefined && (minExclusive ? amount > min : amount >= min) && amount <= max;
  });
}

const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An unquoted SQL identifier of 1 to maxLength characters (letters, digits, "_", not starting with a digit). */
export function sqlIdentifier(
  maxLength: number,
  accepted = `1 to ${maxLength} letters, digits or "_", not starting with a digit`,
): Checker {
  return checker(accepted, (v) => typeof v === "string" && v.length <= maxLength && SQL_IDENTIFIER.test(v));
}

/** A string that is none of `taken`, compared without case (MySQL compares user and database names so on some systems). */
export function noneOf(taken: readonly string[], accepted: string): Checker {
  return checker(accepted, (v) => typeof v === "string" && !taken.includes(v.toLowerCase()));
}

/** A string matching `pattern` entirely. */
export function matching(pattern: RegExp, accepted: string): Checker {
  return checker(accepted, (v) => typeof v === "string" && pattern.test(v));
}

/**
 * An image reference as the container runtimes parse it: distribution/reference's
 * grammar (github.com/distribution/reference regexp.go, ReferenceRegexp), i.e.
 * [domain[:port]/]path-component[/path-component...][:tag][@digest], with the
 * name at most 255 characters (reference.go NameTotalLengthMax). Anything else
 * (spaces, ";", "$(", quotes, invisible characters) is not an image. A digest is
 * then checked by digest.Parse (reference.go Parse; opencontainers/go-digest
 * algorithm.go): only sha256, sha384 and sha512, in lower-case hex of exactly
 * 64, 96 or 128 digits. The API server stores any image string, but the kubelet
 * refuses such a digest (InvalidImageName), so pods would never start.
 */
const IMAGE_NAME_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const IMAGE_DOMAIN =
  "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
const IMAGE_REFERENCE = new RegExp(
  `^((?:${IMAGE_DOMAIN}/)?${IMAGE_NAME_COMPONENT}(?:/${IMAGE_NAME_COMPONENT})*)` +
    "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?" +
    "(?:@(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}))?$",
);

export function isImageReference(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const match = IMAGE_REFERENCE.exec(value);
  return match !== null && match[1].length <= 255;
}

/** An image reference; `example` is the one the error shows. */
export function imageReference(example: string): Checker {
  const accepted =
    "an image reference [registry[:port]/]name[:tag][@digest] (lower-case path components; no spaces, quotes or other characters)";
  return checker(`${accepted}, e.g. "${example}"`, isImageReference);
}

/** The @ descriptors robfig/cron v3 accepts (parser.go parseDescriptor) that Kubernetes documents; "@every <duration>" is refused. */
const CRON_SHORTHAND = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;
/** Each cron field's range and names, as robfig/cron v3 spec.go's bounds: day of week is 0-6 (7 is refused). */
const CRON_FIELDS: { min: number; max: number; names?: string[] }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

/**
 * Whether the API server accepts `schedule` as a CronJob's spec.schedule, and it
 * means what it says. Kubernetes (pkg/apis/batch/validation/validation.go,
 * validateScheduleFormat) parses it with robfig/cron v3's ParseStandard
 * (parser.go): five whitespace-separated fields, or a descriptor; each field a
 * comma-separated list of "*", "?" (same as "*"), a value, or a range a-b, each
 * with an optional /step (step >= 1); values are whole numbers within the
 * field's bounds (day of week 0-6) or, for month and day of week, the
 * three-letter names in any case. "TZ=" / "CRON_TZ=" prefixes are refused by
 * Kubernetes for new CronJobs (any "TZ" in the schedule: "use timeZone field
 * instead"). Stricter than the parser where it would accept nonsense: empty
 * list items (",5"), "*-5", signed numbers ("+5") and "@every" are refused,
 * and so are leading or trailing spaces (kept verbatim in the manifest).
 */
export function isCronSchedule(schedule: unknown): schedule is string {
  if (typeof schedule !== "string" || schedule !== schedule.trim() || schedule.includes("TZ")) return false;
  if (CRON_SHORTHAND.test(schedule)) return true;
  const fields = schedule.split(/[ \t]+/);
  if (fields.length !== 5) return false;
  return fields.every((field, i) => {
    const { min, max, names } = CRON_FIELDS[i];
    const value = (text: string): number | undefined => {
      const named = names?.indexOf(text.toUpperCase()) ?? -1;
      if (named >= 0) return min + named;
      return /^[0-9]+$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined;
    };
    return field.split(",").every((item) => {
      const [range, step, extra] = item.split("/");
      if (extra !== undefined || (step !== undefined && !/^0*[1-9][0-9]*$/.test(step))) return false;
      if (range === "*" || range === "?") return true;
      const [from, to, more] = range.split("-");
      if (more !== undefined) return false;
      const a = value(from);
      const b = to === undefined ? a : value(to);
      return a !== undefined && b !== undefined && a <= b;
    });
  });
}

export function cronSchedule(accepted: string): Checker {
  return checker(accepted, isCronSchedule);
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A label or annotation key: [DNS subdomain prefix (<= 253) "/"] name (<= 63), as apimachinery's IsQualifiedName. */
export function isQualifiedName(key: unknown): key is string {
  if (typeof key !== "string") return false;
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  return LABEL_NAME.test(name) && (prefix === undefined || (prefix.length > 0 && isDnsSubdomain(prefix)));
}

/** A label value: empty, or at most 63 characters as apimachinery's IsValidLabelValue. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === "string" && LABEL_VALUE.test(value);
}

/** How the errors describe Kubernetes label syntax. */
export const LABEL_RULES =
  'keys: an optional DNS-subdomain prefix and "/", then up to 63 letters, digits, "-", "_" or ".", ' +
  "starting and ending with a letter or digit; values: the same without a prefix, or empty";

/** Whether `value` is a map of valid label keys to valid label values (with nonEmpty, at least one). */
export function isLabelMap(value: unknown, nonEmpty = false): value is Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const entries = Object.entries(value as Record<string, unknown>);
  return (!nonEmpty || entries.length > 0) && entries.every(([k, v]) => isQualifiedName(k) && isLabelValue(v));
}

/**
 * Labels as the component takes them (a map; the stack's "k=v,..." is parsed
 * in stack-config.ts). A selector is nonEmpty: an empty matchLabels would
 * select every pod. `example` is the stack form the error shows.
 */
export function labelMap(example: string, nonEmpty = false): Checker {
  const accepted = `labels as "key=value" pairs separated by commas, each key once (in TypeScript a map), e.g. "${example}" (${LABEL_RULES})`;
  return checker(accepted, (v) => isLabelMap(v, nonEmpty));
}

/** A pod toleration (core/v1 Toleration) as the component takes it. */
export interface Toleration {
  key?: string;
  /** "" means Equal, as the API server reads it. */
  operator?: "Exists" | "Equal" | "";
  value?: string;
  effect?: "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

const TOLERATION_FIELDS = new Set(["key", "operator", "value", "effect", "tolerationSeconds"]);
const TOLERATION_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Whether one toleration passes the API server's checks (its ValidateTolerations). */
export function isToleration(t: unknown): t is Toleration {
  if (t === null || typeof t !== "object" || Array.isArray(t)) return false;
  const r = t as Record<string, unknown>;
  if (!Object.keys(r).every((k) => TOLERATION_FIELDS.has(k))) return false;
  const { key = "", value = "", effect = "", tolerationSeconds } = r;
  // An empty operator means Equal, as the API server reads it (ValidateTolerations: case TolerationOpEqual, "").
  const operator = r.operator === undefined || r.operator === "" ? "Equal" : r.operator;
  if (
    typeof key !== "string" ||
    typeof operator !== "string" ||
    typeof value !== "string" ||
    typeof effect !== "string"
  )
    return false;
  if (key !== "" && !isQualifiedName(key)) return false;
  if (operator !== "Exists" && operator !== "Equal") return false;
  if (key === "" && operator !== "Exists") return false; // only Exists may match every key
  if (operator === "Exists" ? value !== "" : !TOLERATION_VALUE.test(value)) return false;
  if (!["", "NoSchedule", "PreferNoSchedule", "NoExecute"].includes(effect)) return false;
  if (tolerationSeconds !== undefined && (!Number.isInteger(tolerationSeconds) || effect !== "NoExecute")) return false;
  return true;
}

export function isTolerationList(value: unknown): value is Toleration[] {
  return Array.isArray(value) && value.every(isToleration);
}

/** Tolerations as the component takes them (an array; the stack's JSON text is parsed in stack-config.ts). */
export function tolerationList(example: string): Checker {
  return checker(
    `a JSON array of tolerations (in TypeScript an array of Toleration objects), e.g. ${example}`,
    isTolerationList,
  );
}

/**
 * An http(s) URL of an S3-compatible service: scheme, host (a DNS name, IPv4
 * address or bracketed IPv6), an optional port and path of plain characters;
 * no credentials, query or fragment (rclone's s3 endpoint is a base URL, and a
 * key in it would end up in the Job's spec). Nothing in it is special to a shell.
 */
const STORE_ENDPOINT =
  /^https?:\/\/([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(\/[A-Za-z0-9._~-]*)*$/;

export function isStoreEndpoint(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 2048 || !STORE_ENDPOINT.test(value)) return false;
  try {
    const url = new URL(value);
    return url.hostname !== "" && (url.port === "" || Number(url.port) <= 65535);
  } catch {
    return false;
  }
}

export function storeEndpoint(accepted: string): Checker {
  return checker(accepted, isStoreEndpoint);
}

/**
 * An S3 bucket name (AWS "General purpose bucket naming rules"): 3-63
 * characters of lower-case letters, digits, "." and "-", starting and ending
 * with a letter or digit, no "..", not shaped like an IPv4 address, not
 * starting with "xn--" or "sthree-" nor ending with "-s3alias" or "--ol-s3".
 * Other S3 services accept a subset of what AWS does.
 */
export function isBucketName(value: unknown): value is string {
  return (
    typeof value === "string" &&
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
    !value.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(value) &&
    !/^(xn--|sthree-)/.test(value) &&
    !/(-s3alias|--ol-s3)$/.test(value)
  );
}

export function bucketName(accepted: string): Checker {
  return checker(accepted, isBucketName);
}

/**
 * A path inside the bucket: segments of letters, digits, ".", "_" and "-"
 * separated by single "/", no "." or ".." segment, no leading or trailing "/",
 * at most 256 characters. The scripts join it to the bucket name unquoted by
 * anything but bash's own quoting, and rclone would read "." segments.
 */
export function isStorePrefix(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length <= 256 &&
    value.split("/").every((segment) => /^[A-Za-z0-9._-]+$/.test(segment) && segment !== "." && segment !== "..")
  );
}

export function storePrefix(accepted: string): Checker {
  return checker(accepted, isStorePrefix);
}
