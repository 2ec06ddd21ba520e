// A small Kubernetes API server for the local runner: exactly the objects the
// failover agent uses (coordination.k8s.io/v1 Leases, core/v1 Pod labels and
// annotations, core/v1 Events) with the real server's semantics, so the pods'
// API client is proven against conflicts, RBAC, TLS and faults here.
//
// Request path, in the real server's order (staging/src/k8s.io/apiserver/pkg/server/config.go
// DefaultBuildHandlerChain: authentication, then authorization, then the REST handler):
//  1. injected faults (latency, an error status, or no answer at all), per client IP or global;
//  2. authentication: "Authorization: Bearer <token>" with a token this server minted; an
//     unknown token is 401; no token is the anonymous user (kubeadm leaves --anonymous-auth on),
//     which RBAC then refuses (403);
//  3. authorization: rbac.ts, with the RequestInfo attributes (verb, group, resource, name);
//  4. the REST handler: the storage rules for each resource below.
// resourceVersion is one global counter, bumped by every write (etcd's revision).
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as https from "https";
import type { IncomingMessage, ServerResponse } from "http";
import type { Socket } from "net";
import * as os from "os";
import * as path from "path";
import {
  AnyObject,
  ApiError,
  decodeEvent,
  decodeLease,
  errors,
  EVENTS,
  LEASES,
  managedFieldsFor,
  mergePatch,
  nowTime,
  orderedMeta,
  PODS,
  STATEFULSETS,
  ResourceInfo,
} from "./objects";
import { PodStore } from "./pod-store";
import { Attributes, forbiddenMessage, RbacAuthorizer, serviceAccountUser, UserInfo } from "./rbac";
import { generateCa, generateServingCert } from "./tls";

export interface Fault {
  /** Delay before the request is handled. */
  latencyMs?: number;
  /** Answer every request with this status (500, 503, 429...) and a matching Status body. */
  status?: number;
  /** Accept the connection and the request, never answer. */
  blackhole?: true;
}

export interface RequestLogEntry {
  time: number;
  method: string;
  /** The path with its query string. */
  path: string;
  sourceIp: string;
  httpVersion: string;
  /** 0 while unanswered (and forever for a blackholed request). */
  status: number;
  /** The request body (PUT/PATCH) or delete preconditions carried a metadata.resourceVersion. */
  carriedResourceVersion: boolean;
  /** The authenticated user, when there was one. */
  user?: string;
}

export interface ApiServerOptions {
  /** The IP to listen on (the runner's bridge gateway IP); also a SAN of the serving certificate. */
  host: string;
  /** 0 or absent: an ephemeral port. */
  port?: number;
  podStore?: PodStore;
  /** The StatefulSets the server answers GETs for (the runner's applied objects); read only. */
  statefulSets?: (namespace: string, name: string) => AnyObject | undefined;
}

const MAX_BODY = 1 << 20;
const PATCH_TYPE = "application/merge-patch+json";

interface Route {
  info: ResourceInfo | undefined;
  namespace: string;
  resource: string;
  group: string;
  name: string;
  subresource: string;
  verb: string;
  query: URLSearchParams;
}

