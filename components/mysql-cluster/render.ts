// Every resource MySqlCluster registers, from resolved args, with no Pulumi
// engine involved: the render list. Each entry is a Kubernetes object and says
// how the component registers it (a plain resource or a server-side apply
// Patch, what it waits for, what it keeps or ignores); the component registers
// exactly this list (mysql-cluster.ts), `npm run render` prints it and the
// local pod runner runs its objects. Adding an object is one builder and one
// entry here.

import { ResolvedArgs } from "./args";
import { buildBackupClaim, buildBackupCronJob } from "./builders/backup";
import { backupsToClaim } from "./builders/store";
import { buildConfigMap, buildTopologyConfigMap } from "./builders/config-map";
import { buildCredentialsSecret } from "./builders/credentials-secret";
import { buildDataClaims } from "./builders/data-claims";
import { buildNetworkPolicy } from "./builders/network-policy";
import { buildDisruptionBudget } from "./builders/disruption-budget";
import { buildLease, buildRole, buildRoleBinding, buildServiceAccount } from "./builders/failover";
import {
  buildHeadlessService,
  buildMetricsService,
  buildReadService,
  buildServiceMonitor,
  buildWriteService,
} from "./builders/services";
import { buildStatefulSet } from "./builders/statefulset";
import { buildTlsSecret, TlsMaterial } from "./builders/tls-secret";
import { KubeObject } from "./builders/types";
import { GuardedSettings, guardedSettings } from "./guarded-settings";
import { clusterNames } from "./names";
import { awaitTimeouts } from "./timeouts";

/** Shown in place of generated passwords wherever real values are not wanted. */
export const PASSWORD_PLACEHOLDER = "<generated at deploy time>";
/** Shown in place of generated certificates and keys. */
export const TLS_PLACEHOLDER = "<generated at deploy time>";

/** Server-side apply with force: the Patch takes over the fields another manager (the object's own resource, the StatefulSet controller) set. */
export const PATCH_FORCE = "pulumi.com/patchForce";

/** One resource the component registers. */
export interface RenderedResource {
  /** What it is, unique in the list: how other entries (dependsOn) and the component's outputs name it. */
  key: string;
  /** Its Pulumi resource name: part of its URN, so an existing entry's must never change (a stack would replace the object). */
  resourceName: string;
  /**
   * "object": the resource of the object's kind (k8s.core.v1.Secret...). "patch": the kind's
   * Patch resource (SecretPatch...): server-side apply of the fields the object holds, with
   * force (PATCH_FORCE); it creates a missing object and never fails with AlreadyExists.
   */
  register: "object" | "patch";
  /** The Kubernetes object: exactly the resource's args. Passwords and certificates are the caller's values. */
  object: KubeObject;
  /** For a Patch that owns fields of another entry's object: that entry's key (the runner and renderObjects skip it). */
  patches?: string;
  /** Waits for the settings guard, so a refused change registers nothing (settings-guard.ts). */
  waitsForGuard: boolean;
  /** Keys of the entries it waits for beside the guard; they come earlier in the list. */
  dependsOn: string[];
  /** Fields the engine keeps as they were created (ignoreChanges). */
  ignoreChanges: string[];
  /** Kept in the cluster when it leaves the program or the stack is destroyed (retainOnDelete). */
  retainOnDelete: boolean;
  /** The provider's await bounds (timeouts.ts), where its defaults are too short. */
  customTimeouts?: { create: string; update: string };
  /** Top-level fields holding passwords or keys: registered as Pulumi secrets (encrypted in state). */
  secretOutputs: string[];
}

/** Everything the component registers: the settings guard first, then the Kubernetes objects in apply order. */
export interface RenderedCluster {
  /** The SettingsGuard dynamic resource: its Pulumi name and inputs. */
  guard: { resourceName: string; settings: GuardedSettings };
  resources: RenderedResource[];
}

/** The values only a deployment knows: generated passwords, certificates, and how to base64 them for a Secret's data. */
export interface RenderValues<V> {
  passwords: (key: string) => V;
  tls: TlsMaterial<V>;
  base64: (value: V) => V;
}

const PLACEHOLDERS: RenderValues<string> = {
  passwords: () => PASSWORD_PLACEHOLDER,
  tls: { cert: TLS_PLACEHOLDER, key: TLS_PLACEHOLDER, ca: TLS_PLACEHOLDER },
  // A caller's passwords function may leave a key out (undefined): left out here too, as in stringData.
  base64: (value) => (value === undefined ? value : Buffer.from(value, "utf8").toString("base64")),
};

type EntryOptions = Partial<Omit<RenderedResource, "key" | "resourceName" | "object">>;

function entry(key: string, resourceName: string, object: KubeObject, options: EntryOptions = {}): RenderedResource {
  return {
    key,
    resourceName,
    register: "object",
    object,
    waitsForGuard: true,
    dependsOn: [],
    ignoreChanges: [],
    retainOnDelete: false,
    secretOutputs: [],
    ...options,
  };
}

