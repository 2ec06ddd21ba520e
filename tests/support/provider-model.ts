// A strict model of what the Pulumi engine and the Kubernetes provider do
// with a change, for unit tests: given the resources a program registered
// before (the stack's state) and now (under Pulumi mocks), and the objects
// already in the cluster (retained ones included), it returns the steps the
// engine would take, the failures the provider or the API server would
// report, and every window in which an object a pod mounts would be missing.
// Mocks accept anything; this does not. Every rule cites its source. Sources
// (pulumi-kubernetes at 94977969d, the provider in package-lock is 4.34.2;
// pulumi at 1b5949891; kubernetes/kubernetes master):
//
// [diff]     provider/pkg/provider/diff.go forceNewProperties: fields whose
//            change forces a replacement, per kind; ConfigMap .data/.binaryData
//            and Secret .data/.stringData unless enableConfigMapMutable /
//            enableSecretMutable (both false by default; CHANGELOG 4.18.0, 4.24.0).
// [patchdiff] provider/pkg/provider/provider.go Diff: a Patch resource is
//            replaced only for .metadata.name/.metadata.namespace.
// [dbr]      provider.go Diff: deleteBeforeReplace when a replaced object keeps
//            its (non-auto) name and namespace: the old object is deleted
//            before the new one exists.
// [create]   provider/pkg/await/await.go Creation: since 4.29.0 (CHANGELOG) a
//            create is a client-side create, which fails with AlreadyExists on
//            an existing object unless upsertExistingObjects; Patch resources
//            apply with server-side apply, which creates a missing object
//            (kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/
//            patch.go: forceAllowCreate for apply patches) and never fails with
//            AlreadyExists.
// [relinquish] await.go Deletion: deleting a Patch resource only relinquishes
//            its fields (provider/pkg/ssa/actions.go Relinquish: an apply of an
//            empty object under its field manager), the object stays, but the
//            fields only that manager owned are removed from it.
// [retain]   Pulumi retainOnDelete: the engine drops the resource from the
//            state without calling Delete, on removal and on replacement.
// [ignore]   Pulumi ignoreChanges: the engine diffs with the old value at
//            ignored paths; the provider's SSA update keeps the live value or
//            drops a field another manager owns (await.go handleSSAIgnoreFields).
// [await]    provider/pkg/await/awaiters.go: StatefulSet, Service (not
//            headless), PersistentVolumeClaim, Job, Deployment, Pod are awaited;
//            ConfigMap, Secret, NetworkPolicy, PDB, CronJob are not. Default
//            10 minutes (await.go: timeout := 10 * time.Minute;
//            statefulset.go/service.go Default*TimeoutMins = 10), replaced by
//            customTimeouts or the pulumi.com/timeoutSeconds annotation
//            (metadata/overrides.go TimeoutDuration); pulumi.com/skipAwait skips it.
//            A claim's create waits at most 5 minutes for Bound (Pending is
//            enough with a WaitForFirstConsumer class): awaiters.go
//            untilCoreV1PersistentVolumeClaimReady, WatchUntil(pvcReady, 5*time.Minute).
//            A Service waits until its Endpoints list no not-ready address
//            (service.go checkAndLogStatus: !endpointsPending).
// [immutable] kubernetes pkg/apis/core/validation/validation.go
//            ValidatePersistentVolumeClaimUpdate: of a claim's spec only
//            resources.requests may change, and storage only grow;
//            pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate:
//            only replicas, ordinals, template, updateStrategy,
//            revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and
//            minReadySeconds may change.
// [sts]      kubernetes pkg/controller/statefulset/stateful_pod_control.go
//            createPersistentVolumeClaims: the controller creates a pod's claim
//            <template>-<sts>-<N> from the template only when it is missing, and
//            an existing claim is used as it is; OrderedReady creates pod N+1
//            only once pod N is Ready.
// [skip]     Pulumi engine: a failed step fails the update; nothing that
//            dependsOn the failed resource is registered, so it is skipped.

import { guardProvider } from "../../components/mysql-cluster/settings-guard";
import { parseQuantity } from "../../components/mysql-cluster/quantity";
import type { AnyObject } from "./objects";
import type { RecordedResource } from "./pulumi-mocks";

export interface ProviderConfig {
  enableConfigMapMutable: boolean;
  enableSecretMutable: boolean;
  upsertExistingObjects: boolean;
}

/** The provider's defaults (provider.go Configure). */
export const DEFAULT_PROVIDER: ProviderConfig = {
  enableConfigMapMutable: false,
  enableSecretMutable: false,
  upsertExistingObjects: false,
};

