// A stand-in for the Kubernetes API server's own validation, beyond what the
// OpenAPI schema (kubernetes-models) checks: the rules written in Go in
// kubernetes/kubernetes that refuse an object at create time, and the limits
// the controllers add to the names they derive. Every rendered object of every
// tested configuration goes through `apiViolations`, so an object the API
// server would refuse fails a unit test here instead of `pulumi up` there.
//
// Sources (kubernetes/kubernetes, paths as of v1.31):
//   staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go
//     IsDNS1123Label (<= 63), IsDNS1123Subdomain (<= 253), IsDNS1035Label,
//     IsQualifiedName (prefix <= 253 "/" name <= 63), IsValidLabelValue (<= 63),
//     IsValidPortName (IANA_SVC_NAME: <= 15, [a-z0-9-], a letter, no "--",
//     no leading/trailing "-"), IsValidPortNum (1-65535), IsEnvVarName.
//   staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go
//     ValidateObjectMeta, ValidateAnnotations (keys qualified names, lower-cased;
//     total size <= 256 KiB).
//   staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
//     ValidateLabels, ValidateLabelSelector.
//   pkg/apis/core/validation/validation.go
//     ValidateServiceName = NameIsDNS1035Label; ConfigMap/Secret/PVC names are
//     DNS subdomains; validateContainers (names DNS-1123 labels, unique across
//     init and app containers), validateContainerPorts, validateEnv,
//     ValidateVolumes (names DNS-1123 labels, unique), volumeMounts naming a
//     volume, ValidateServicePort (name DNS-1123 label, unique; port and
//     numeric targetPort 1-65535, named targetPort IANA_SVC_NAME);
//     ValidateConfigMap (data keys: IsConfigMapKey, total <= 1 MiB).
//   pkg/apis/apps/validation/validation.go  ValidateStatefulSetName (subdomain);
//     the controller's pod names "<name>-<ordinal>" are pod hostnames (DNS-1123
//     labels) and its "controller-revision-hash" label "<name>-<10 chars>" a
//     label value: so <name> is at most 52 characters.
//   pkg/apis/batch/validation/validation.go  ValidateCronJob: name <= 52
//     ("the cronjob controller appends a 11-character suffix"), and
//     validateScheduleFormat: robfig/cron v3 ParseStandard, and no "TZ" in the
//     schedule of a new CronJob ("use timeZone field instead").
//   pkg/apis/networking/validation/validation.go  ValidateNetworkPolicyPort.

import { parseQuantity } from "../../components/mysql-cluster/quantity";
import type { AnyObject } from "./objects";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

export const isDns1123Label = (v: unknown): boolean => typeof v === "string" && v.length <= 63 && DNS1123_LABEL.test(v);
export const isDns1123Subdomain = (v: unknown): boolean =>
  typeof v === "string" && v.length <= 253 && DNS1123_SUBDOMAIN.test(v);
export const isDns1035Label = (v: unknown): boolean => typeof v === "string" && v.length <= 63 && DNS1035_LABEL.test(v);

export function isQualifiedName(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const parts = v.split("/");
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length === 0 || !isDns1123Subdomain(prefix))) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

export const isLabelValue = (v: unknown): boolean => typeof v === "string" && v.length <= 63 && LABEL_VALUE.test(v);

/** IANA_SVC_NAME (RFC 6335), as IsValidPortName. */
export function isPortName(v: unknown): boolean {
  return (
    typeof v === "string" &&
    v.length >= 1 &&
    v.length <= 15 &&
    /^[-a-z0-9]+$/.test(v) &&
    /[a-z]/.test(v) &&
    !v.includes("--") &&
    !v.startsWith("-") &&
    !v.endsWith("-")
  );
}

export const isPortNumber = (v: unknown): boolean =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

// ---- robfig/cron v3 ParseStandard (github.com/robfig/cron/v3 parser.go, spec.go), ported as it is ----

const CRON_BOUNDS: { min: number; max: number; names?: Record<string, number> }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  {
    min: 1,
    max: 12,
    names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
  },
  { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
];

/** strconv.Atoi then "negative number not allowed" (mustParseInt). */
function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n < 0 ? undefined : n;
}

function cronRangeOk(expr: string, b: (typeof CRON_BOUNDS)[number]): boolean {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  let start: number | undefined;
  let end: number | undefined;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    [start, end] = [b.min, b.max];
  } else {
    const value = (t: string) => (b.names && t.toLowerCase() in b.names ? b.names[t.toLowerCase()] : atoi(t));
    start = value(lowAndHigh[0]);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = value(lowAndHigh[1]);
    else return false; // too many hyphens
  }
  if (start === undefined || end === undefined) return false;
  let step = 1;
  if (rangeAndStep.length === 2) {
    const s = atoi(rangeAndStep[1]);
    if (s === undefined) return false;
    step = s;
    if (lowAndHigh.length === 1) end = b.max; // "N/step" means "N-max/step"
  } else if (rangeAndStep.length > 2) {
    return false; // too many slashes
  }
  return start >= b.min && end <= b.max && start <= end && step !== 0;
}