/** The object as a Patch's args: the same fields, with PATCH_FORCE added to its annotations. */
function forced(object: KubeObject): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: {
        ...(object.metadata.annotations as Record<string, string> | undefined),
        [PATCH_FORCE]: "true",
      },
    },
  };
}

/**
 * A Secret, a ConfigMap that pods mount by a fixed name: two entries. The provider replaces a
 * ConfigMap or Secret whose data changes (pulumi-kubernetes provider/pkg/provider/diff.go
 * forceNewProperties: .data/.stringData/.binaryData force a replacement unless
 * enableConfigMapMutable / enableSecretMutable are set) and, for a fixed name, deletes the old
 * object first (provider.go Diff: deleteBeforeReplace when the new name equals the old). So
 * the object's data is set at creation and then ignored, and a Patch "<resource>-data" owns
 * it: a Patch resource is replaced only when its name or namespace changes (provider.go Diff:
 * forceNewFields for IsPatchResource) and applies its data with server-side apply, so a
 * switchover, a rotation or a renewal is an update in place and the object never disappears
 * (issue 13, defect 6). The objects kept their Pulumi names, so existing stacks adopted the
 * Patches without a replacement.
 */
function withDataPatch<V>(
  key: string,
  resourceName: string,
  object: KubeObject & { stringData?: Record<string, V>; data?: Record<string, string> },
  base64: (value: V) => V,
): RenderedResource[] {
  const secret = object.kind === "Secret";
  const { name, namespace } = object.metadata;
  const data = secret
    ? Object.fromEntries(Object.entries(object.stringData ?? {}).map(([k, v]) => [k, base64(v)]))
    : object.data;
  const secretOutputs = secret ? ["data", "stringData"] : [];
  return [
    entry(key, resourceName, object, { ignoreChanges: secret ? ["stringData", "data"] : ["data"], secretOutputs }),
    entry(
      `${key}Data`,
      `${resourceName}-data`,
      forced({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name, namespace }, data } as KubeObject),
      { register: "patch", patches: key, dependsOn: [key], secretOutputs },
    ),
  ];
}

