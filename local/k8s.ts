// Reading plain Kubernetes objects (as `kubectl get -o json` shows them):
// lookups, Secret decoding, label selectors and resource quantities. Kept apart
// so the process/network code never has to know the shape of the manifests.
import * as os from "os";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type K8sObject = any;

export type SecretValues = Record<string, Record<string, string>>;

export class ObjectStore {
  constructor(
    readonly objects: K8sObject[],
    private readonly secretValues: SecretValues = {},
  ) {}

  ofKind(kind: string): K8sObject[] {
    return this.objects.filter((o) => o && o.kind === kind);
  }

  find(kind: string, name: string): K8sObject | undefined {
    return this.ofKind(kind).find((o) => o.metadata?.name === name);
  }

  statefulSet(): K8sObject {
    const sts = this.ofKind("StatefulSet");
    if (sts.length !== 1) throw new Error(`expected exactly one StatefulSet in the objects, found ${sts.length}`);
    return sts[0];
  }

  namespace(): string {
    return this.statefulSet().metadata?.namespace ?? "default";
  }

  /** A ConfigMap's data as strings (binaryData decoded too). */
  configMapData(name: string): Record<string, Buffer> | undefined {
    const cm = this.find("ConfigMap", name);
    if (!cm) return undefined;
    const out: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(String(v));
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = Buffer.from(String(v), "base64");
    return out;
  }

  /** A Secret's data: base64 `data`, then `stringData`, then the caller's secretValues win. */
  secretData(name: string): Record<string, Buffer> | undefined {
    const s = this.find("Secret", name);
    const override = this.secretValues[name];
    if (!s && !override) return undefined;
    const out: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(s?.data ?? {})) out[k] = Buffer.from(String(v), "base64");
    for (const [k, v] of Object.entries(s?.stringData ?? {})) out[k] = Buffer.from(String(v));
    for (const [k, v] of Object.entries(override ?? {})) out[k] = Buffer.from(v);
    return out;
  }
}

/** Set by the StatefulSet controller on every pod it creates. */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

/**
 * Whether a Service's selector can pick pods of StatefulSet `stsName` with
 * template labels `labels`: a pod-name term must name one of its pods.
 */
export function selectsStatefulSetPods(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
  stsName: string,
): boolean {
  const podName = selector?.[POD_NAME_LABEL];
  if (podName !== undefined && !new RegExp(`^${stsName}-[0-9]+$`).test(podName)) return false;
  // A key the template does not set may be written on a pod later (through the API: the
  // failover agents' role label), so it does not rule the Service out.
  const runtime = Object.fromEntries(
    Object.entries(selector ?? {}).filter(([k]) => k !== POD_NAME_LABEL && labels[k] === undefined),
  );
  return selectorMatches(selector, {
    ...labels,
    ...runtime,
    ...(podName === undefined ? {} : { [POD_NAME_LABEL]: podName }),
  });
}

export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false; // a Service without selector has no endpoints
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const BINARY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parse a Kubernetes quantity ("512Mi", "500m", "1.5", "2e3") into a plain number. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) throw new Error(`cannot parse quantity ${JSON.stringify(q)}`);
  const [, num, suffix] = m;
  const mult = BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix];
  if (mult === undefined) throw new Error(`unknown quantity suffix in ${JSON.stringify(q)}`);
  return Number(num) * mult;
}

/**
 * What the downward API gives for resourceFieldRef: the container's value
 * divided by divisor, rounded up; without a limit the node's capacity (as the
 * kubelet does).
 */
export function resourceFieldValue(container: K8sObject, resource: string, divisor?: string): string {
  const [kind, res] = resource.split(".");
  const section = kind === "limits" ? container.resources?.limits : container.resources?.requests;
  let value = parseQuantity(section?.[res]);
  if (value === undefined && kind === "limits")
    value = res === "memory" ? os.totalmem() : res === "cpu" ? os.cpus().length : undefined;
  if (value === undefined) value = 0;
  const div = parseQuantity(divisor ?? "1") || 1;
  return String(Math.ceil(value / div - 1e-9));
}

/** Repository part of an image reference: "docker.io/library/mariadb:11.4@sha256:.." -> "mariadb". */
export function imageRepository(image: string): string {
  let ref = image.split("@")[0];
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > lastSlash) ref = ref.slice(0, colon);
  const parts = ref.split("/");
  // Drop a registry host (has a dot or port, or is localhost) and the implicit "library/".
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost")) parts.shift();
  if (parts[0] === "library") parts.shift();
  return parts.join("/");
}