/** RequestInfo for the namespaced paths this server knows (requestinfo.go's RequestInfoFactory). */
function parseRoute(method: string, url: URL): Route | undefined {
  const parts = url.pathname.split("/").filter((p) => p !== "");
  let group: string;
  let rest: string[];
  if (parts[0] === "api" && parts[1] === "v1") {
    group = "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1];
    rest = parts.slice(3);
    if (!((group === LEASES.group || group === STATEFULSETS.group) && parts[2] === "v1")) return undefined;
  } else return undefined;
  if (rest[0] !== "namespaces" || rest.length < 3 || rest.length > 5) return undefined;
  const [, namespace, resource, name = "", subresource = ""] = rest;
  let verb =
    { POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete", GET: "get" }[method] ?? method.toLowerCase();
  let reqName = name;
  if (!name && verb === "get") {
    const w = url.searchParams.get("watch");
    verb = w === "true" || w === "1" ? "watch" : "list";
    // A list/watch selecting one name by fieldSelector carries that name (requestinfo.go).
    const m = /^metadata\.name=([^,]+)$/.exec(url.searchParams.get("fieldSelector") ?? "");
    if (m) reqName = m[1];
  }
  if (!name && verb === "delete") verb = "deletecollection";
  const info = [LEASES, PODS, EVENTS, STATEFULSETS].find((r) => r.group === group && r.resource === resource);
  return { info, namespace, resource, group, name: reqName, subresource, verb, query: url.searchParams };
}

export class LocalApiServer {
  readonly host: string;
  port = 0;
  /** The CA a pod verifies the server with (its service-account ca.crt). */
  caPath = "";
  readonly requests: RequestLogEntry[] = [];
  private dir = "";
  private server?: https.Server;
  private sockets = new Set<Socket>();
  private tokens = new Map<string, UserInfo>();
  private rbac = new RbacAuthorizer();
  private faults = new Map<string, Fault>();
  private leases = new Map<string, AnyObject>();
  private events = new Map<string, AnyObject>();
  private podRv = new Map<string, string>();
  private revision = 1;
  private podStore?: PodStore;
  private statefulSets?: ApiServerOptions["statefulSets"];

  constructor(opts: ApiServerOptions) {
    this.host = opts.host;
    this.port = opts.port ?? 0;
    this.podStore = opts.podStore;
    this.statefulSets = opts.statefulSets;
  }

  /** Generates the certificates and starts listening. */
  async start(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-api-server-"));
    const ca = await generateCa(this.dir);
    this.caPath = ca.certPath;
    const serving = await generateServingCert(this.dir, ca, this.host);
    fs.rmSync(ca.keyPath); // nothing else is ever signed
    const server = https.createServer({
      cert: fs.readFileSync(serving.certPath),
      key: fs.readFileSync(serving.keyPath),
    });
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    server.on("secureConnection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.host, () => {
        server.off("error", reject);
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  get url(): string {
    return `https://${this.host}:${this.port}`;
  }

  /** A bearer token for system:serviceaccount:<namespace>:<name>; earlier tokens stay valid (until revoked). */
  mintToken(namespace: string, serviceAccountName: string): string {
    const token = randomBytes(32).toString("base64url");
    this.tokens.set(token, serviceAccountUser(namespace, serviceAccountName));
    return token;
  }

  /** An expired or deleted token: 401 from now on. */
  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  /** Adds Roles, RoleBindings (and ClusterRoles, ClusterRoleBindings); other objects are ignored. */
  loadRbac(objects: AnyObject[]): void {
    this.rbac.load(objects);
  }

  setFault(ip: string, fault: Fault): void {
    this.faults.set(ip, fault);
  }

  /** Clears the fault of one IP ("*": the global one); no argument clears all. */
  clearFault(ip?: string): void {
    if (ip === undefined) this.faults.clear();
    else this.faults.delete(ip);
  }

  /** The current resourceVersion (the last write's). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Seeds (or replaces) a Lease or an Event as if its creator wrote it; returns the stored object. */
  putObject(obj: AnyObject): AnyObject {
    const ns = obj.metadata?.namespace ?? "default";
    if (obj.kind === "Lease") {
      const decoded = decodeLease(obj, obj.metadata?.name ?? "");
      const existing = this.leases.get(`${ns}/${decoded.metadata.name}`);
      return this.writeLease(ns, decoded, existing, "pulumi-kubernetes");
    }
    if (obj.kind === "Event") {
      const ev = this.stamp(decodeEvent(obj, ns), undefined, "pulumi-kubernetes", EVENTS.apiVersion);
      this.events.set(`${ns}/${ev.metadata.name}`, ev);
      return this.encode(EVENTS, ev);
    }
    throw new Error(`putObject: the local API server stores Leases and Events, not ${String(obj.kind)}`);
  }

  /** The stored Lease or Event as the server would answer it, or undefined. */
  getObject(kind: "Lease" | "Event", namespace: string, name: string): AnyObject | undefined {
    const r = kind === "Lease" ? LEASES : EVENTS;
    const o = (kind === "Lease" ? this.leases : this.events).get(`${namespace}/${name}`);
    return o && this.encode(r, o);
  }

  listEvents(namespace: string): AnyObject[] {
    return [...this.events.values()]
      .filter((e) => e.metadata.namespace === namespace)
      .map((e) => this.encode(EVENTS, e));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) {
      const server = this.server;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sourceIp = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    const entry: RequestLogEntry = {
      time: Date.now(),
      method: req.method ?? "",
      path: req.url ?? "",
      sourceIp,
      httpVersion: req.httpVersion,
      status: 0,
      carriedResourceVersion: false,
    };
    this.requests.push(entry);
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    let body: unknown = undefined;
    if (raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = Symbol.for("invalid");
      }
    }
    const meta = (body as AnyObject | undefined)?.metadata;
    const pre = (body as AnyObject | undefined)?.preconditions;
    entry.carriedResourceVersion = Boolean(meta?.resourceVersion || pre?.resourceVersion);

    const fault = this.faults.get(sourceIp) ?? this.faults.get("*");
    if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault?.blackhole) return; // the socket stays open until the client gives up or close()
    const send = (code: number, obj: AnyObject, headers: Record<string, string> = {}) => {
      entry.status = code;
      write(req, res, code, obj, headers);
    };
    try {
      if (fault?.status) throw errors.injected(fault.status);
      const user = this.authenticate(req);
      entry.user = user.name;
      const url = new URL(req.url ?? "/", "https://local");
      const route = parseRoute(req.method ?? "GET", url);
      if (!route) throw errors.notFoundPath();
      const attrs: Attributes = {
        user,
        verb: route.verb,
        namespace: route.namespace,
        apiGroup: route.group,
        resource: route.resource,
        subresource: route.subresource,
        name: route.name,
      };
      const info = route.info ?? { ...LEASES, group: route.group, resource: route.resource };
      if (!this.rbac.authorize(attrs)) throw errors.forbidden(info, route.name, forbiddenMessage(attrs));
      if (!route.info || route.subresource) throw errors.notFoundPath();
      if (body === Symbol.for("invalid")) throw errors.badRequest("the request body is not valid JSON");
      const manager = (req.headers["user-agent"] ?? "unknown").split("/")[0] || "unknown";
      const ctype = (req.headers["content-type"] ?? "").split(";")[0].trim();
      const [code, out] = this.dispatch(route, (body ?? {}) as AnyObject, ctype, manager);
      send(code, out);
    } catch (e) {
      if (e instanceof ApiError) send(e.code, e.status, e.headers);
      else send(500, errors.injected(500).status);
    }
  }

  private authenticate(req: IncomingMessage): UserInfo {
    const h = req.headers.authorization;
    if (h === undefined) return { name: "system:anonymous", groups: ["system:unauthenticated"] };
    const m = /^Bearer (\S+)$/.exec(h);
    const user = m && this.tokens.get(m[1]);
    if (!user) throw errors.unauthorized();
    return user;
  }

  /** GET of a StatefulSet the runner applied (the agents read spec.replicas); nothing else is modelled. */
  private statefulSetRequest(r: Route): [number, AnyObject] {
    if (r.verb !== "get") throw errors.methodNotSupported(STATEFULSETS, r.verb);
    const sts = this.statefulSets?.(r.namespace, r.name);
    if (!sts) throw errors.notFound(STATEFULSETS, r.name);
    return [200, sts];
  }

  private dispatch(r: Route, body: AnyObject, ctype: string, manager: string): [number, AnyObject] {
    if (r.info === LEASES) return this.leaseRequest(r, body, ctype, manager);
    if (r.info === PODS) return this.podRequest(r, body, ctype);
    if (r.info === STATEFULSETS) return this.statefulSetRequest(r);
    return this.eventRequest(r, body);
  }

  private bump(): string {
    this.revision += 1;
    return String(this.revision);
  }

  /** Adds the server-set metadata of a write: uid and creationTimestamp kept from `existing`, a new resourceVersion, managedFields. */
  private stamp(obj: AnyObject, existing: AnyObject | undefined, manager: string, apiVersion: string): AnyObject {
    const m = obj.metadata;
    m.uid = existing?.metadata.uid ?? randomUUID();
    m.creationTimestamp = existing?.metadata.creationTimestamp ?? nowTime();
    m.resourceVersion = this.bump();
    m.managedFields = managedFieldsFor(obj, manager, apiVersion, nowTime());
    return obj;
  }

  private encode(r: ResourceInfo, o: AnyObject): AnyObject {
    const { metadata, ...rest } = o;
    const out: AnyObject = { kind: r.kind, apiVersion: r.apiVersion, metadata: orderedMeta(metadata) };
    if (r === LEASES) {
      const spec: AnyObject = {};
      for (const k of ["holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime", "leaseTransitions"])
        if (rest.spec?.[k] !== undefined) spec[k] = rest.spec[k];
      out.spec = spec;
      return out;
    }
    return { ...out, ...rest };
  }

  /** Writes a decoded Lease; an update that changes nothing is not written (store.go, TestNoOpUpdates). */
  private writeLease(ns: string, decoded: AnyObject, existing: AnyObject | undefined, manager: string): AnyObject {
    const name = decoded.metadata.name;
    const next: AnyObject = {
      metadata: { name, namespace: ns, labels: decoded.metadata.labels, annotations: decoded.metadata.annotations },
      spec: decoded.spec,
    };
    if (existing) {
      const same =
        JSON.stringify([existing.spec, existing.metadata.labels, existing.metadata.annotations]) ===
        JSON.stringify([next.spec, next.metadata.labels, next.metadata.annotations]);
      if (same) return this.encode(LEASES, existing);
    }
    const stored = this.stamp(next, existing, manager, LEASES.apiVersion);
    this.leases.set(`${ns}/${name}`, stored);
    return this.encode(LEASES, stored);
  }

  private checkBodyName(r: Route, body: AnyObject): void {
    const bname = body.metadata?.name;
    if (bname !== undefined && bname !== r.name)
      throw errors.badRequest(
        `the name of the object (${String(bname)}) does not match the name on the URL (${r.name})`,
      );
    const bns = body.metadata?.namespace;
    if (bns !== undefined && bns !== "" && bns !== r.namespace)
      throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }

  // Lease storage: pkg/registry/coordination/lease/strategy.go (AllowCreateOnUpdate true,
  // AllowUnconditionalUpdate false) over the generic store
  // (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go Update).
  private leaseRequest(r: Route, body: AnyObject, ctype: string, manager: string): [number, AnyObject] {
    const key = `${r.namespace}/${r.name}`;
    const existing = r.name ? this.leases.get(key) : undefined;
    switch (r.verb) {
      case "get":
        if (!existing) throw errors.notFound(LEASES, r.name);
        return [200, this.encode(LEASES, existing)];
      case "list":
        return [200, this.list("LeaseList", LEASES, this.leases, r)];
      case "create": {
        const name = body.metadata?.name;
        if (typeof name !== "string" || name === "")
          throw errors.invalid("Lease", LEASES.group, "", [
            { field: "metadata.name", message: "Required value: name or generateName is required" },
          ]);
        this.checkBodyName({ ...r, name }, body);
        const decoded = decodeLease(body, name);
        if (this.leases.has(`${r.namespace}/${name}`)) throw errors.alreadyExists(LEASES, name);
        return [201, this.writeLease(r.namespace, decoded, undefined, manager)];
      }
      case "update": {
        this.checkBodyName(r, body);
        const decoded = decodeLease(body, r.name);
        decoded.metadata.name = r.name;
        // Not found: AllowCreateOnUpdate makes the PUT a create (whatever resourceVersion it carries).
        if (!existing) return [201, this.writeLease(r.namespace, decoded, undefined, manager)];
        const rv = decoded.metadata.resourceVersion;
        // A PUT without resourceVersion: Invalid, since leases do not allow unconditional updates.
        if (!rv)
          throw errors.invalid(LEASES.resource, LEASES.group, r.name, [
            { field: "metadata.resourceVersion", message: "Invalid value: 0x0: must be specified for an update" },
          ]);
        if (rv !== existing.metadata.resourceVersion) throw errors.conflict(LEASES, r.name);
        return [200, this.writeLease(r.namespace, decoded, existing, manager)];
      }
      case "patch": {
        // A merge patch is applied to the live object; a resourceVersion in the patch makes the
        // update conditional (409 when stale), without one the handler reapplies the patch to the
        // latest object: last write wins (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go).
        if (ctype !== PATCH_TYPE) throw errors.unsupportedMediaType(ctype);
        if (!existing) throw errors.notFound(LEASES, r.name);
        const prv = body.metadata?.resourceVersion;
        if (prv !== undefined && prv !== existing.metadata.resourceVersion) throw errors.conflict(LEASES, r.name);
        const patched = mergePatch(this.encode(LEASES, existing), body) as AnyObject;
        this.checkBodyName(r, patched);
        const decoded = decodeLease(patched, r.name);
        return [200, this.writeLease(r.namespace, decoded, existing, manager)];
      }
      case "delete": {
        if (!existing) throw errors.notFound(LEASES, r.name);
        const want = body.preconditions?.resourceVersion;
        if (want !== undefined && want !== existing.metadata.resourceVersion)
          throw errors.conflict(
            LEASES,
            r.name,
            `Precondition failed: ResourceVersion in precondition: ${String(want)}, ResourceVersion in object meta: ${String(existing.metadata.resourceVersion)}`,
          );
        this.leases.delete(key);
        this.bump();
        return [
          200,
          {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            details: { name: r.name, group: LEASES.group, kind: LEASES.resource, uid: existing.metadata.uid },
          },
        ];
      }
      default:
        throw errors.methodNotSupported(LEASES, r.verb);
    }
  }

  private list(kind: string, info: ResourceInfo, store: Map<string, AnyObject>, r: Route): AnyObject {
    const terms = (r.query.get("fieldSelector") ?? "")
      .split(",")
      .filter((t) => t !== "")
      .map((t) => t.split("="));
    const field = (o: AnyObject, p: string): unknown =>
      p.split(".").reduce<unknown>((v, k) => (v as AnyObject | undefined)?.[k], o);
    const items = [...store.values()]
      .filter((o) => o.metadata.namespace === r.namespace)
      .filter((o) => terms.every(([k, v]) => String(field(o, k)) === v))
      .map((o) => {
        const { kind: _k, apiVersion: _a, ...item } = this.encode(info, o);
        return item;
      });
    return { kind, apiVersion: info.apiVersion, metadata: { resourceVersion: this.resourceVersion }, items };
  }

  // Pods: GET one, and a merge patch of labels/annotations only (what the agent needs; the
  // runner's PodStore applies it to its real pods and re-selects Services).
  private podRequest(r: Route, body: AnyObject, ctype: string): [number, AnyObject] {
    const store = this.podStore;
    const key = `${r.namespace}/${r.name}`;
    const pod = store && r.name ? store.get(r.namespace, r.name) : undefined;
    const withRv = (p: AnyObject): AnyObject => {
      if (!this.podRv.has(key)) this.podRv.set(key, this.resourceVersion);
      const meta = orderedMeta({ ...p.metadata, namespace: r.namespace, resourceVersion: this.podRv.get(key) });
      return { kind: "Pod", apiVersion: "v1", ...p, metadata: meta };
    };
    if (r.verb === "get") {
      if (!pod) throw errors.notFound(PODS, r.name);
      return [200, withRv(pod)];
    }
    if (r.verb !== "patch") throw errors.methodNotSupported(PODS, r.verb);
    if (ctype !== PATCH_TYPE) throw errors.unsupportedMediaType(ctype);
    if (!pod || !store) throw errors.notFound(PODS, r.name);
    const current = withRv(pod);
    const extra = Object.keys(body).filter((k) => k !== "metadata");
    const meta = body.metadata ?? {};
    extra.push(
      ...Object.keys(meta).filter(
        (k) => !["labels", "annotations", "resourceVersion", "name", "namespace"].includes(k),
      ),
    );
    if (extra.length)
      throw errors.invalid("Pod", "", r.name, [
        {
          field: extra.join(","),
          message:
            "Forbidden: the local API server models pod patches of metadata.labels and metadata.annotations only",
        },
      ]);
    this.checkBodyName(r, body);
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== current.metadata.resourceVersion)
      throw errors.conflict(PODS, r.name);
    for (const k of ["labels", "annotations"] as const) {
      const m = meta[k];
      if (m === undefined || m === null) continue;
      for (const v of Object.values(m as AnyObject))
        if (v !== null && typeof v !== "string")
          throw errors.badRequest(
            `Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal ${typeof v} into Go struct field ObjectMeta.metadata.${k} of type string`,
          );
    }
    const updated = store.patchMetadata(r.namespace, r.name, {
      labels: meta.labels ?? undefined,
      annotations: meta.annotations ?? undefined,
    });
    this.podRv.set(key, this.bump());
    return [200, withRv(updated)];
  }

  // Events: create and read (the agent's best-effort record of what it did).
  private eventRequest(r: Route, body: AnyObject): [number, AnyObject] {
    if (r.verb === "list") return [200, this.list("EventList", EVENTS, this.events, r)];
    if (r.verb === "get") {
      const ev = this.events.get(`${r.namespace}/${r.name}`);
      if (!ev) throw errors.notFound(EVENTS, r.name);
      return [200, this.encode(EVENTS, ev)];
    }
    if (r.verb !== "create") throw errors.methodNotSupported(EVENTS, r.verb);
    const ns = body.metadata?.namespace;
    if (ns !== undefined && ns !== "" && ns !== r.namespace)
      throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    const ev = decodeEvent(body, r.namespace);
    if (this.events.has(`${r.namespace}/${ev.metadata.name}`)) throw errors.alreadyExists(EVENTS, ev.metadata.name);
    const stored = this.stamp(ev, undefined, "unknown", EVENTS.apiVersion);
    this.events.set(`${r.namespace}/${ev.metadata.name}`, stored);
    return [201, this.encode(EVENTS, stored)];
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error("body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Writes compact JSON. An HTTP/1.0 request gets a Content-Length and the
 * connection closed after (Node, like Go's net/http, never chunks for 1.0); an
 * HTTP/1.1 request gets the body chunked, as Go's server does for a body it
 * streams, so a client must either speak 1.0 or decode chunks.
 */
function write(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  obj: AnyObject,
  headers: Record<string, string>,
): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(obj) + "\n";
  res.statusCode = code;
  res.setHeader("Audit-Id", randomUUID());
  res.setHeader("Cache-Control", "no-cache, private");
  res.setHeader("Content-Type", "application/json");
  res.setHeader("X-Kubernetes-Pf-Flowschema-Uid", "00000000-0000-0000-0000-000000000000");
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (req.httpVersion === "1.0") {
    res.setHeader("Content-Length", Buffer.byteLength(text));
    res.shouldKeepAlive = false;
    res.end(text);
  } else {
    res.write(text);
    res.end();
  }
}

/** Starts a local API server (certificates made, listening) on opts.host. */
export async function startApiServer(opts: ApiServerOptions): Promise<LocalApiServer> {
  const s = new LocalApiServer(opts);
  try {
    await s.start();
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}