/** Every resource the component registers for `args`; values not given are placeholders (printing, tests). */
export function renderCluster<V = string>(args: ResolvedArgs, given: Partial<RenderValues<V>> = {}): RenderedCluster {
  const values = { ...(PLACEHOLDERS as unknown as RenderValues<V>), ...given };
  const name = args.name;
  const names = clusterNames(args);
  const configMap = buildConfigMap(args, names);
  const timeouts = awaitTimeouts(args);
  const dataClaims = buildDataClaims(args, names);
  // The objects whose data a pod reads at every start: their data Patches come before the pods.
  const mounted = [
    ...(args.existingSecret ? [] : ["credentialsSecretData"]),
    ...(args.tlsSecret ? [] : ["tlsSecretData"]),
    "topologyConfigMapData",
  ];
  const resources: RenderedResource[] = [
    ...(args.existingSecret
      ? []
      : withDataPatch(
          "credentialsSecret",
          `${name}-credentials`,
          buildCredentialsSecret(args, names, values.passwords),
          values.base64,
        )),
    ...(args.tlsSecret
      ? []
      : withDataPatch("tlsSecret", `${name}-tls`, buildTlsSecret(args, names, values.tls), values.base64)),
    // Content-hashed name: a change is a new object (create before delete: the old one goes
    // only after the StatefulSet that mounts it has rolled), never a change of a mounted one.
    entry("configMap", `${name}-config`, configMap),
    ...withDataPatch("topologyConfigMap", `${name}-topology`, buildTopologyConfigMap(args, names), values.base64),
    entry("headlessService", `${name}-headless`, buildHeadlessService(args, names)),
    // The provider waits until a Service's Endpoints list no not-ready pod
    // (provider/pkg/await/service.go): the write Service for pod 0 on creation (an
    // initialisation or a restore) or the new primary after a switchover, the read Service
    // for every pod it selects, so as long as the StatefulSet's creation.
    entry("writeService", `${name}-write`, buildWriteService(args, names), { customTimeouts: timeouts.writeService }),
    entry("readService", `${name}-read`, buildReadService(args, names), { customTimeouts: timeouts.readService }),
    ...(args.metrics ? [entry("metricsService", `${name}-metrics`, buildMetricsService(args, names))] : []),
    ...(args.serviceMonitor
      ? [entry("serviceMonitor", `${name}-service-monitor`, buildServiceMonitor(args, names))]
      : []),
    ...(args.networkPolicy ? [entry("networkPolicy", `${name}-network-policy`, buildNetworkPolicy(args, names))] : []),
    entry("disruptionBudget", `${name}-disruption-budget`, buildDisruptionBudget(args, names)),
    // Each pod's data claim at the current size, created (server-side apply creates a missing
    // object: k8s.io/apiserver endpoints/handlers/patch.go, forceAllowCreate for apply
    // patches) or grown before the StatefulSet, which dependsOn them, can create pod N
    // (issue 13, defect 4). A Patch never fails with AlreadyExists, so a claim kept from an
    // earlier cluster or a scale-down is adopted. retainOnDelete: scaling down or destroying
    // leaves the claims and their data alone (a Patch's delete would relinquish its fields).
    ...dataClaims.map((claim, ordinal) =>
      entry(`dataClaim-${ordinal}`, `${name}-data-${ordinal}`, forced(claim), {
        register: "patch",
        retainOnDelete: true,
      }),
    ),
    // Failover (builders/failover.ts): the Lease the pods' agents hold and write, and their
    // least privilege. The agents own the Lease's holder, times and their annotations; the
    // component sets its duration and the switchover request only (server-side apply leaves
    // other managers' fields alone), and ignores the agents' fields should a refresh read them.
    entry("serviceAccount", `${name}-agent`, buildServiceAccount(args, names)),
    entry("role", `${name}-agent-role`, buildRole(args, names)),
    entry("roleBinding", `${name}-agent-role-binding`, buildRoleBinding(args, names), {
      dependsOn: ["serviceAccount", "role"],
    }),
    entry("lease", `${name}-lease`, buildLease(args, names), {
      ignoreChanges: ["spec.holderIdentity", "spec.acquireTime", "spec.renewTime", "spec.leaseTransitions"],
    }),
    entry("statefulSet", name, buildStatefulSet(args, names, configMap.metadata.name), {
      dependsOn: [
        "configMap",
        "headlessService",
        "roleBinding",
        "lease",
        ...mounted,
        ...dataClaims.map((_, ordinal) => `dataClaim-${ordinal}`),
      ],
      // A changed volumeClaimTemplate would make the provider delete and
      // re-create the StatefulSet. Size changes go through the data claims
      // above instead, and the guard refuses the changes that cannot be made.
      ignoreChanges: ["spec.volumeClaimTemplates"],
      // OrderedReady: a creation or a roll waits for each pod in turn; bounds from storageSize (timeouts.ts).
      customTimeouts: timeouts.statefulSet,
    }),
    ...(args.backupSchedule
      ? [
          // Backups outlive the cluster: turning backups off or destroying the stack keeps the
          // claim (retainOnDelete), and a Patch adopts it when backups come back (a plain
          // PersistentVolumeClaim's create would fail with AlreadyExists since provider 4.29:
          // CHANGELOG 4.29.0, await.go Creation uses a client-side create; issue 13, defect 5).
          // Its Pulumi name is not "<name>-backups", the PersistentVolumeClaim resource of earlier
          // versions: that one leaves the program and, being retainOnDelete, only the state.
          // With backupTarget store there is no claim (the Job prepares each backup in a scratch volume).
          ...(backupsToClaim(args)
            ? [
                entry("backupClaim", `${name}-backup-claim`, forced(buildBackupClaim(args, names)), {
                  register: "patch",
                  retainOnDelete: true,
                }),
              ]
            : []),
          // Not after the StatefulSet: a long rollout must not hold back the schedule.
          entry("backupCronJob", `${name}-backup`, buildBackupCronJob(args, names, configMap.metadata.name), {
            dependsOn: ["configMap", ...(backupsToClaim(args) ? ["backupClaim"] : []), ...mounted],
          }),
        ]
      : []),
  ];
  return { guard: { resourceName: `${name}-settings-guard`, settings: guardedSettings(args) }, resources };
}

/**
 * The Kubernetes objects a cluster of `args` holds, in apply order: the render list without
 * the Patches that only own fields of another entry's object (which holds the same data). For
 * the pod runner and checks on the objects themselves.
 */
export function renderObjects(
  args: ResolvedArgs,
  passwords?: (key: string) => string,
  tls?: TlsMaterial<string>,
): KubeObject[] {
  return renderCluster<string>(args, { ...(passwords ? { passwords } : {}), ...(tls ? { tls } : {}) })
    .resources.filter((r) => r.patches === undefined)
    .map((r) => r.object);
}

/** The render list's objects by entry key, for looking one up. */
export function objectsByKey(rendered: RenderedCluster): Record<string, KubeObject> {
  return Object.fromEntries(rendered.resources.map((r) => [r.key, r.object]));
}

/** One line saying how the component registers an entry: its Pulumi class and name, and what is special about it. */
export function registrationSummary(r: RenderedResource, rendered: RenderedCluster): string {
  const { kind, metadata } = r.object;
  const resourceName = (key: string) => rendered.resources.find((other) => other.key === key)?.resourceName ?? key;
  const waits = [...(r.waitsForGuard ? [rendered.guard.resourceName] : []), ...r.dependsOn.map(resourceName)];
  return [
    `Pulumi resource ${kind}${r.register === "patch" ? "Patch" : ""} "${r.resourceName}"`,
    r.register === "patch"
      ? `a Patch (server-side apply) of ${kind} ${metadata.name}${r.patches ? `, owning its data` : ", creating it if missing"}`
      : undefined,
    r.retainOnDelete ? "retainOnDelete" : undefined,
    r.ignoreChanges.length > 0 ? `ignoreChanges ${r.ignoreChanges.join(", ")}` : undefined,
    r.customTimeouts ? `customTimeouts ${r.customTimeouts.create}` : undefined,
    waits.length > 0 ? `dependsOn ${waits.join(", ")}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join("; ");
}
