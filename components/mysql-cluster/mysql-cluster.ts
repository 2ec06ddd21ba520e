// MySqlCluster: registers the render list (render.ts) as Pulumi resources
// under one component, generates the passwords and certificates that fill it,
// and exposes the endpoints and credentials. What each resource is and how it
// is registered (Patches, what waits for what, what is kept or ignored) is the
// render list's; this file only maps each entry to its Pulumi class. What the
// provider and the engine do with each change is modelled, with sources, in
// tests/support/provider-model.ts.

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { MySqlClusterArgs, ResolvedArgs, resolveArgs } from "./args";
import { requiredSecretKeys } from "./builders/credentials-secret";
import { clusterNames, endpoints, SECRET_KEYS } from "./names";
import { RenderedResource, renderCluster } from "./render";
import { SettingsGuard } from "./settings-guard";
import { generateCertificates } from "./certificates";

/** What the component keeps of a registered Kubernetes resource: every class has metadata. */
type KubeResource = pulumi.CustomResource & { readonly metadata: pulumi.Output<{ name: string }> };
type KubeClass = new (name: string, args: never, opts: pulumi.CustomResourceOptions) => KubeResource;

/**
 * The Pulumi class of each kind, as a plain resource and as a Patch, and the fields its
 * class already registers as secrets (additionalSecretOutputs: @pulumi/kubernetes
 * core/v1/secret.js and secretPatch.js). A kind the render list adds needs a row here.
 */
const CLASSES: Record<string, { object: KubeClass; patch?: KubeClass; secretOutputs?: string[] }> = {
  "v1/Secret": {
    object: k8s.core.v1.Secret,
    patch: k8s.core.v1.SecretPatch,
    secretOutputs: ["data", "stringData"],
  },
  "v1/ConfigMap": { object: k8s.core.v1.ConfigMap, patch: k8s.core.v1.ConfigMapPatch },
  "v1/Service": { object: k8s.core.v1.Service },
  "v1/PersistentVolumeClaim": {
    object: k8s.core.v1.PersistentVolumeClaim,
    patch: k8s.core.v1.PersistentVolumeClaimPatch,
  },
  "apps/v1/StatefulSet": { object: k8s.apps.v1.StatefulSet },
  "v1/ServiceAccount": { object: k8s.core.v1.ServiceAccount },
  "rbac.authorization.k8s.io/v1/Role": { object: k8s.rbac.v1.Role },
  "rbac.authorization.k8s.io/v1/RoleBinding": { object: k8s.rbac.v1.RoleBinding },
  "coordination.k8s.io/v1/Lease": { object: k8s.coordination.v1.Lease },
  "batch/v1/CronJob": { object: k8s.batch.v1.CronJob },
  "networking.k8s.io/v1/NetworkPolicy": { object: k8s.networking.v1.NetworkPolicy },
  "policy/v1/PodDisruptionBudget": { object: k8s.policy.v1.PodDisruptionBudget },
  "monitoring.coreos.com/v1/ServiceMonitor": { object: k8s.apiextensions.CustomResource },
};