/** Whether robfig/cron v3's ParseStandard parses `spec` (descriptors and TZ= prefixes included). */
export function robfigParsesStandard(spec: string): boolean {
  if (spec.length === 0) return false;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.indexOf(" ");
    if (space < 0) return false;
    spec = spec.slice(space).trim(); // the location itself is loaded from the tz database; not modelled
  }
  if (spec.startsWith("@")) {
    if (["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"].includes(spec)) return true;
    return /^@every [0-9.]+(ns|us|µs|ms|s|m|h)([0-9.]+(ns|us|µs|ms|s|m|h))*$/.test(spec);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== ""); // strings.Fields
  if (fields.length !== 5) return false;
  return fields.every((field, i) =>
    field
      .split(",")
      .filter((r) => r !== "")
      .every((r) => cronRangeOk(r, CRON_BOUNDS[i])),
  );
}

/** validateScheduleFormat for a CronJob being created: parses, and has no "TZ" anywhere. */
export function cronScheduleViolations(schedule: unknown): string[] {
  if (typeof schedule !== "string" || schedule === "") return ["spec.schedule: Required value"];
  const out: string[] = [];
  if (!robfigParsesStandard(schedule))
    out.push(`spec.schedule: Invalid value: ${JSON.stringify(schedule)}: robfig/cron ParseStandard refuses it`);
  if (schedule.includes("TZ"))
    out.push(
      `spec.schedule: Invalid value: ${JSON.stringify(schedule)}: cannot use TZ or CRON_TZ in schedule, use timeZone field instead`,
    );
  return out;
}

// ---- objects ----

/** Every way the API server (or the controller that derives names from it) would refuse `obj`. Empty when it would accept it. */
export function apiViolations(obj: AnyObject): string[] {
  const out: string[] = [];
  const kind: string = obj.kind;
  const meta: AnyObject = obj.metadata ?? {};
  const where = `${kind}/${meta.name}`;
  const bad = (path: string, why: string) => out.push(`${where} ${path}: ${why}`);

  // Object names by kind.
  const name = meta.name;
  if (kind === "Service") {
    if (!isDns1035Label(name))
      bad("metadata.name", "a Service name must be a DNS-1035 label (<= 63, starting with a letter)");
  } else if (!isDns1123Subdomain(name)) {
    bad("metadata.name", "must be a DNS-1123 subdomain (<= 253)");
  }
  if (kind === "CronJob" && typeof name === "string" && name.length > 52)
    bad("metadata.name", "must be no more than 52 characters");
  if (kind === "StatefulSet" && typeof name === "string") {
    const lastPod = `${name}-${Math.max(0, (obj.spec?.replicas ?? 1) - 1)}`;
    if (!isDns1123Label(lastPod))
      bad("metadata.name", `pod name ${lastPod} must be a DNS-1123 label (the pod's hostname)`);
    if (!isLabelValue(`${name}-0123456789`))
      bad("metadata.name", 'the controller-revision-hash label "<name>-<10 chars>" would exceed 63 characters');
  }
  if (meta.namespace !== undefined && !isDns1123Label(meta.namespace))
    bad("metadata.namespace", "must be a DNS-1123 label");
  checkLabels(meta.labels, "metadata.labels", bad);
  checkAnnotations(meta.annotations, "metadata.annotations", bad);

  const spec: AnyObject = obj.spec ?? {};
  switch (kind) {
    case "ConfigMap": {
      let size = 0;
      for (const [key, value] of Object.entries<string>(obj.data ?? {})) {
        if (!(key.length <= 253 && CONFIG_MAP_KEY.test(key)))
          bad(`data[${key}]`, "a ConfigMap key must be [-._a-zA-Z0-9]+ (<= 253)");
        size += key.length + Buffer.byteLength(value);
      }
      if (size > 1024 * 1024) bad("data", "total size must not exceed 1 MiB");
      break;
    }
    case "Secret":
      for (const key of Object.keys({ ...obj.data, ...obj.stringData })) {
        if (!(key.length <= 253 && CONFIG_MAP_KEY.test(key)))
          bad(`data[${key}]`, "a Secret key must be [-._a-zA-Z0-9]+ (<= 253)");
      }
      break;
    case "Service":
      checkLabels(spec.selector, "spec.selector", bad);
      checkServicePorts(spec.ports ?? [], bad);
      break;
    case "StatefulSet":
      checkSelector(spec.selector, "spec.selector", bad);
      // The pods also mount the volumeClaimTemplates by name.
      checkPodTemplate(
        spec.template,
        "spec.template",
        bad,
        (spec.volumeClaimTemplates ?? []).map((c: AnyObject) => c.metadata?.name),
      );
      for (const [i, claim] of (spec.volumeClaimTemplates ?? []).entries()) {
        if (!isDns1123Subdomain(claim.metadata?.name))
          bad(`spec.volumeClaimTemplates[${i}].metadata.name`, "must be a DNS-1123 subdomain");
        checkLabels(claim.metadata?.labels, `spec.volumeClaimTemplates[${i}].metadata.labels`, bad);
        checkQuantity(
          claim.spec?.resources?.requests?.storage,
          `spec.volumeClaimTemplates[${i}].spec.resources.requests.storage`,
          bad,
        );
      }
      break;
    case "PersistentVolumeClaim":
      checkQuantity(spec.resources?.requests?.storage, "spec.resources.requests.storage", bad);
      break;
    case "CronJob":
      for (const v of cronScheduleViolations(spec.schedule)) bad("", v);
      checkLabels(spec.jobTemplate?.metadata?.labels, "spec.jobTemplate.metadata.labels", bad);
      checkPodTemplate(spec.jobTemplate?.spec?.template, "spec.jobTemplate.spec.template", bad);
      break;
    case "PodDisruptionBudget":
      checkSelector(spec.selector, "spec.selector", bad);
      break;
    case "NetworkPolicy":
      checkSelector(spec.podSelector, "spec.podSelector", bad);
      for (const [i, rule] of (spec.ingress ?? []).entries()) {
        for (const [j, peer] of (rule.from ?? []).entries()) {
          if (peer.podSelector) checkSelector(peer.podSelector, `spec.ingress[${i}].from[${j}].podSelector`, bad);
          if (peer.namespaceSelector)
            checkSelector(peer.namespaceSelector, `spec.ingress[${i}].from[${j}].namespaceSelector`, bad);
        }
        for (const [j, port] of (rule.ports ?? []).entries()) {
          if (
            typeof port.port === "string" ? !isPortName(port.port) : port.port !== undefined && !isPortNumber(port.port)
          ) {
            bad(`spec.ingress[${i}].ports[${j}].port`, "must be a port number 1-65535 or an IANA_SVC_NAME");
          }
        }
      }
      break;
    case "ServiceMonitor":
      checkSelector(spec.selector, "spec.selector", bad);
      for (const [i, e] of (spec.endpoints ?? []).entries()) {
        if (e.port !== undefined && !isPortName(e.port)) bad(`spec.endpoints[${i}].port`, "must name a Service port");
      }
      break;
  }
  return out;
}