/** An object in the cluster. */
export interface LiveObject {
  kind: string;
  namespace: string;
  name: string;
  /** For claims: the requested storage. */
  storage?: string;
  storageClassName?: string;
  /** For claims: spec.accessModes (immutable). */
  accessModes?: string[];
}

export type StepOp = "create" | "update" | "replace" | "delete" | "retain" | "relinquish" | "same";

export interface Step {
  /** "<type>::<name>" of the Pulumi resource. */
  key: string;
  type: string;
  name: string;
  op: StepOp;
  /** For a replace: the old object is deleted before the new one exists [dbr]. */
  deleteBeforeReplace?: boolean;
  /** Changed property paths (".spec.replicas"), and those that force a replacement. */
  changed?: string[];
  replaceBecause?: string[];
  /** The Kubernetes object it acts on. */
  object?: string;
  /** Await bound, seconds, for awaited creates/updates [await]. */
  awaitSeconds?: number;
}

export type FailureKind = "AlreadyExists" | "FieldImmutable" | "AwaitTimeout" | "GuardRefused" | "NamespaceNotFound";

/** The namespaces every cluster has (kube-apiserver creates them at start). */
export const BUILTIN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface Failure {
  key: string;
  kind: FailureKind;
  message: string;
}

export interface Gap {
  /** The mounted object ("Secret/ns/name"). */
  object: string;
  why: string;
}

export interface Plan {
  steps: Step[];
  failures: Failure[];
  /** Resources not run because a resource they depend on failed [skip]. */
  skipped: string[];
  /** Windows in which an object a pod mounts is missing or not what the pod template needs. */
  gaps: Gap[];
  /** The cluster's objects afterwards (when nothing failed). */
  liveAfter: LiveObject[];
}

export interface PlanInput {
  olds: RecordedResource[];
  news: RecordedResource[];
  /** Objects in the cluster; default liveOf(olds). */
  live?: LiveObject[];
  provider?: ProviderConfig;
  /** How long an awaited step takes, by resource key; default: within its bound. */
  durations?: Record<string, number>;
  /** Names of objects that exist outside the program (existingSecret, tlsSecret, restoreFromClaim). */
  external?: string[];
}

const key = (r: RecordedResource) => `${r.type}::${r.name}`;

/** "kubernetes:core/v1:SecretPatch" -> { kind: "Secret", patch: true }; undefined for non-Kubernetes types. */
export function kubernetesKind(type: string): { kind: string; patch: boolean } | undefined {
  const m = /^kubernetes:[^:]+:(\w+)$/.exec(type);
  if (!m) return undefined;
  if (type === "kubernetes:apiextensions.k8s.io:CustomResource") return undefined;
  const patch = m[1].endsWith("Patch");
  return { kind: patch ? m[1].slice(0, -"Patch".length) : m[1], patch };
}

function objectKind(r: RecordedResource): string | undefined {
  const k = kubernetesKind(r.type);
  if (k) return k.kind;
  return r.type.startsWith("kubernetes:") ? (r.inputs.kind as string | undefined) : undefined;
}

function objectId(kind: string, o: AnyObject): string {
  return `${kind}/${o.metadata?.namespace ?? "default"}/${o.metadata?.name}`;
}

const liveId = (o: LiveObject) => `${o.kind}/${o.namespace}/${o.name}`;

/** The leaf paths of a value, ".a.b[0].c" -> value. */
function flatten(value: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) out[prefix] = [];
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value && typeof value === "object") {
    const entries = Object.entries(value as AnyObject);
    if (entries.length === 0) out[prefix] = {};
    for (const [k, v] of entries) flatten(v, `${prefix}.${k}`, out);
  } else if (value !== undefined) {
    out[prefix] = value;
  }
  return out;
}

function changedPaths(olds: AnyObject, news: AnyObject): string[] {
  const a = flatten(olds);
  const b = flatten(news);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((p) => JSON.stringify(a[p]) !== JSON.stringify(b[p]))
    .sort();
}

function getPath(obj: AnyObject, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as AnyObject)[k] : undefined), obj);
}

function setPath(obj: AnyObject, path: string, value: unknown): void {
  const parts = path.split(".");
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (!o[p] || typeof o[p] !== "object") o[p] = {};
    o = o[p];
  }
  if (value === undefined) delete o[parts[parts.length - 1]];
  else o[parts[parts.length - 1]] = JSON.parse(JSON.stringify(value));
}

