// What the local API server writes: Status error bodies, and Lease and Event
// objects decoded, validated and encoded as the real server does, down to the
// field order of Go's JSON encoder and the managedFields noise a real object
// carries (so a client that greps the body instead of parsing it breaks here).

/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyObject = Record<string, any>;

export const LEASES = {
  group: "coordination.k8s.io",
  resource: "leases",
  kind: "Lease",
  apiVersion: "coordination.k8s.io/v1",
};
export const PODS = { group: "", resource: "pods", kind: "Pod", apiVersion: "v1" };
export const EVENTS = { group: "", resource: "events", kind: "Event", apiVersion: "v1" };
/** Read only here: the failover agents read their StatefulSet's replicas. */
export const STATEFULSETS = { group: "apps", resource: "statefulsets", kind: "StatefulSet", apiVersion: "apps/v1" };
export type ResourceInfo = typeof LEASES;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: AnyObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message as string);
  }
}

/** "leases.coordination.k8s.io", "pods" (schema.GroupResource.String). */
export const qualified = (r: ResourceInfo): string => (r.group ? `${r.resource}.${r.group}` : r.resource);

/** A metav1.Status in Go's field order (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go). */
export function statusBody(code: number, reason: string, message: string, details?: AnyObject): AnyObject {
  const s: AnyObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason };
  if (details) s.details = details;
  s.code = code;
  return s;
}

function details(r: ResourceInfo, name: string, extra: AnyObject = {}): AnyObject {
  const d: AnyObject = {};
  if (name) d.name = name;
  if (r.group) d.group = r.group;
  d.kind = r.resource;
  return { ...d, ...extra };
}

// The constructors below follow staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go.
export const errors = {
  unauthorized: () => new ApiError(401, statusBody(401, "Unauthorized", "Unauthorized")),
  forbidden: (r: ResourceInfo, name: string, why: string) =>
    new ApiError(
      403,
      statusBody(403, "Forbidden", `${qualified(r)}${name ? ` "${name}"` : ""} is forbidden: ${why}`, details(r, name)),
    ),
  notFound: (r: ResourceInfo, name: string) =>
    new ApiError(404, statusBody(404, "NotFound", `${qualified(r)} "${name}" not found`, details(r, name))),
  /** OptimisticLockErrorMsg, staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go. */
  conflict: (
    r: ResourceInfo,
    name: string,
    why = "the object has been modified; please apply your changes to the latest version and try again",
  ) =>
    new ApiError(
      409,
      statusBody(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`,
        details(r, name),
      ),
    ),
  alreadyExists: (r: ResourceInfo, name: string) =>
    new ApiError(409, statusBody(409, "AlreadyExists", `${qualified(r)} "${name}" already exists`, details(r, name))),
  badRequest: (message: string) => new ApiError(400, statusBody(400, "BadRequest", message)),
  /** NewInvalid: kind is the qualified kind ("Lease.coordination.k8s.io" or, for the resourceVersion check, the resource). */
  invalid: (kind: string, group: string, name: string, causes: { field: string; message: string }[]) => {
    const all = causes.map((c) => `${c.field}: ${c.message}`);
    const text = all.length === 1 ? all[0] : `[${all.join(", ")}]`;
    const d: AnyObject = { name };
    if (group) d.group = group;
    d.kind = kind;
    d.causes = causes.map((c) => ({ reason: "FieldValueInvalid", message: c.message, field: c.field }));
    return new ApiError(
      422,
      statusBody(422, "Invalid", `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${text}`, d),
    );
  },
  unsupportedMediaType: (type: string) =>
    new ApiError(
      415,
      statusBody(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (the local API server models only merge patches; got ${JSON.stringify(type)})`,
      ),
    ),
  methodNotSupported: (r: ResourceInfo, verb: string) =>
    new ApiError(
      405,
      statusBody(
        405,
        "MethodNotAllowed",
        `${verb} is not supported on resources of kind "${qualified(r)}"`,
        details(r, ""),
      ),
    ),
  notFoundPath: () =>
    new ApiError(404, statusBody(404, "NotFound", "the server could not find the requested resource")),
  /** What an injected fault answers (500/503/429 and the rest), shaped like the real ones. */
  injected: (code: number) => {
    if (code === 429)
      return new ApiError(
        429,
        statusBody(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: 1 }),
        { "Retry-After": "1" },
      );
    if (code === 503)
      return new ApiError(
        503,
        statusBody(503, "ServiceUnavailable", "the server is currently unable to handle the request"),
      );
    if (code === 504)
      return new ApiError(
        504,
        statusBody(504, "Timeout", "the server was unable to return a response in the time allotted"),
      );
    return new ApiError(
      code,
      statusBody(code, "InternalError", "Internal error occurred: injected fault", {
        causes: [{ message: "injected fault" }],
      }),
    );
  },
};

