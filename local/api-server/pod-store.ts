// The pods the local API server answers for. The runner backs this with its
// real pods (so a label patch re-selects its Services, as kube-proxy follows
// the EndpointSlices); tests use the in-memory store below.

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyObject = Record<string, any>;

export interface MetadataPatch {
  /** A value of null removes the key (RFC 7386). */
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
}

export interface PodStore {
  /** The pod as a core/v1 Pod object, or undefined when there is no such pod. */
  get(namespace: string, name: string): AnyObject | undefined;
  /** Applies the label/annotation changes and returns the updated pod. */
  patchMetadata(namespace: string, name: string, patch: MetadataPatch): AnyObject;
}

/** A label or annotation map with a merge patch applied (RFC 7386: null removes); a new object. */
export function applyMap(
  current: Record<string, string> | undefined,
  patch: Record<string, string | null> | undefined,
) {
  if (patch === undefined) return current;
  const out = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export class InMemoryPodStore implements PodStore {
  private pods = new Map<string, AnyObject>();

  add(pod: AnyObject): void {
    this.pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, structuredClone(pod));
  }

  get(namespace: string, name: string): AnyObject | undefined {
    const p = this.pods.get(`${namespace}/${name}`);
    return p && structuredClone(p);
  }

  patchMetadata(namespace: string, name: string, patch: MetadataPatch): AnyObject {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) throw new Error(`no pod ${namespace}/${name}`);
    p.metadata.labels = applyMap(p.metadata.labels, patch.labels);
    p.metadata.annotations = applyMap(p.metadata.annotations, patch.annotations);
    return structuredClone(p);
  }
}