/** New inputs with the old values at every ignoreChanges path [ignore]. */
function withIgnored(olds: AnyObject, news: AnyObject, ignore: string[]): AnyObject {
  const copy = JSON.parse(JSON.stringify(news));
  for (const path of ignore) setPath(copy, path, getPath(olds, path));
  return copy;
}

const SELECTOR = [".matchExpressions", ".matchLabels"];

/** Fields whose change forces a replacement [diff], [patchdiff]. */
export function forceNewFields(type: string, inputs: AnyObject, provider: ProviderConfig): string[] {
  const fields = [".metadata.name", ".metadata.namespace"];
  const k = kubernetesKind(type);
  if (!k || k.patch) return fields;
  const immutable = inputs.immutable === true;
  switch (`${inputs.apiVersion}/${k.kind}`) {
    case "v1/Secret":
      // The Secret branch comes first and replaces the kind's own list.
      return [...fields, ".type", ...(!provider.enableSecretMutable || immutable ? [".stringData", ".data"] : [])];
    case "v1/ConfigMap":
      return [...fields, ...(!provider.enableConfigMapMutable || immutable ? [".binaryData", ".data"] : [])];
    case "apps/v1/StatefulSet":
      return [
        ...fields,
        ".spec.podManagementPolicy",
        ".spec.revisionHistoryLimit",
        ".spec.selector",
        ".spec.serviceName",
        ".spec.volumeClaimTemplates",
        ...SELECTOR.map((s) => `.spec.selector${s}`),
      ];
    case "v1/PersistentVolumeClaim":
      return [...fields, ".spec.accessModes", ".spec.selector", ".spec.storageClassName", ".spec.volumeName"];
    case "v1/Service":
      return [...fields, ".spec.clusterIP"];
    case "rbac.authorization.k8s.io/v1/RoleBinding":
      // diff.go roleBinding: a binding's roleRef cannot change (the API server refuses it too).
      return [...fields, ".roleRef"];
    case "batch/v1/Job":
      return [...fields, ".spec.completions", ".spec.parallelism", ".spec.selector", ".spec.template"];
    default:
      // policy/v1 PodDisruptionBudget, NetworkPolicy, CronJob, ServiceAccount, Role, coordination.k8s.io/v1 Lease:
      // none beyond identity (only policy/v1beta1 PDBs are listed).
      return fields;
  }
}

function under(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

/** What the API server refuses in an update of an existing object [immutable]. */
function immutableViolations(kind: string, olds: AnyObject, news: AnyObject, changed: string[]): string[] {
  if (kind === "PersistentVolumeClaim") {
    const problems = changed
      .filter(
        (p) =>
          p.startsWith(".spec.") &&
          !under(p, ".spec.resources.requests") &&
          !under(p, ".spec.volumeAttributesClassName"),
      )
      .map((p) => `${p}: spec is immutable after creation except resources.requests and volumeAttributesClassName`);
    const before = parseQuantity(String(olds.spec?.resources?.requests?.storage ?? "0")) ?? 0;
    const after = parseQuantity(String(news.spec?.resources?.requests?.storage ?? "0")) ?? 0;
    if (news.spec?.resources?.requests?.storage !== undefined && after < before)
      problems.push(".spec.resources.requests.storage: field can not be less than previous value");
    return problems;
  }
  if (kind === "StatefulSet") {
    const mutable = [
      ".spec.replicas",
      ".spec.ordinals",
      ".spec.template",
      ".spec.updateStrategy",
      ".spec.revisionHistoryLimit",
      ".spec.persistentVolumeClaimRetentionPolicy",
      ".spec.minReadySeconds",
    ];
    return changed
      .filter((p) => p.startsWith(".spec.") && !mutable.some((m) => under(p, m)))
      .map((p) => `${p}: updates to statefulset spec for fields other than ${mutable.join(", ")} are forbidden`);
  }
  return [];
}

/** Await bound in seconds of a create or update, or undefined when the kind is not awaited [await]. */
function awaitBound(r: RecordedResource, op: "create" | "update"): number | undefined {
  const kind = objectKind(r);
  const annotations: AnyObject = (r.inputs.metadata as AnyObject | undefined)?.annotations ?? {};
  if (annotations["pulumi.com/skipAwait"] === "true") return undefined;
  const inputs = r.inputs as AnyObject;
  const awaited =
    kind === "StatefulSet" ||
    kind === "Deployment" ||
    kind === "Job" ||
    kind === "Pod" ||
    kind === "PersistentVolumeClaim" ||
    (kind === "Service" && inputs.spec?.clusterIP !== "None" && inputs.spec?.type !== "ExternalName");
  if (!awaited) return undefined;
  const custom = r.customTimeouts?.[op];
  const bound = custom
    ? parseDuration(custom)
    : annotations["pulumi.com/timeoutSeconds"]
      ? Number(annotations["pulumi.com/timeoutSeconds"])
      : 600;
  // The claim's own watch gives up after 5 minutes whatever the resource's bound (awaiters.go).
  return kind === "PersistentVolumeClaim" ? Math.min(bound, 300) : bound;
}

/** Go durations as Pulumi's customTimeouts take them: "90m", "1h30m", "45s". */
export function parseDuration(text: string): number {
  let seconds = 0;
  for (const m of text.matchAll(/([0-9.]+)(h|m|s)/g))
    seconds += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2] as "h" | "m" | "s"];
  return seconds;
}

