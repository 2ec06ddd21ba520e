// MySqlCluster: registers the rendered objects as Pulumi resources under one
// component, generates the passwords, guards settings that cannot change in
// place (every object waits for the guard), keeps the mounted Secrets and
// topology in place through data changes, creates or grows each pod's claim
// before its pod starts, and exposes the endpoints and credentials. What the
// provider and the engine do with each change is modelled, with sources, in
// tests/support/provider-model.ts.

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { MySqlClusterArgs, ResolvedArgs, resolveArgs } from "./args";
import { requiredSecretKeys } from "./builders/credentials-secret";
import { clusterNames, endpoints, SECRET_KEYS } from "./names";
import { renderManifests } from "./render";
import { SettingsGuard } from "./settings-guard";
import { generateCertificates } from "./certificates";
import { awaitTimeouts } from "./timeouts";

/** Server-side apply with force: the Patch takes over the fields another manager (the object's own resource, the StatefulSet controller) set. */
const PATCH_FORCE = "pulumi.com/patchForce";
/**
 * No await for the data claims: on a create the provider waits up to 5 minutes for Bound with an
 * Immediate class (Pending suffices with WaitForFirstConsumer; awaiters.go
 * untilCoreV1PersistentVolumeClaimReady), a wait in front of the StatefulSet's; a claim that
 * cannot be provisioned shows in the StatefulSet's await.
 */
const SKIP_AWAIT = "pulumi.com/skipAwait";

/** Secret data as the API stores it (base64), keeping each value's secretness. */
function base64Values(data: Record<string, pulumi.Input<string>>): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      pulumi.output(value).apply((v) => Buffer.from(v, "utf8").toString("base64")),
    ]),
  );
}

export class MySqlCluster extends pulumi.ComponentResource {
  /** Fully qualified DNS name of the write Service, which follows the primary: send writes here. */
  readonly writeEndpoint: pulumi.Output<string>;
  /** Fully qualified DNS name of the read Service: spreads reads over ready, caught-up pods. */
  readonly readEndpoint: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Name of the Secret holding every password. */
  readonly secretName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  readonly appDatabase: pulumi.Output<string | undefined>;
  readonly appUser: pulumi.Output<string | undefined>;
  /** The application user's password (a Pulumi secret); undefined without appUser or with an existingSecret. */
  readonly appPassword: pulumi.Output<string | undefined>;
  /** The root password (a Pulumi secret); undefined with an existingSecret. */
  readonly rootPassword: pulumi.Output<string | undefined>;
  /** The CA certificate clients use to verify the servers; undefined with a tlsSecret. */
  readonly caCertificate: pulumi.Output<string | undefined>;
  /** The PVC the scheduled backups are kept in (a new cluster's restoreFromClaim); undefined without backupSchedule. */
  readonly backupClaim: pulumi.Output<string | undefined>;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly args: ResolvedArgs;