type Bad = (path: string, why: string) => void;

function checkLabels(labels: unknown, path: string, bad: Bad): void {
  if (labels === undefined) return;
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    if (!isQualifiedName(key))
      bad(`${path}[${key}]`, "a label key must be a qualified name ([prefix/]name, name <= 63)");
    if (!isLabelValue(value))
      bad(
        `${path}[${key}]`,
        `label value ${JSON.stringify(value)} must be <= 63 characters of [-A-Za-z0-9_.], starting and ending alphanumeric`,
      );
  }
}

function checkAnnotations(annotations: unknown, path: string, bad: Bad): void {
  if (annotations === undefined) return;
  let size = 0;
  for (const [key, value] of Object.entries(annotations as Record<string, string>)) {
    if (!isQualifiedName(key.toLowerCase())) bad(`${path}[${key}]`, "an annotation key must be a qualified name");
    size += key.length + String(value).length;
  }
  if (size > 256 * 1024) bad(path, "annotations may not exceed 256 KiB in total");
}

function checkSelector(selector: AnyObject | undefined, path: string, bad: Bad): void {
  if (!selector) return;
  checkLabels(selector.matchLabels, `${path}.matchLabels`, bad);
  for (const [i, e] of (selector.matchExpressions ?? []).entries()) {
    if (!isQualifiedName(e.key)) bad(`${path}.matchExpressions[${i}].key`, "must be a qualified name");
    for (const v of e.values ?? [])
      if (!isLabelValue(v)) bad(`${path}.matchExpressions[${i}].values`, `${JSON.stringify(v)} is not a label value`);
  }
}

function checkQuantity(value: unknown, path: string, bad: Bad): void {
  if (value === undefined) return;
  if (typeof value !== "string" || parseQuantity(value) === undefined)
    bad(path, `${JSON.stringify(value)} is not a quantity`);
  else if ((parseQuantity(value) ?? 0) < 0) bad(path, "must be greater than or equal to 0");
}