/** The objects in the cluster for a state: every Kubernetes resource's object and the claims the StatefulSet controller made [sts]. */
export function liveOf(state: RecordedResource[]): LiveObject[] {
  const live = new Map<string, LiveObject>();
  for (const r of state) {
    const kind = objectKind(r);
    if (!kind) continue;
    const o = r.inputs as AnyObject;
    const obj: LiveObject = { kind, namespace: o.metadata?.namespace ?? "default", name: o.metadata?.name };
    if (kind === "PersistentVolumeClaim") Object.assign(obj, claimSpec(o));
    const id = liveId(obj);
    // A Patch only changes fields: the size it sets wins over the claim the controller made.
    live.set(id, { ...live.get(id), ...obj });
  }
  for (const sts of state.filter((r) => objectKind(r) === "StatefulSet")) {
    for (const claim of controllerClaims(sts.inputs as AnyObject)) {
      if (!live.has(liveId(claim))) live.set(liveId(claim), claim);
    }
  }
  return [...live.values()];
}

function claimSpec(o: AnyObject): Pick<LiveObject, "storage" | "storageClassName" | "accessModes"> {
  return {
    ...(o.spec?.resources?.requests?.storage ? { storage: o.spec.resources.requests.storage } : {}),
    ...(o.spec?.storageClassName ? { storageClassName: o.spec.storageClassName } : {}),
    ...(Array.isArray(o.spec?.accessModes) ? { accessModes: [...o.spec.accessModes] } : {}),
  };
}

/** The claims the controller creates from the volumeClaimTemplates for each ordinal below replicas [sts]. */
function controllerClaims(sts: AnyObject): LiveObject[] {
  const claims: LiveObject[] = [];
  for (const template of sts.spec?.volumeClaimTemplates ?? []) {
    for (let n = 0; n < (sts.spec?.replicas ?? 1); n++) {
      claims.push({
        kind: "PersistentVolumeClaim",
        namespace: sts.metadata.namespace ?? "default",
        name: `${template.metadata.name}-${sts.metadata.name}-${n}`,
        ...claimSpec(template),
      });
    }
  }
  return claims;
}

/**
 * The state the engine stores after an update from `olds` to `news`: the new inputs, with the
 * old values at each resource's ignoreChanges paths [ignore] (so a StatefulSet's
 * volumeClaimTemplates stay at their creation size in state and in the cluster).
 */
export function stateAfter(olds: RecordedResource[], news: RecordedResource[]): RecordedResource[] {
  const before = new Map(olds.map((r) => [key(r), r]));
  return news.map((r) =>
    before.has(key(r)) ? { ...r, inputs: withIgnored(before.get(key(r))!.inputs, r.inputs, r.ignoreChanges) } : r,
  );
}

/** What `pulumi destroy` leaves in the cluster: retained resources' objects and the controller's claims (whenDeleted: Retain). */
export function liveAfterDestroy(state: RecordedResource[]): LiveObject[] {
  const kept = liveOf(state.filter((r) => r.retainOnDelete));
  for (const sts of state.filter((r) => objectKind(r) === "StatefulSet")) {
    if ((sts.inputs as AnyObject).spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete") continue;
    for (const claim of controllerClaims(sts.inputs as AnyObject))
      if (!kept.some((k) => liveId(k) === liveId(claim))) kept.push(claim);
  }
  return kept;
}

/** Every resource that (transitively) dependsOn `from` [skip]. */
function dependents(all: RecordedResource[], from: Set<string>): Set<string> {
  const byUrn = new Map(all.map((r) => [r.urn, r]));
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of all) {
      if (out.has(key(r))) continue;
      if (r.dependencies.some((d) => from.has(d) || (byUrn.get(d) && out.has(key(byUrn.get(d)!))))) {
        out.add(key(r));
        grew = true;
      }
    }
  }
  return out;
}