/** The class that registers an entry; throws for a kind or mode without one. */
export function resourceClass(r: Pick<RenderedResource, "object" | "register">) {
  const row = CLASSES[`${r.object.apiVersion}/${r.object.kind}`];
  const cls = row?.[r.register];
  if (!row || !cls)
    throw new Error(`no Pulumi class registers ${r.object.apiVersion} ${r.object.kind} as ${r.register}`);
  return { cls, secretOutputs: row.secretOutputs ?? [] };
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
  /** The Lease whose holder is the primary (`kubectl get lease <primaryLease>` says where it is now). */
  readonly primaryLease: pulumi.Output<string>;
  /**
   * The pod holding the Lease, that is the primary, as the provider last read it: after a
   * failover this is current only after `pulumi refresh` (or `pulumi up --refresh`);
   * undefined until a pod first holds it.
   */
  readonly primaryPod: pulumi.Output<string | undefined>;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly args: ResolvedArgs;

  constructor(name: string, args: MySqlClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Validation throws before anything is registered, so bad input creates nothing.
    const resolved = resolveArgs(name, args);
    super("mysql-cluster:index:MySqlCluster", name, {}, opts);
    this.args = resolved;
    const names = clusterNames(resolved);
    const parent = { parent: this };

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
    const rendered = renderCluster<pulumi.Input<string>>(resolved, {
      passwords: (key) => passwords[key],
      // With a tlsSecret the list has no TLS Secret, so nothing reads these.
      tls: certificates ?? { cert: "", key: "", ca: "" },
      // Secret data as the API stores it (base64), keeping each value's secretness.
      base64: (value) => pulumi.output(value).apply((v) => Buffer.from(v, "utf8").toString("base64")),
    });

    // Each entry marked waitsForGuard (every one today) dependsOn the guard: a refused change
    // fails the guard's step, and the SDK registers nothing that dependsOn it, so `pulumi up
    // --skip-preview` (or the Automation API) changes nothing either (issue 13, defect 14).
    const guard = new SettingsGuard(rendered.guard.resourceName, rendered.guard.settings, parent);
    const registered = new Map<string, KubeResource>();
    for (const r of rendered.resources) {
      const { cls, secretOutputs } = resourceClass(r);
      const dependsOn = r.dependsOn.map((key) => {
        const dependency = registered.get(key);
        if (!dependency) throw new Error(`${r.key} waits for ${key}, which the render list does not have before it`);
        return dependency;
      });
      const extraSecrets = r.secretOutputs.filter((field) => !secretOutputs.includes(field));
      registered.set(
        r.key,
        new cls(r.resourceName, r.object as never, {
          parent: this,
          dependsOn: [...(r.waitsForGuard ? [guard] : []), ...dependsOn],
          ...(r.ignoreChanges.length > 0 ? { ignoreChanges: r.ignoreChanges } : {}),
          ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
          ...(r.customTimeouts ? { customTimeouts: r.customTimeouts } : {}),
          ...(extraSecrets.length > 0 ? { additionalSecretOutputs: extraSecrets } : {}),
        }),
      );
    }
    const writeService = registered.get("writeService")!;
    const readService = registered.get("readService")!;
    const credentialsSecret = registered.get("credentialsSecret");
    const backupClaim = registered.get("backupClaim");
    const lease = registered.get("lease") as k8s.coordination.v1.Lease;
    this.statefulSet = registered.get("statefulSet") as k8s.apps.v1.StatefulSet;

    const ends = endpoints(resolved);
    this.writeEndpoint = pulumi.output(writeService.metadata.name).apply(() => ends.write);
    this.readEndpoint = pulumi.output(readService.metadata.name).apply(() => ends.read);
    this.port = pulumi.output(ends.port);
    this.secretName = credentialsSecret ? credentialsSecret.metadata.name : pulumi.output(names.credentialsSecret);
    this.namespace = pulumi.output(resolved.namespace);
    this.appDatabase = pulumi.output(resolved.appDatabase);
    this.appUser = pulumi.output(resolved.appUser);
    this.appPassword = pulumi.secret(passwords[SECRET_KEYS.app] ?? pulumi.output(undefined));
    this.rootPassword = pulumi.secret(passwords[SECRET_KEYS.root] ?? pulumi.output(undefined));
    this.caCertificate = certificates ? certificates.ca : pulumi.output(undefined);
    this.backupClaim = backupClaim ? backupClaim.metadata.name : pulumi.output(undefined);
    this.primaryLease = lease.metadata.name;
    // The provider's read of the live object; an empty holder is a free Lease.
    this.primaryPod = lease.spec.apply((spec) => spec?.holderIdentity || undefined);

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
      primaryLease: this.primaryLease,
      primaryPod: this.primaryPod,
    });
  }
}