function checkServicePorts(ports: AnyObject[], bad: Bad): void {
  const names = new Set<string>();
  for (const [i, p] of ports.entries()) {
    if (ports.length > 1 && p.name === undefined)
      bad(`spec.ports[${i}].name`, "required when there is more than one port");
    if (p.name !== undefined) {
      if (!isDns1123Label(p.name)) bad(`spec.ports[${i}].name`, "must be a DNS-1123 label");
      if (names.has(p.name)) bad(`spec.ports[${i}].name`, "Duplicate value");
      names.add(p.name);
    }
    if (!isPortNumber(p.port)) bad(`spec.ports[${i}].port`, "must be between 1 and 65535");
    if (
      typeof p.targetPort === "string"
        ? !isPortName(p.targetPort)
        : p.targetPort !== undefined && !isPortNumber(p.targetPort)
    ) {
      bad(`spec.ports[${i}].targetPort`, "must be 1-65535 or an IANA_SVC_NAME");
    }
  }
}

function checkPodTemplate(template: AnyObject | undefined, path: string, bad: Bad, claimNames: string[] = []): void {
  if (!template) return;
  checkLabels(template.metadata?.labels, `${path}.metadata.labels`, bad);
  checkAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`, bad);
  const pod: AnyObject = template.spec ?? {};
  const volumes = new Set<string>();
  for (const [i, v] of (pod.volumes ?? []).entries()) {
    if (!isDns1123Label(v.name)) bad(`${path}.spec.volumes[${i}].name`, "must be a DNS-1123 label");
    if (volumes.has(v.name)) bad(`${path}.spec.volumes[${i}].name`, "Duplicate value");
    volumes.add(v.name);
    if (v.persistentVolumeClaim && !isDns1123Subdomain(v.persistentVolumeClaim.claimName))
      bad(`${path}.spec.volumes[${i}].persistentVolumeClaim.claimName`, "must be a DNS-1123 subdomain");
    for (const ref of [v.secret?.secretName, v.configMap?.name])
      if (ref !== undefined && !isDns1123Subdomain(ref))
        bad(`${path}.spec.volumes[${i}]`, `${ref} is not a valid object name`);
  }
  if (pod.priorityClassName !== undefined && !isDns1123Subdomain(pod.priorityClassName))
    bad(`${path}.spec.priorityClassName`, "must be a DNS-1123 subdomain");
  const claims = new Set(claimNames);
  const containerNames = new Set<string>();
  const all = [
    ...(pod.initContainers ?? []).map((c: AnyObject) => ["initContainers", c]),
    ...(pod.containers ?? []).map((c: AnyObject) => ["containers", c]),
  ] as [string, AnyObject][];
  for (const [i, [group, c]] of all.entries()) {
    const at = `${path}.spec.${group}[${c.name ?? i}]`;
    if (!isDns1123Label(c.name)) bad(`${at}.name`, "must be a DNS-1123 label");
    if (containerNames.has(c.name)) bad(`${at}.name`, "Duplicate value");
    containerNames.add(c.name);
    if (typeof c.image !== "string" || c.image.trim() !== c.image || c.image === "")
      bad(`${at}.image`, "required, without leading or trailing whitespace");
    const portNames = new Set<string>();
    for (const [j, p] of (c.ports ?? []).entries()) {
      if (!isPortNumber(p.containerPort)) bad(`${at}.ports[${j}].containerPort`, "must be between 1 and 65535");
      if (p.name !== undefined) {
        if (!isPortName(p.name))
          bad(`${at}.ports[${j}].name`, `${JSON.stringify(p.name)} must be an IANA_SVC_NAME (<= 15 characters)`);
        if (portNames.has(p.name)) bad(`${at}.ports[${j}].name`, "Duplicate value");
        portNames.add(p.name);
      }
    }
    for (const [j, e] of (c.env ?? []).entries()) {
      if (typeof e.name !== "string" || !ENV_VAR_NAME.test(e.name))
        bad(`${at}.env[${j}].name`, `${JSON.stringify(e.name)} is not a valid environment variable name`);
      if (e.valueFrom?.secretKeyRef && !isDns1123Subdomain(e.valueFrom.secretKeyRef.name))
        bad(`${at}.env[${j}].valueFrom`, "Secret name");
    }
    for (const [j, m] of (c.volumeMounts ?? []).entries()) {
      if (!volumes.has(m.name) && !claims.has(m.name))
        bad(`${at}.volumeMounts[${j}].name`, `${m.name} names no volume`);
    }
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
      if (port !== undefined && (typeof port === "string" ? !isPortName(port) : !isPortNumber(port)))
        bad(`${at}.${probe}`, "port must be 1-65535 or an IANA_SVC_NAME");
    }
  }
}

/** apiViolations of every object in a list. */
export function apiViolationsOfAll(objects: object[]): string[] {
  return objects.flatMap((o) => apiViolations(o as AnyObject));
}