/** Whether `r` (transitively) dependsOn the resource with URN `urn`. */
function dependsOn(all: RecordedResource[], r: RecordedResource, urn: string): boolean {
  return dependents(all, new Set([urn])).has(key(r));
}

/**
 * The objects a pod template needs: the ConfigMaps, Secrets and claims it mounts (projected
 * sources included), its ServiceAccount (the ServiceAccount admission plugin refuses a pod whose
 * account does not exist: kubernetes plugin/pkg/admission/serviceaccount/admission.go), and the
 * RoleBindings of that account in `all` with the Roles they bind (without them its API calls get
 * 403). kube-root-ca.crt is left out: the root CA publisher creates it in every namespace
 * (kubernetes pkg/controller/certificates/rootcacertpublisher/publisher.go).
 */
function mountedObjects(
  r: RecordedResource,
  all: RecordedResource[] = [],
): { kind: string; namespace: string; name: string }[] {
  const o = r.inputs as AnyObject;
  const ns = o.metadata?.namespace ?? "default";
  const pod =
    objectKind(r) === "StatefulSet"
      ? o.spec?.template?.spec
      : objectKind(r) === "CronJob"
        ? o.spec?.jobTemplate?.spec?.template?.spec
        : undefined;
  if (!pod) return [];
  const out: { kind: string; namespace: string; name: string }[] = [];
  for (const v of pod.volumes ?? []) {
    if (v.configMap) out.push({ kind: "ConfigMap", namespace: ns, name: v.configMap.name });
    if (v.secret) out.push({ kind: "Secret", namespace: ns, name: v.secret.secretName });
    if (v.persistentVolumeClaim)
      out.push({ kind: "PersistentVolumeClaim", namespace: ns, name: v.persistentVolumeClaim.claimName });
    for (const source of v.projected?.sources ?? []) {
      if (source.configMap && source.configMap.name !== "kube-root-ca.crt")
        out.push({ kind: "ConfigMap", namespace: ns, name: source.configMap.name });
      if (source.secret) out.push({ kind: "Secret", namespace: ns, name: source.secret.name });
    }
  }
  const account = pod.serviceAccountName;
  if (account && account !== "default") {
    out.push({ kind: "ServiceAccount", namespace: ns, name: account });
    for (const b of all.filter((x) => objectKind(x) === "RoleBinding")) {
      const binding = b.inputs as AnyObject;
      if ((binding.metadata?.namespace ?? "default") !== ns) continue;
      const bound = (binding.subjects ?? []).some(
        (s: AnyObject) => s.kind === "ServiceAccount" && s.name === account && (s.namespace ?? ns) === ns,
      );
      if (!bound) continue;
      out.push({ kind: "RoleBinding", namespace: ns, name: binding.metadata.name });
      if (binding.roleRef?.kind === "Role") out.push({ kind: "Role", namespace: ns, name: binding.roleRef.name });
    }
  }
  return out;
}

