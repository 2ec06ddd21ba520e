// Reading plain Kubernetes objects (as `kubectl get -o json` shows them):
// lookups, Secret decoding, label selectors and resource quantities. Kept apart
// so the process/network code never has to know the shape of the manifests.
import * as os from "os";
import { parseQuantity } from "../components/mysql-cluster/quantity";

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

/**
 * A quantity as a manifest holds it ("512Mi", "500m", or a bare number from a
 * hand-written object) in base units, read by the component's own parser so the
 * runner sizes a claim exactly as validation and the API server read it;
 * undefined when absent, an error when the API server would refuse it.
 */
export function quantityValue(q: string | number | undefined): number | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q === "number") return q;
  const value = parseQuantity(q);
  if (value === undefined) throw new Error(`cannot parse quantity ${JSON.stringify(q)}`);
  return value;
}

/**
 * What the downward API gives for resourceFieldRef: the container's value
 * divided by divisor, rounded up; without a limit the node's capacity (as the
 * kubelet does).
 */
export function resourceFieldValue(container: K8sObject, resource: string, divisor?: string): string {
  const [kind, res] = resource.split(".");
  const section = kind === "limits" ? container.resources?.limits : container.resources?.requests;
  let value = quantityValue(section?.[res]);
  if (value === undefined && kind === "limits")
    value = res === "memory" ? os.totalmem() : res === "cpu" ? os.cpus().length : undefined;
  if (value === undefined) value = 0;
  const div = quantityValue(divisor ?? "1") || 1;
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