/** Field.Invalid's value rendering (%#v-like for the scalars used here). */
const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : String(v));

/** RFC3339Micro, the MicroTime wire format: 2006-01-02T15:04:05.000000Z07:00 (apimachinery/pkg/apis/meta/v1/micro_time.go). */
const MICRO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

/** A MicroTime as the server re-encodes it: always in UTC (MicroTime.MarshalJSON: m.UTC().Format(RFC3339Micro)). */
function microTime(v: unknown, field: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  const m = typeof v === "string" ? MICRO_TIME.exec(v) : null;
  if (!m)
    throw errors.badRequest(
      `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00" (field ${field})`,
    );
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7].slice(0, 3)}${m[8]}`);
  if (Number.isNaN(ms))
    throw errors.badRequest(
      `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)}: out of range (field ${field})`,
    );
  return new Date(ms).toISOString().slice(0, 19) + "." + m[7] + "Z";
}

function decodeError(kind: string, field: string, want: string, v: unknown): ApiError {
  return errors.badRequest(
    `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into Go struct field ${field} of type ${want}`,
  );
}

function int32(v: unknown, kind: string, field: string): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < -2147483648 || v > 2147483647)
    throw decodeError(kind, field, "int32", v);
  return v;
}

function str(v: unknown, kind: string, field: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "string") throw decodeError(kind, field, "string", v);
  return v;
}

function stringMap(v: unknown, kind: string, field: string): Record<string, string> | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw decodeError(kind, field, "map[string]string", v);
  for (const x of Object.values(v as AnyObject)) if (typeof x !== "string") throw decodeError(kind, field, "string", x);
  return v as Record<string, string>;
}

/** The stored metadata in ObjectMeta's field order. */
export function orderedMeta(m: AnyObject): AnyObject {
  const out: AnyObject = {};
  for (const k of [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
  ])
    if (m[k] !== undefined && m[k] !== null) out[k] = m[k];
  return out;
}

/**
 * A Lease body decoded as the server's JSON decoder would: wrong types are a
 * 400 (a decode error, before validation), then ValidateLeaseSpec's rules are a
 * 422 (pkg/apis/coordination/validation/validation.go).
 */
export function decodeLease(body: AnyObject, name: string): AnyObject {
  const spec = body.spec ?? {};
  if (typeof spec !== "object" || Array.isArray(spec)) throw decodeError("Lease", "Lease.spec", "v1.LeaseSpec", spec);
  const meta = body.metadata ?? {};
  const out: AnyObject = {
    metadata: {
      name: str(meta.name, "Lease", "Lease.metadata.name"),
      namespace: str(meta.namespace, "Lease", "Lease.metadata.namespace"),
      resourceVersion: str(meta.resourceVersion, "Lease", "Lease.metadata.resourceVersion"),
      labels: stringMap(meta.labels, "Lease", "Lease.metadata.labels"),
      annotations: stringMap(meta.annotations, "Lease", "Lease.metadata.annotations"),
    },
    spec: {} as AnyObject,
  };
  const s: AnyObject = {
    holderIdentity: str(spec.holderIdentity, "Lease", "LeaseSpec.spec.holderIdentity"),
    leaseDurationSeconds: int32(spec.leaseDurationSeconds, "Lease", "LeaseSpec.spec.leaseDurationSeconds"),
    acquireTime: microTime(spec.acquireTime, "spec.acquireTime"),
    renewTime: microTime(spec.renewTime, "spec.renewTime"),
    leaseTransitions: int32(spec.leaseTransitions, "Lease", "LeaseSpec.spec.leaseTransitions"),
  };
  for (const [k, v] of Object.entries(s)) if (v !== undefined) out.spec[k] = v;
  const causes: { field: string; message: string }[] = [];
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0)
    causes.push({
      field: "spec.leaseDurationSeconds",
      message: `Invalid value: ${show(s.leaseDurationSeconds)}: must be greater than 0`,
    });
  if (s.leaseTransitions !== undefined && s.leaseTransitions < 0)
    causes.push({
      field: "spec.leaseTransitions",
      message: `Invalid value: ${show(s.leaseTransitions)}: must be greater than or equal to 0`,
    });
  if (causes.length) throw errors.invalid("Lease", LEASES.group, name, causes);
  return out;
}

/** Core v1 Event decoded; legacy event validation (pkg/apis/core/validation/events.go): the namespaces must agree, type Normal|Warning. */
export function decodeEvent(body: AnyObject, namespace: string): AnyObject {
  const meta = body.metadata ?? {};
  const name = str(meta.name, "Event", "Event.metadata.name") ?? "";
  const inv = body.involvedObject ?? {};
  const causes: { field: string; message: string }[] = [];
  if (!name) causes.push({ field: "metadata.name", message: "Required value: name or generateName is required" });
  if (inv.namespace && inv.namespace !== namespace)
    causes.push({
      field: "involvedObject.namespace",
      message: `Invalid value: ${show(inv.namespace)}: does not match event.namespace`,
    });
  if (body.type !== undefined && body.type !== "Normal" && body.type !== "Warning")
    causes.push({
      field: "type",
      message: `Unsupported value: ${show(body.type)}: supported values: "Normal", "Warning"`,
    });
  if (causes.length) throw errors.invalid("Event", "", name, causes);
  const out: AnyObject = { metadata: { name, namespace } };
  for (const k of [
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "type",
    "eventTime",
    "reportingComponent",
    "reportingInstance",
  ])
    if (body[k] !== undefined) out[k] = body[k];
  return out;
}

/** RFC 7386 JSON merge patch (what application/merge-patch+json means to the API server). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: AnyObject =
    target && typeof target === "object" && !Array.isArray(target) ? { ...(target as AnyObject) } : {};
  for (const [k, v] of Object.entries(patch as AnyObject)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * managedFields as server-side field tracking records an Update: one entry
 * per manager listing every field it set as "f:<name>" keys. Noise for a
 * client parser: it repeats spec's field names inside metadata.
 */
export function managedFieldsFor(obj: AnyObject, manager: string, apiVersion: string, time: string): AnyObject[] {
  const fieldsOf = (o: AnyObject): AnyObject => {
    const f: AnyObject = {};
    for (const [k, v] of Object.entries(o))
      f[`f:${k}`] = v && typeof v === "object" && !Array.isArray(v) ? { ".": {}, ...fieldsOf(v) } : {};
    return f;
  };
  const fields: AnyObject = {};
  const metaFields: AnyObject = {};
  for (const k of ["labels", "annotations"])
    if (obj.metadata?.[k]) metaFields[`f:${k}`] = { ".": {}, ...fieldsOf(obj.metadata[k]) };
  if (Object.keys(metaFields).length) fields["f:metadata"] = metaFields;
  for (const [k, v] of Object.entries(obj))
    if (k !== "metadata" && k !== "kind" && k !== "apiVersion" && v && typeof v === "object")
      fields[`f:${k}`] = fieldsOf(v);
  return [{ manager, operation: "Update", apiVersion, time, fieldsType: "FieldsV1", fieldsV1: fields }];
}

/** metav1.Time: RFC 3339 in seconds, UTC. */
export const nowTime = (): string => new Date().toISOString().slice(0, 19) + "Z";
