// A container's environment as the kubelet computes it: envFrom, env values
// with $(VAR) expansion, Secret/ConfigMap key refs, the downward API. Errors
// here are what Kubernetes reports as CreateContainerConfigError.
import { K8sObject, ObjectStore, resourceFieldValue } from "./k8s";

export class ContainerConfigError extends Error {}

export interface PodFacts {
  podName: string;
  namespace: string;
  podIp: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccountName: string;
  uid: string;
}

/** Kubernetes $(VAR) expansion: $$ escapes, unknown references stay as written. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => {
    if (m === "$$") return "$";
    return name !== undefined && name in env ? env[name] : m;
  });
}

function fieldRef(path: string, pod: PodFacts): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (label[1] === "labels" ? pod.labels : pod.annotations)[label[2]] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.podName;
    case "metadata.namespace":
      return pod.namespace;
    case "metadata.uid":
      return pod.uid;
    case "status.podIP":
      return pod.podIp;
    case "status.podIPs":
      return pod.podIp;
    case "status.hostIP":
    case "status.hostIPs":
      return pod.podIp.replace(/\.\d+$/, ".1");
    case "spec.nodeName":
      return "local-node";
    case "spec.serviceAccountName":
      return pod.serviceAccountName;
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${path}`);
  }
}

function keyRef(store: ObjectStore, kind: "secret" | "configmap", ref: K8sObject): string | undefined {
  const data = kind === "secret" ? store.secretData(ref.name) : store.configMapData(ref.name);
  if (!data) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
  }
  const v = data[ref.key];
  if (v === undefined) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${kind} ${ref.name} has no key ${ref.key}`);
  }
  return v.toString();
}

export function containerEnv(
  container: K8sObject,
  podSpec: K8sObject,
  pod: PodFacts,
  store: ObjectStore,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const src of container.envFrom ?? []) {
    const prefix: string = src.prefix ?? "";
    const ref = src.secretRef ?? src.configMapRef;
    const data = src.secretRef ? store.secretData(ref.name) : store.configMapData(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${src.secretRef ? "secret" : "configmap"} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) env[prefix + k] = v.toString();
  }
  for (const e of container.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom) {
      const vf = e.valueFrom;
      if (vf.secretKeyRef) value = keyRef(store, "secret", vf.secretKeyRef);
      else if (vf.configMapKeyRef) value = keyRef(store, "configmap", vf.configMapKeyRef);
      else if (vf.fieldRef) value = fieldRef(vf.fieldRef.fieldPath, pod);
      else if (vf.resourceFieldRef) {
        const target =
          (podSpec.containers ?? [])
            .concat(podSpec.initContainers ?? [])
            .find((c: K8sObject) => c.name === (vf.resourceFieldRef.containerName ?? container.name)) ?? container;
        value = resourceFieldValue(target, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor);
      } else throw new ContainerConfigError(`env ${e.name}: unsupported valueFrom`);
    } else {
      value = expand(String(e.value ?? ""), env);
    }
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}