  constructor(name: string, args: MySqlClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Validation throws before anything is registered, so bad input creates nothing.
    const resolved = resolveArgs(name, args);
    super("mysql-cluster:index:MySqlCluster", name, {}, opts);
    this.args = resolved;
    const names = clusterNames(resolved);
    const parent = { parent: this };

    // Every Kubernetes object waits for the guard: a refused change fails the guard's step, and
    // the SDK registers nothing that dependsOn it, so `pulumi up --skip-preview` (or the
    // Automation API) changes nothing either (issue 13, defect 14).
    const guard = new SettingsGuard(
      `${name}-settings-guard`,
      {
        flavor: resolved.flavor,
        storageClass: resolved.storageClass ?? "",
        storageAccessMode: resolved.storageAccessMode,
        storageSize: resolved.storageSize,
        existingSecret: resolved.existingSecret ?? "",
        tlsSecret: resolved.tlsSecret ?? "",
        namespace: resolved.namespace,
        primaryOrdinal: resolved.primaryOrdinal,
        replicas: resolved.replicas,
      },
      parent,
    );
    const guarded = (...more: pulumi.Resource[]) => ({ parent: this, dependsOn: [guard, ...more] });

    const passwords: Record<string, pulumi.Output<string>> = {};
    if (!resolved.existingSecret) {
      for (const key of requiredSecretKeys(resolved)) {
        // Letters and digits only: 32 of them carry ~190 bits and need no quoting in SQL or option files.
        // keepers: raising passwordRotation replaces every password with a new one.
        passwords[key] = new random.RandomPassword(
          `${name}-${key}`,
          {
            length: 32,
            special: false,
            keepers: { rotation: String(resolved.passwordRotation) },
          },
          parent,
        ).result;
      }
    }
    const certificates = resolved.tlsSecret ? undefined : generateCertificates(resolved, this);
    const manifests = renderManifests(resolved, (key) => passwords[key], certificates);

    // The Secrets and the topology ConfigMap keep fixed names (pods mount them by name and
    // their changes must reach running pods), and the provider replaces a ConfigMap or Secret
    // whose data changes (pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties:
    // .data/.stringData/.binaryData force a replacement unless enableConfigMapMutable /
    // enableSecretMutable are set) and, for a fixed name, deletes the old object first
    // (provider.go Diff: deleteBeforeReplace when the new name equals the old). So each is
    // two resources: the object itself, whose data is set at creation and then ignored, and
    // a Patch that owns the data. A Patch resource is replaced only when its name or
    // namespace changes (provider.go Diff: forceNewFields for IsPatchResource) and applies
    // its data with server-side apply, so a switchover, a rotation or a renewal is an update
    // in place and the object never disappears (issue 13, defect 6). The objects keep their
    // Pulumi names, so an existing stack adopts the Patches without a replacement.
    const mountedData = <T extends { metadata: { name: string; namespace: string } }>(
      kind: "Secret" | "ConfigMap",
      resourceName: string,
      object: T,
      data: Record<string, pulumi.Input<string>>,
    ) => {
      const base =
        kind === "Secret"
          ? new k8s.core.v1.Secret(resourceName, object as k8s.core.v1.SecretArgs, {
              ...guarded(),
              ignoreChanges: ["stringData", "data"],
            })
          : new k8s.core.v1.ConfigMap(resourceName, object as k8s.core.v1.ConfigMapArgs, {
              ...guarded(),
              ignoreChanges: ["data"],
            });
      const metadata = {
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        annotations: { [PATCH_FORCE]: "true" },
      };
      const patch =
        kind === "Secret"
          ? new k8s.core.v1.SecretPatch(`${resourceName}-data`, { metadata, data: base64Values(data) }, guarded(base))
          : new k8s.core.v1.ConfigMapPatch(`${resourceName}-data`, { metadata, data }, guarded(base));
      return { base, patch };
    };
    const secret = manifests.secret
      ? mountedData("Secret", `${name}-credentials`, manifests.secret, manifests.secret.stringData)
      : undefined;
    const tlsSecret = manifests.tlsSecret
      ? mountedData("Secret", `${name}-tls`, manifests.tlsSecret, manifests.tlsSecret.stringData)
      : undefined;
    const topology = mountedData(
      "ConfigMap",
      `${name}-topology`,
      manifests.topologyConfigMap,
      manifests.topologyConfigMap.data,
    );
    const mounted = [topology.patch, ...(secret ? [secret.patch] : []), ...(tlsSecret ? [tlsSecret.patch] : [])];

    if (manifests.networkPolicy)
      new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, manifests.networkPolicy, guarded());
    new k8s.policy.v1.PodDisruptionBudget(`${name}-disruption-budget`, manifests.disruptionBudget, guarded());
    if (manifests.metricsService) new k8s.core.v1.Service(`${name}-metrics`, manifests.metricsService, guarded());
    if (manifests.serviceMonitor)
      new k8s.apiextensions.CustomResource(`${name}-service-monitor`, manifests.serviceMonitor, guarded());
    // Content-hashed name: a change is a new object (create before delete: the old one goes
    // only after the StatefulSet that mounts it has rolled), never a change of a mounted one.
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, manifests.configMap, guarded());
    const headlessService = new k8s.core.v1.Service(`${name}-headless`, manifests.headlessService, guarded());
    const timeouts = awaitTimeouts(resolved);
    // The provider waits until a Service's Endpoints list no not-ready pod
    // (provider/pkg/await/service.go): the write Service for pod 0 on creation (an
    // initialisation or a restore) or the new primary after a switchover, the read Service
    // for every pod it selects, so as long as the StatefulSet's creation.
    const readService = new k8s.core.v1.Service(`${name}-read`, manifests.readService, {
      ...guarded(),
      customTimeouts: timeouts.readService,
    });
    const writeService = new k8s.core.v1.Service(`${name}-write`, manifests.writeService, {
      ...guarded(),
      customTimeouts: timeouts.writeService,
    });

    // Each pod's data claim at the current size, created (server-side apply creates a missing
    // object: k8s.io/apiserver endpoints/handlers/patch.go, forceAllowCreate for apply
    // patches) or grown before the StatefulSet, which dependsOn them, can create pod N
    // (issue 13, defect 4). A Patch never fails with AlreadyExists, so a claim kept from an
    // earlier cluster or a scale-down is adopted. retainOnDelete: scaling down or destroying
    // leaves the claims and their data alone (a Patch's delete would relinquish its fields).
    const dataClaims = manifests.dataClaims.map(
      (claim, ordinal) =>
        new k8s.core.v1.PersistentVolumeClaimPatch(
          `${name}-data-${ordinal}`,
          {
            ...claim,
            metadata: { ...claim.metadata, annotations: { [PATCH_FORCE]: "true", [SKIP_AWAIT]: "true" } },
          },
          { ...guarded(), retainOnDelete: true },
        ),
    );

    this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}`, manifests.statefulSet, {
      ...guarded(configMap, headlessService, ...mounted, ...dataClaims),
      // A changed volumeClaimTemplate would make the provider delete and
      // re-create the StatefulSet. Size changes go through the data claims
      // above instead, and the guard refuses the changes that cannot be made.
      ignoreChanges: ["spec.volumeClaimTemplates"],
      // OrderedReady: a creation or a roll waits for each pod in turn; bounds from storageSize (timeouts.ts).
      customTimeouts: timeouts.statefulSet,
    });

    let backupClaim: k8s.core.v1.PersistentVolumeClaimPatch | undefined;
    if (manifests.backupClaim && manifests.backupCronJob) {
      // Backups outlive the cluster: turning backups off or destroying the stack keeps the
      // claim (retainOnDelete), and a Patch adopts it when backups come back (a plain
      // PersistentVolumeClaim's create would fail with AlreadyExists since provider 4.29:
      // CHANGELOG 4.29.0, await.go Creation uses a client-side create; issue 13, defect 5).
      // Its Pulumi name is not "<name>-backups", the PersistentVolumeClaim resource of earlier
      // versions: that one leaves the program and, being retainOnDelete, only the state.
      const claim = manifests.backupClaim;
      backupClaim = new k8s.core.v1.PersistentVolumeClaimPatch(
        `${name}-backup-claim`,
        {
          ...claim,
          metadata: { ...claim.metadata, annotations: { ...claim.metadata.annotations, [PATCH_FORCE]: "true" } },
        },
        { ...guarded(), retainOnDelete: true },
      );
      // Not after the StatefulSet: a long rollout must not hold back the schedule.
      new k8s.batch.v1.CronJob(`${name}-backup`, manifests.backupCronJob, guarded(configMap, backupClaim, ...mounted));
    }

    const ends = endpoints(resolved);
    this.writeEndpoint = pulumi.output(writeService.metadata.name).apply(() => ends.write);
    this.readEndpoint = pulumi.output(readService.metadata.name).apply(() => ends.read);
    this.port = pulumi.output(ends.port);
    this.secretName = secret ? secret.base.metadata.name : pulumi.output(names.secret);
    this.namespace = pulumi.output(resolved.namespace);
    this.appDatabase = pulumi.output(resolved.appDatabase);
    this.appUser = pulumi.output(resolved.appUser);
    this.appPassword = pulumi.secret(passwords[SECRET_KEYS.app] ?? pulumi.output(undefined));
    this.rootPassword = pulumi.secret(passwords[SECRET_KEYS.root] ?? pulumi.output(undefined));
    this.caCertificate = certificates ? certificates.ca : pulumi.output(undefined);
    this.backupClaim = backupClaim ? backupClaim.metadata.name : pulumi.output(undefined);

    this.registerOutputs({
      writeEndpoint: this.writeEndpoint,
      readEndpoint: this.readEndpoint,
      port: this.port,
      secretName: this.secretName,
      namespace: this.namespace,
      appDatabase: this.appDatabase,
      appUser: this.appUser,
      appPassword: this.appPassword,
      rootPassword: this.rootPassword,
      caCertificate: this.caCertificate,
      backupClaim: this.backupClaim,
    });
  }
}
