// MySqlCluster: registers the rendered objects as Pulumi resources under one
// component, generates the passwords, guards settings that cannot change in
// place, grows volumes in place, and exposes the endpoints and credentials.

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { MySqlClusterArgs, ResolvedArgs, resolveArgs } from "./args";
import { requiredSecretKeys } from "./builders/credentials-secret";
import { clusterNames, endpoints, SECRET_KEYS } from "./names";
import { renderManifests } from "./render";
import { SettingsGuard } from "./settings-guard";
import { generateCertificates } from "./certificates";

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

    new SettingsGuard(`${name}-settings-guard`, {
      flavor: resolved.flavor,
      storageClass: resolved.storageClass ?? "",
      storageAccessMode: resolved.storageAccessMode,
      storageSize: resolved.storageSize,
      existingSecret: resolved.existingSecret ?? "",
      tlsSecret: resolved.tlsSecret ?? "",
      namespace: resolved.namespace,
      primaryOrdinal: resolved.primaryOrdinal,
      replicas: resolved.replicas,
    }, parent);

    const passwords: Record<string, pulumi.Output<string>> = {};
    if (!resolved.existingSecret) {
      for (const key of requiredSecretKeys(resolved)) {
        // Letters and digits only: 32 of them carry ~190 bits and need no quoting in SQL or option files.
        // keepers: raising passwordRotation replaces every password with a new one.
        passwords[key] = new random.RandomPassword(`${name}-${key}`, {
          length: 32,
          special: false,
          keepers: { rotation: String(resolved.passwordRotation) },
        }, parent).result;
      }
    }
    const certificates = resolved.tlsSecret ? undefined : generateCertificates(resolved, this);
    const manifests = renderManifests(resolved, (key) => passwords[key], certificates);

    const secret = manifests.secret ? new k8s.core.v1.Secret(`${name}-credentials`, manifests.secret, parent) : undefined;
    const tlsSecret = manifests.tlsSecret ? new k8s.core.v1.Secret(`${name}-tls`, manifests.tlsSecret, parent) : undefined;
    if (manifests.networkPolicy) new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, manifests.networkPolicy, parent);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-disruption-budget`, manifests.disruptionBudget, parent);
    if (manifests.metricsService) new k8s.core.v1.Service(`${name}-metrics`, manifests.metricsService, parent);
    if (manifests.serviceMonitor) new k8s.apiextensions.CustomResource(`${name}-service-monitor`, manifests.serviceMonitor, parent);
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, manifests.configMap, parent);
    const headlessService = new k8s.core.v1.Service(`${name}-headless`, manifests.headlessService, parent);
    const readService = new k8s.core.v1.Service(`${name}-read`, manifests.readService, parent);
    const writeService = new k8s.core.v1.Service(`${name}-write`, manifests.writeService, parent);
    const topology = new k8s.core.v1.ConfigMap(`${name}-topology`, manifests.topologyConfigMap, parent);
    this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}`, manifests.statefulSet, {
      parent: this,
      dependsOn: [configMap, topology, headlessService, ...(secret ? [secret] : []), ...(tlsSecret ? [tlsSecret] : [])],
      // A changed volumeClaimTemplate would make the provider delete and
      // re-create the StatefulSet. Size changes go through the PVC patches
      // below instead, and the guard refuses the changes that cannot be made.
      ignoreChanges: ["spec.volumeClaimTemplates"],
    });

    let backupClaim: k8s.core.v1.PersistentVolumeClaim | undefined;
    if (manifests.backupClaim && manifests.backupCronJob) {
      // Backups outlive the cluster: deleting the stack leaves their volume (restoreFromClaim reads it).
      backupClaim = new k8s.core.v1.PersistentVolumeClaim(`${name}-backups`, manifests.backupClaim, { parent: this, retainOnDelete: true });
      new k8s.batch.v1.CronJob(`${name}-backup`, manifests.backupCronJob, { parent: this, dependsOn: [configMap, topology, backupClaim, this.statefulSet] });
    }

    // Volume expansion in place: each pod's claim is patched to the current size.
    // retainOnDelete: scaling down must leave the claims (and their size) alone.
    for (let ordinal = 0; ordinal < resolved.replicas; ordinal++) {
      new k8s.core.v1.PersistentVolumeClaimPatch(`${name}-data-${ordinal}`, {
        metadata: {
          name: `${names.dataClaim}-${names.statefulSet}-${ordinal}`,
          namespace: resolved.namespace,
          annotations: { "pulumi.com/patchForce": "true" },
        },
        spec: { resources: { requests: { storage: resolved.storageSize } } },
      }, { parent: this, dependsOn: [this.statefulSet], retainOnDelete: true });
    }

    const ends = endpoints(resolved);
    this.writeEndpoint = pulumi.output(writeService.metadata.name).apply(() => ends.write);
    this.readEndpoint = pulumi.output(readService.metadata.name).apply(() => ends.read);
    this.port = pulumi.output(ends.port);
    this.secretName = secret ? secret.metadata.name : pulumi.output(names.secret);
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