/** The steps, failures and gaps of moving from `olds` to `news`. */
export async function plan(input: PlanInput): Promise<Plan> {
  const provider = input.provider ?? DEFAULT_PROVIDER;
  const olds = new Map(input.olds.map((r) => [key(r), r]));
  const news = new Map(input.news.map((r) => [key(r), r]));
  const live = new Map((input.live ?? liveOf(input.olds)).map((o) => [liveId(o), { ...o }]));
  const steps: Step[] = [];
  const failures: Failure[] = [];
  const gaps: Gap[] = [];

  // The settings guard's diff runs first, and nothing that dependsOn it runs when it refuses [skip].
  const failedUrns = new Set<string>();
  for (const r of input.news.filter((x) => x.type === "pulumi-nodejs:dynamic:Resource" && olds.has(key(x)))) {
    try {
      await guardProvider.diff!("immutable-settings", olds.get(key(r))!.inputs as never, r.inputs as never);
    } catch (e) {
      failures.push({ key: key(r), kind: "GuardRefused", message: (e as Error).message });
      failedUrns.add(r.urn);
    }
  }

  // A refused guard: the SDK never registers what dependsOn it, and the update deletes nothing.
  const notRun = dependents(input.news, failedUrns);
  for (const r of input.news) {
    const kind = objectKind(r);
    const old = olds.get(key(r));
    if (!kind || notRun.has(key(r))) continue;
    const o = r.inputs as AnyObject;
    const id = objectId(kind, o);
    const isPatch = kubernetesKind(r.type)?.patch ?? false;
    if (!old) {
      const step: Step = {
        key: key(r),
        type: r.type,
        name: r.name,
        op: "create",
        object: id,
        awaitSeconds: awaitBound(r, "create"),
      };
      steps.push(step);
      // A namespaced object needs its namespace first: the create retries NotFound a few times
      // and then fails with 'namespaces "x" not found' (await.go Creation, retrier on IsNotFound).
      const ns = o.metadata?.namespace ?? "default";
      const nsCreator = input.news.find(
        (x) => objectKind(x) === "Namespace" && (x.inputs as AnyObject).metadata?.name === ns,
      );
      if (
        kind !== "Namespace" &&
        !BUILTIN_NAMESPACES.includes(ns) &&
        ![...live.values()].some((l) => l.kind === "Namespace" && l.name === ns) &&
        !(nsCreator && dependsOn(input.news, r, nsCreator.urn))
      ) {
        failures.push({
          key: key(r),
          kind: "NamespaceNotFound",
          message: `${id}: namespaces "${ns}" not found: nothing creates it before this object [create]`,
        });
      }
      if (!isPatch && !provider.upsertExistingObjects && live.has(id)) {
        // The engine creates new resources before it deletes removed ones, so even a name an old
        // resource of this program holds is taken [create].
        failures.push({
          key: key(r),
          kind: "AlreadyExists",
          message: `${id} already exists in the cluster: a create is a client-side create since provider 4.29 [create]`,
        });
      }
      // A Patch (or an upsert) on an existing claim is an update of it [immutable].
      const conflicts = claimConflicts(kind, live.get(id), o);
      if ((isPatch || provider.upsertExistingObjects) && conflicts.length > 0)
        failures.push({ key: key(r), kind: "FieldImmutable", message: `${id}: ${conflicts.join("; ")} [immutable]` });
      continue;
    }
    const newInputs = withIgnored(old.inputs, o, r.ignoreChanges);
    const changed = changedPaths(old.inputs, newInputs);
    if (changed.length === 0) {
      steps.push({ key: key(r), type: r.type, name: r.name, op: "same", object: id });
      continue;
    }
    const force = forceNewFields(r.type, newInputs, provider);
    const because = changed.filter((p) => force.some((f) => under(p, f)));
    if (because.length > 0) {
      const sameIdentity = objectId(kind, old.inputs) === id;
      steps.push({
        key: key(r),
        type: r.type,
        name: r.name,
        op: "replace",
        object: id,
        changed,
        replaceBecause: because,
        deleteBeforeReplace: sameIdentity,
        awaitSeconds: awaitBound(r, "create"),
      });
      const retained = old.retainOnDelete;
      if (!isPatch && (retained ? live.has(id) : !sameIdentity && live.has(id))) {
        failures.push({
          key: key(r),
          kind: "AlreadyExists",
          message: `${id}: the replacement's create finds the ${retained ? "retained " : ""}object [create], [retain]`,
        });
      }
      continue;
    }
    steps.push({
      key: key(r),
      type: r.type,
      name: r.name,
      op: "update",
      object: id,
      changed,
      awaitSeconds: awaitBound(r, "update"),
    });
    const problems = [
      ...immutableViolations(kind, old.inputs, newInputs, changed),
      ...claimConflicts(kind, live.get(id), newInputs),
    ];
    if (problems.length > 0)
      failures.push({ key: key(r), kind: "FieldImmutable", message: `${id}: ${problems.join("; ")} [immutable]` });
  }
  for (const r of input.olds) {
    if (news.has(key(r)) || !objectKind(r) || failedUrns.size > 0) continue;
    const isPatch = kubernetesKind(r.type)?.patch ?? false;
    steps.push({
      key: key(r),
      type: r.type,
      name: r.name,
      op: r.retainOnDelete ? "retain" : isPatch ? "relinquish" : "delete",
      object: objectId(objectKind(r)!, r.inputs),
    });
  }

  // Patch creates of a missing object: server-side apply creates it [create].
  for (const r of input.news) {
    const kind = objectKind(r);
    if (!kind) continue;
    const id = objectId(kind, r.inputs);
    const step = steps.find((s) => s.key === key(r));
    if (!step || step.op === "same") continue;
    const o = r.inputs as AnyObject;
    live.set(id, {
      ...live.get(id),
      kind,
      namespace: o.metadata?.namespace ?? "default",
      name: o.metadata?.name,
      ...(kind === "PersistentVolumeClaim" ? claimSpec(o) : {}),
    });
  }
  for (const s of steps.filter((x) => x.op === "delete")) live.delete(s.object!);

  // Awaits that outlast their bound [await]. A Service's await (provider/pkg/await/service.go
  // processEndpointEvent, checkAndLogStatus) succeeds only once its Endpoints have no
  // notReadyAddresses: a Service without publishNotReadyAddresses that selects every pod of a
  // StatefulSet created or rolled in the same update waits as long as the StatefulSet does.
  const tookOf = (s: Step): number | undefined => {
    const own = input.durations?.[s.key];
    const r = news.get(s.key);
    if (!r || objectKind(r) !== "Service") return own;
    const spec = (r.inputs as AnyObject).spec ?? {};
    if (spec.publishNotReadyAddresses === true || !spec.selector || Object.keys(spec.selector).length === 0) return own;
    const rolled = steps
      .filter(
        (x) =>
          x.awaitSeconds !== undefined &&
          input.durations?.[x.key] !== undefined &&
          news.get(x.key) &&
          objectKind(news.get(x.key)!) === "StatefulSet" &&
          (x.op === "create" ||
            x.op === "replace" ||
            (x.op === "update" &&
              (x.changed ?? []).some((c) => under(c, ".spec.template") || under(c, ".spec.replicas")))),
      )
      .filter((x) => {
        const sts = news.get(x.key)!.inputs as AnyObject;
        const podLabels: AnyObject = sts.spec?.template?.metadata?.labels ?? {};
        return (
          (sts.metadata?.namespace ?? "default") === ((r.inputs as AnyObject).metadata?.namespace ?? "default") &&
          Object.entries(spec.selector as AnyObject).every(([k, v]) => podLabels[k] === v)
        );
      })
      .map((x) => input.durations![x.key]);
    return Math.max(own ?? 0, ...rolled) || own;
  };
  for (const s of steps) {
    const took = tookOf(s);
    if (s.awaitSeconds !== undefined && took !== undefined && took > s.awaitSeconds) {
      failures.push({
        key: s.key,
        kind: "AwaitTimeout",
        message: `${s.key} took ${took} s, the bound is ${s.awaitSeconds} s [await]`,
      });
      failedUrns.add(news.get(s.key)!.urn);
    }
  }

  // Mounted objects: never deleted before their replacement exists, never removed while mounted,
  // and in place before the pods that mount them start.
  const external = new Set(input.external ?? []);
  for (const mounter of input.news.filter((x) => !notRun.has(key(x)))) {
    for (const m of mountedObjects(mounter, input.news)) {
      const id = `${m.kind}/${m.namespace}/${m.name}`;
      if (external.has(m.name)) continue;
      const owners = input.news.filter((r) => objectKind(r) === m.kind && objectId(m.kind, r.inputs) === id);
      for (const owner of owners) {
        const step = steps.find((s) => s.key === key(owner));
        if (!step) continue;
        if (step.op === "replace" && step.deleteBeforeReplace) {
          gaps.push({
            object: id,
            why: `${key(owner)} is replaced with delete-before-create (${step.replaceBecause!.join(", ")}): pods cannot mount it until the new one exists, and it stays gone if the create fails [dbr]`,
          });
        }
        if ((step.op === "create" || step.op === "replace") && !dependsOn(input.news, mounter, owner.urn)) {
          gaps.push({
            object: id,
            why: `${key(mounter)} does not wait for ${key(owner)}: its pods may start before the object exists`,
          });
        }
      }
      if (owners.length === 0 && !live.has(id))
        gaps.push({ object: id, why: `nothing creates ${id}, and it is not in the cluster` });
      const deleted = steps.find((s) => s.op === "delete" && s.object === id);
      if (deleted && owners.length === 0)
        gaps.push({ object: id, why: `${deleted.key} deletes ${id} while ${key(mounter)} mounts it` });
      // Relinquishing is an apply of an empty object under the Patch's field manager: the API
      // server removes every field no other manager owns, so the data keys the Patch took over
      // (force) or added leave the mounted object [relinquish].
      const relinquished = steps.find(
        (s) => s.op === "relinquish" && s.object === id && (m.kind === "Secret" || m.kind === "ConfigMap"),
      );
      if (relinquished)
        gaps.push({
          object: id,
          why: `${relinquished.key} relinquishes its fields: the keys it alone manages leave ${id} while ${key(mounter)} mounts it [relinquish]`,
        });
    }
    // The StatefulSet's own claims: each exists at the template's current size before the
    // controller creates pod N, for every pod it creates in this update [sts]. (Running pods'
    // claims may grow after the StatefulSet's update: their pods already run.)
    if (objectKind(mounter) === "StatefulSet") {
      const sts = mounter.inputs as AnyObject;
      const oldSts = olds.get(key(mounter));
      // The controller creates missing claims from the template as the cluster has it (ignoreChanges keeps the old one).
      const templateInCluster: AnyObject = oldSts ? oldSts.inputs : sts;
      const firstNewPod = oldSts ? ((oldSts.inputs as AnyObject).spec?.replicas ?? 0) : 0;
      for (const template of sts.spec?.volumeClaimTemplates ?? []) {
        const wanted = parseQuantity(String(template.spec?.resources?.requests?.storage ?? "0")) ?? 0;
        const clusterTemplate =
          (templateInCluster.spec?.volumeClaimTemplates ?? []).find(
            (t: AnyObject) => t.metadata.name === template.metadata.name,
          ) ?? template;
        for (let n = firstNewPod; n < sts.spec.replicas; n++) {
          const id = `PersistentVolumeClaim/${sts.metadata.namespace}/${template.metadata.name}-${sts.metadata.name}-${n}`;
          const owner = input.news.find(
            (r) => objectKind(r) === "PersistentVolumeClaim" && objectId("PersistentVolumeClaim", r.inputs) === id,
          );
          const before = input.live
            ? input.live.find((o) => liveId(o) === id)
            : liveOf(input.olds).find((o) => liveId(o) === id);
          let size: number;
          if (owner && !dependsOn(input.news, owner, mounter.urn) && dependsOn(input.news, mounter, owner.urn)) {
            size = parseQuantity(String((owner.inputs as AnyObject).spec?.resources?.requests?.storage ?? "0")) ?? 0;
          } else if (before) {
            size = parseQuantity(before.storage ?? "0") ?? 0;
          } else {
            size = parseQuantity(String(clusterTemplate.spec?.resources?.requests?.storage ?? "0")) ?? 0;
          }
          if (size < wanted) {
            gaps.push({
              object: id,
              why: `pod ${n} would start on a claim of ${size} bytes, not the ${wanted} storageSize asks for: nothing grows it before the StatefulSet creates the pod${owner && dependsOn(input.news, owner, mounter.urn) ? ` (${key(owner)} waits for the StatefulSet's readiness: a deadlock when the data outgrew the claim)` : ""} [sts]`,
            });
          }
        }
      }
    }
  }

  const skipped = [...new Set([...notRun, ...dependents(input.news, failedUrns)])];
  return { steps, failures, skipped, gaps, liveAfter: [...live.values()] };
}

/** What an apply of `o` to the existing claim `liveObj` changes that the API server refuses [immutable]. */
function claimConflicts(kind: string, liveObj: LiveObject | undefined, o: AnyObject): string[] {
  if (kind !== "PersistentVolumeClaim" || !liveObj) return [];
  const problems: string[] = [];
  const wantClass = o.spec?.storageClassName;
  if (wantClass !== undefined && liveObj.storageClassName !== undefined && wantClass !== liveObj.storageClassName) {
    problems.push(
      `.spec.storageClassName: ${liveObj.storageClassName} -> ${wantClass}: spec is immutable after creation except resources.requests and volumeAttributesClassName`,
    );
  }
  // A Patch that states accessModes applies them: another value is a change of an immutable field.
  const wantModes = o.spec?.accessModes;
  if (
    Array.isArray(wantModes) &&
    liveObj.accessModes !== undefined &&
    JSON.stringify([...wantModes].sort()) !== JSON.stringify([...liveObj.accessModes].sort())
  ) {
    problems.push(
      `.spec.accessModes: ${liveObj.accessModes.join(",")} -> ${wantModes.join(",")}: spec is immutable after creation except resources.requests and volumeAttributesClassName`,
    );
  }
  const want = o.spec?.resources?.requests?.storage;
  if (
    want !== undefined &&
    liveObj.storage !== undefined &&
    (parseQuantity(String(want)) ?? 0) < (parseQuantity(liveObj.storage) ?? 0)
  ) {
    problems.push(
      `.spec.resources.requests.storage: ${liveObj.storage} -> ${want}: field can not be less than previous value`,
    );
  }
  return problems;
}

/** Steps of one kind of operation, as "<name>" lists, for assertions. */
export function stepsOf(p: Plan, ...ops: StepOp[]): string[] {
  return p.steps
    .filter((s) => ops.includes(s.op))
    .map((s) => `${s.op} ${s.type.split(":").pop()} ${s.name}`)
    .sort();
}
