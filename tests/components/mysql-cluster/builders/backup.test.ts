// Scheduled backups: buildBackupClaim (the PVC "<name>-backups" that keeps
// them) and buildBackupCronJob (the CronJob "<name>-backup" whose pod runs
// take-backup.sh), as the render list / renderObjects emit them only when
// backupSchedule is set; the NetworkPolicy admitting the backup pods; the
// objects validated against the Kubernetes schema (kubernetes-models); and no
// password anywhere outside the credentials Secret.

import * as assert from "assert";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import {
  MAX_NAME_LENGTH_WITH_BACKUPS,
  MySqlClusterArgs,
  ResolvedArgs,
  resolveArgs,
} from "../../../../components/mysql-cluster/args";
import { buildBackupClaim, buildBackupCronJob } from "../../../../components/mysql-cluster/builders/backup";
import { clusterNames, SECRET_KEYS } from "../../../../components/mysql-cluster/names";
import { objectsByKey, renderCluster, renderObjects } from "../../../../components/mysql-cluster/render";
import { AnyObject } from "../../../support/objects";

const SCHEDULE = "0 3 * * *";
const MYSQL_PORT = 3306;
const BACKUP_PORT = 3307;

/** Recognisable secret values, so a leak is easy to find. */
const PASSWORD_OF = (key: string) => `pw-bkp-${key}`;
const TLS_MATERIAL = { cert: "CERT-bkp", key: "KEY-bkp", ca: "CA-bkp" };

/** The render list's objects by key. */
function byKey(
  args: ResolvedArgs,
  values: Parameters<typeof renderCluster<string>>[1] = {},
): Record<string, AnyObject> {
  return objectsByKey(renderCluster(args, values));
}

function manifests(args: MySqlClusterArgs = {}, name = "db") {
  return byKey(resolveArgs(name, { namespace: "data", backupSchedule: SCHEDULE, ...args }), {
    passwords: PASSWORD_OF,
    tls: TLS_MATERIAL,
  });
}

function cronJob(args: MySqlClusterArgs = {}, name = "db"): AnyObject {
  const job = manifests(args, name).backupCronJob;
  assert.ok(job, "no CronJob rendered with a backupSchedule");
  return job as AnyObject;
}

function claim(args: MySqlClusterArgs = {}, name = "db"): AnyObject {
  const pvc = manifests(args, name).backupClaim;
  assert.ok(pvc, "no backup PVC rendered with a backupSchedule");
  return pvc as AnyObject;
}

const podSpec = (job: AnyObject): AnyObject => job.spec.jobTemplate.spec.template.spec;
const podLabels = (job: AnyObject): Record<string, string> => job.spec.jobTemplate.spec.template.metadata.labels;
const backupContainer = (job: AnyObject): AnyObject => {
  const containers: AnyObject[] = podSpec(job).containers;
  assert.deepStrictEqual(
    containers.map((c) => c.name),
    ["backup"],
  );
  return containers[0];
};
const volume = (job: AnyObject, name: string): AnyObject | undefined =>
  podSpec(job).volumes.find((v: AnyObject) => v.name === name);
const envOf = (container: AnyObject): Record<string, AnyObject> =>
  Object.fromEntries((container.env ?? []).map((e: AnyObject) => [e.name, e]));

/** Does a {matchLabels} selector (or a Service's plain selector map) select these labels? */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function validate(Model: new (data: never) => { validate(): void }, obj: AnyObject): void {
  try {
    new Model(obj as never).validate();
  } catch (error) {
    assert.fail(`${obj.kind} ${obj.metadata?.name} does not validate: ${String(error)}`);
  }
}

/** Whether the NetworkPolicy admits a pod with these labels, in the policy's namespace, on a port. */
function admits(policy: AnyObject, labels: Record<string, string>, port: number): boolean {
  return policy.spec.ingress.some(
    (rule: AnyObject) =>
      rule.ports.some((p: AnyObject) => p.port === port && p.protocol === "TCP") &&
      rule.from.some(
        (from: AnyObject) => !from.namespaceSelector && selects(from.podSelector?.matchLabels ?? {}, labels),
      ),
  );
}

describe("scheduled backups: rendered objects", function () {
  describe("without backupSchedule (the default)", function () {
    for (const [description, args] of [
      ["unset", {}],
      ["an empty string", { backupSchedule: "" }],
    ] as [string, MySqlClusterArgs][]) {
      it(`renders no backup PVC and no CronJob when backupSchedule is ${description}`, function () {
        const resolved = resolveArgs("db", args);
        const m = byKey(resolved);
        assert.strictEqual(m.backupClaim, undefined);
        assert.strictEqual(m.backupCronJob, undefined);
        const kinds = (renderObjects(resolved) as AnyObject[]).map((o) => o.kind);
        assert.ok(!kinds.includes("CronJob"), `kinds: ${kinds.join(", ")}`);
        // Only the pods' data claims, no backups claim.
        const claims = (renderObjects(resolved) as AnyObject[])
          .filter((o) => o.kind === "PersistentVolumeClaim")
          .map((o) => o.metadata.name);
        assert.ok(
          claims.every((n) => n.startsWith("data-")),
          `claims: ${claims.join(", ")}`,
        );
      });
    }
  });

  describe("with backupSchedule", function () {
    it("renders the PVC <name>-backups and then the CronJob <name>-backup right after the StatefulSet, last in apply order", function () {
      const objects = renderObjects(resolveArgs("db", { backupSchedule: SCHEDULE })) as AnyObject[];
      const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      assert.deepStrictEqual(ids.slice(-3), [
        "StatefulSet/db",
        "PersistentVolumeClaim/db-backups",
        "CronJob/db-backup",
      ]);
      assert.strictEqual(
        ids.filter(
          (id) =>
            id.startsWith("CronJob/") ||
            (id.startsWith("PersistentVolumeClaim/") && !id.startsWith("PersistentVolumeClaim/data-")),
        ).length,
        2,
      );
    });

    it("adds only the two backup objects: every other object is the same as without backups (turning backups on rolls no pod)", function () {
      const without = renderObjects(resolveArgs("db", { namespace: "data" }), PASSWORD_OF, TLS_MATERIAL) as AnyObject[];
      const withBackups = renderObjects(
        resolveArgs("db", { namespace: "data", backupSchedule: SCHEDULE }),
        PASSWORD_OF,
        TLS_MATERIAL,
      ) as AnyObject[];
      const others = withBackups.filter(
        (o) =>
          o.kind !== "CronJob" &&
          !(o.kind === "PersistentVolumeClaim" && o.metadata.name === "db-backups") &&
          o.kind !== "NetworkPolicy",
      );
      assert.deepStrictEqual(
        others,
        without.filter((o) => o.kind !== "NetworkPolicy"),
      );
    });

    it("puts both objects in the cluster's namespace, labelled with the backup labels and managed-by pulumi", function () {
      for (const obj of [claim(), cronJob()]) {
        assert.strictEqual(obj.metadata.namespace, "data", obj.kind);
        assert.deepStrictEqual(
          obj.metadata.labels,
          {
            "app.kubernetes.io/name": "mysql-cluster-backup",
            "app.kubernetes.io/instance": "db",
            "app.kubernetes.io/managed-by": "pulumi",
          },
          obj.kind,
        );
      }
    });
  });

  describe("buildBackupClaim", function () {
    it("is a ReadWriteOnce PVC named <name>-backups requesting backupStorageSize, 50Gi by default", function () {
      const pvc = claim({}, "shop");
      assert.strictEqual(pvc.apiVersion, "v1");
      assert.strictEqual(pvc.kind, "PersistentVolumeClaim");
      assert.strictEqual(pvc.metadata.name, "shop-backups");
      assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
      assert.deepStrictEqual(pvc.spec.resources, { requests: { storage: "50Gi" } });
      assert.strictEqual(claim({ backupStorageSize: "200Gi" }).spec.resources.requests.storage, "200Gi");
    });

    it("names no storage class by default (the cluster's default class), and backupStorageClass when set", function () {
      assert.ok(!("storageClassName" in claim().spec), JSON.stringify(claim().spec));
      assert.strictEqual(claim({ backupStorageClass: "cold.example.com" }).spec.storageClassName, "cold.example.com");
    });

    it("does not take the data volumes' storageClass", function () {
      assert.ok(!("storageClassName" in claim({ storageClass: "fast" }).spec));
    });

    it('carries the annotations pulumi.com/skipAwait "true" (a WaitForFirstConsumer claim binds only when the first backup runs) and, as a Patch, pulumi.com/patchForce "true"', function () {
      assert.deepStrictEqual(claim().metadata.annotations, {
        "pulumi.com/skipAwait": "true",
        "pulumi.com/patchForce": "true",
      });
    });

    it("is what buildBackupClaim returns for the resolved args", function () {
      const resolved = resolveArgs("db", { namespace: "data", backupSchedule: SCHEDULE, backupStorageSize: "7Gi" });
      const { metadata, ...rest } = buildBackupClaim(resolved, clusterNames(resolved));
      // Registered as a PersistentVolumeClaimPatch: server-side apply with force.
      assert.deepStrictEqual(byKey(resolved).backupClaim, {
        ...rest,
        metadata: { ...metadata, annotations: { ...metadata.annotations, "pulumi.com/patchForce": "true" } },
      });
    });

    for (const [description, args] of [
      ["the defaults", {}],
      ["a storage class and a decimal size", { backupStorageClass: "standard", backupStorageSize: "1500M" }],
    ] as [string, MySqlClusterArgs][]) {
      it(`validates against the v1 PersistentVolumeClaim schema, with ${description}`, function () {
        validate(PersistentVolumeClaim, claim(args));
      });
    }
  });

  describe("buildBackupCronJob", function () {
    it("is a batch/v1 CronJob named <name>-backup on backupSchedule in Etc/UTC, one run at a time (concurrencyPolicy Forbid)", function () {
      const job = cronJob({ backupSchedule: "15 2 * * 0" }, "shop");
      assert.strictEqual(job.apiVersion, "batch/v1");
      assert.strictEqual(job.kind, "CronJob");
      assert.strictEqual(job.metadata.name, "shop-backup");
      assert.strictEqual(job.spec.schedule, "15 2 * * 0");
      assert.strictEqual(job.spec.timeZone, "Etc/UTC");
      assert.strictEqual(job.spec.concurrencyPolicy, "Forbid");
    });

    it("takes the @ shorthands as they are, and refuses a schedule with surrounding spaces rather than trimming it", function () {
      assert.strictEqual(cronJob({ backupSchedule: "@daily" }).spec.schedule, "@daily");
      assert.throws(
        () => cronJob({ backupSchedule: "  30 1 * * *  " }),
        /setting "backupSchedule": got " {2}30 1 \* \* \* {2}"; expected .*\(without leading or trailing spaces\)/,
      );
    });

    it("runs a pod with restartPolicy Never and exactly one container, backup, running bash /scripts/take-backup.sh in the backup image", function () {
      const job = cronJob();
      assert.strictEqual(podSpec(job).restartPolicy, "Never");
      const container = backupContainer(job);
      assert.deepStrictEqual(container.command, ["bash", "/scripts/take-backup.sh"]);
      assert.strictEqual(container.image, resolveArgs("db").backupImage);
      assert.ok(!("initContainers" in podSpec(job)) || podSpec(job).initContainers.length === 0);
    });

    it("uses the flavor's backup image, or backupImage when set", function () {
      assert.strictEqual(
        backupContainer(cronJob({ flavor: "mariadb" })).image,
        resolveArgs("db", { flavor: "mariadb" }).backupImage,
      );
      assert.strictEqual(
        backupContainer(cronJob({ backupImage: "registry.example/xtrabackup:8.4.0" })).image,
        "registry.example/xtrabackup:8.4.0",
      );
    });

    it("meets the restricted Pod Security Standard: non-root, RuntimeDefault seccomp, no privilege escalation, every capability dropped, read-only root filesystem", function () {
      const pod = podSpec(cronJob());
      assert.strictEqual(pod.securityContext.runAsNonRoot, true);
      assert.notStrictEqual(pod.securityContext.runAsUser, 0);
      assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
      assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC);
      const sc = backupContainer(cronJob()).securityContext;
      assert.strictEqual(sc.allowPrivilegeEscalation, false);
      assert.strictEqual(sc.readOnlyRootFilesystem, true);
      assert.strictEqual(sc.runAsNonRoot, true);
      assert.deepStrictEqual(sc.capabilities, { drop: ["ALL"] });
      assert.ok(!sc.privileged);
    });

    it("runs as the same user and group as the database pods, so it can read the Secret files (mode 0440) and write the backup volume", function () {
      const m = manifests();
      const stsSecurity = (m.statefulSet as AnyObject).spec.template.spec.securityContext;
      assert.deepStrictEqual(podSpec(m.backupCronJob as AnyObject).securityContext, stsSecurity);
    });

    it("labels its pods app.kubernetes.io/name mysql-cluster-backup with the instance, not the database pods' labels", function () {
      const labels = podLabels(cronJob());
      assert.strictEqual(labels["app.kubernetes.io/name"], "mysql-cluster-backup");
      assert.strictEqual(labels["app.kubernetes.io/instance"], "db");
      assert.notStrictEqual(labels["app.kubernetes.io/component"], "database");
    });

    it("has pods that no Service, PodDisruptionBudget or StatefulSet selects, and that the NetworkPolicy does not govern", function () {
      const m = manifests({ metrics: true }) as AnyObject;
      const labels = podLabels(m.backupCronJob);
      assert.ok(!selects(m.statefulSet.spec.selector.matchLabels, labels), "the StatefulSet selects the backup pods");
      assert.ok(
        !selects(m.disruptionBudget.spec.selector.matchLabels, labels),
        "the PodDisruptionBudget counts the backup pods",
      );
      assert.ok(
        !selects(m.networkPolicy.spec.podSelector.matchLabels, labels),
        "the NetworkPolicy governs the backup pods",
      );
      for (const svc of [m.headlessService, m.writeService, m.readService, m.metricsService]) {
        assert.ok(!selects(svc.spec.selector, labels), `Service ${svc.metadata.name} selects the backup pods`);
      }
      // The check itself can fail: the database pods are selected by all of them.
      const dbLabels = m.statefulSet.spec.template.metadata.labels;
      assert.ok(
        selects(m.readService.spec.selector, dbLabels) &&
          selects(m.disruptionBudget.spec.selector.matchLabels, dbLabels),
      );
    });

    it("sets BACKUP_RETENTION to backupRetention (default 7) and CLUSTER_SIZE to replicas", function () {
      assert.strictEqual(envOf(backupContainer(cronJob())).BACKUP_RETENTION.value, "7");
      assert.strictEqual(envOf(backupContainer(cronJob())).CLUSTER_SIZE.value, "3");
      const env = envOf(backupContainer(cronJob({ backupRetention: 30, replicas: 5 })));
      assert.deepStrictEqual(env.BACKUP_RETENTION, { name: "BACKUP_RETENTION", value: "30" });
      assert.deepStrictEqual(env.CLUSTER_SIZE, { name: "CLUSTER_SIZE", value: "5" });
    });

    it("gives the backup container the cluster's common environment (StatefulSet, headless Service, domain, flavor tools), as the database pods' init steps get it", function () {
      const m = manifests({ flavor: "mariadb", clusterDomain: "corp.local" }) as AnyObject;
      const env = envOf(backupContainer(m.backupCronJob));
      const initData = envOf(
        m.statefulSet.spec.template.spec.initContainers.find((c: AnyObject) => c.name === "init-data"),
      );
      for (const name of [
        "FLAVOR",
        "STS_NAME",
        "HEADLESS_SERVICE",
        "CLUSTER_DOMAIN",
        "SECRET_NAME",
        "DB_CLIENT",
        "BACKUP_TOOL",
        "STREAM_TOOL",
        "POD_NAMESPACE",
      ]) {
        assert.ok(env[name], `no ${name}`);
        assert.deepStrictEqual(env[name], initData[name], name);
      }
      assert.strictEqual(env.STS_NAME.value, "db");
      assert.strictEqual(env.CLUSTER_DOMAIN.value, "corp.local");
    });

    it("declares exactly the volumes scripts, secrets, tls, topology, run, tmp and backups, and mounts each of them", function () {
      const job = cronJob();
      const declared = podSpec(job)
        .volumes.map((v: AnyObject) => v.name)
        .sort();
      assert.deepStrictEqual(declared, ["backups", "run", "scripts", "secrets", "tls", "tmp", "topology"]);
      const mounted = backupContainer(job)
        .volumeMounts.map((m: AnyObject) => m.name)
        .sort();
      assert.deepStrictEqual(mounted, declared);
    });

    it("mounts the scripts ConfigMap with the same content-hashed name as the StatefulSet's", function () {
      const m = manifests() as AnyObject;
      const stsScripts = m.statefulSet.spec.template.spec.volumes.find((v: AnyObject) => v.name === "scripts");
      assert.match(m.configMap.metadata.name, /^db-config-[0-9a-f]{10}$/);
      assert.strictEqual(volume(m.backupCronJob, "scripts")!.configMap.name, m.configMap.metadata.name);
      assert.deepStrictEqual(volume(m.backupCronJob, "scripts"), stsScripts);
    });

    it("follows the scripts ConfigMap to its new name when the configuration changes", function () {
      const a = manifests({ memoryLimit: "1Gi" }) as AnyObject;
      const b = manifests({ memoryLimit: "2Gi" }) as AnyObject;
      assert.notStrictEqual(a.configMap.metadata.name, b.configMap.metadata.name);
      assert.strictEqual(volume(b.backupCronJob, "scripts")!.configMap.name, b.configMap.metadata.name);
    });

    it("projects only the monitor-password (to pick a replica) and backup-password (stream token) keys of the credentials Secret (items)", function () {
      const secrets = volume(cronJob(), "secrets")!;
      assert.deepStrictEqual(Object.keys(secrets).sort(), ["name", "secret"]);
      assert.strictEqual(secrets.secret.secretName, "db-credentials");
      assert.deepStrictEqual(secrets.secret.items, [
        { key: SECRET_KEYS.monitor, path: SECRET_KEYS.monitor },
        { key: SECRET_KEYS.backup, path: SECRET_KEYS.backup },
      ]);
      assert.strictEqual(secrets.secret.defaultMode, 0o440);
    });

    it("projects only those two keys from an existingSecret too", function () {
      const secrets = volume(cronJob({ existingSecret: "corp-db-passwords" }), "secrets")!;
      assert.strictEqual(secrets.secret.secretName, "corp-db-passwords");
      assert.deepStrictEqual(secrets.secret.items, [
        { key: "monitor-password", path: "monitor-password" },
        { key: "backup-password", path: "backup-password" },
      ]);
    });

    it("bounds a run: activeDeadlineSeconds (a hung stream cannot block later backups under concurrencyPolicy Forbid) and 2 retries", function () {
      const job = cronJob().spec.jobTemplate.spec;
      assert.strictEqual(cronJob().spec.concurrencyPolicy, "Forbid");
      assert.strictEqual(job.activeDeadlineSeconds, 6 * 3600);
      assert.strictEqual(job.backoffLimit, 2);
    });

    it("mounts no service-account token into the backup pod", function () {
      assert.strictEqual(cronJob().spec.jobTemplate.spec.template.spec.automountServiceAccountToken, false);
    });

    it("mounts the TLS Secret (generated <name>-tls, or tlsSecret) and the topology ConfigMap <name>-topology, read-only", function () {
      assert.strictEqual(volume(cronJob(), "tls")!.secret.secretName, "db-tls");
      assert.strictEqual(volume(cronJob({ tlsSecret: "corp-tls" }), "tls")!.secret.secretName, "corp-tls");
      assert.strictEqual(volume(cronJob(), "topology")!.configMap.name, "db-topology");
      const mounts = Object.fromEntries(backupContainer(cronJob()).volumeMounts.map((m: AnyObject) => [m.name, m]));
      for (const name of ["scripts", "secrets", "tls", "topology"])
        assert.strictEqual(mounts[name].readOnly, true, name);
    });

    it("mounts the backups PVC <name>-backups writable at /backups", function () {
      const job = cronJob({}, "shop");
      assert.deepStrictEqual(volume(job, "backups"), {
        name: "backups",
        persistentVolumeClaim: { claimName: "shop-backups" },
      });
      const mount = backupContainer(job).volumeMounts.find((m: AnyObject) => m.name === "backups");
      assert.deepStrictEqual(mount, { name: "backups", mountPath: "/backups", readOnly: false });
      assert.strictEqual(volume(job, "backups")!.persistentVolumeClaim.claimName, claim({}, "shop").metadata.name);
    });

    it("mounts /scripts, /run/mysqld and /tmp where the database pods have them, run and tmp as emptyDirs", function () {
      const m = manifests() as AnyObject;
      const stsMounts = new Map<string, string>(
        m.statefulSet.spec.template.spec.initContainers.flatMap((c: AnyObject) =>
          c.volumeMounts.map((v: AnyObject) => [v.name, v.mountPath]),
        ),
      );
      for (const mount of backupContainer(m.backupCronJob).volumeMounts.filter(
        (v: AnyObject) => v.name !== "backups",
      )) {
        assert.strictEqual(mount.mountPath, stsMounts.get(mount.name), mount.name);
      }
      assert.ok(volume(m.backupCronJob, "run")!.emptyDir);
      assert.ok(volume(m.backupCronJob, "tmp")!.emptyDir);
    });

    it("passes priorityClassName and tolerations through to the backup pod", function () {
      const pod = podSpec(
        cronJob({
          priorityClassName: "db-critical",
          tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
        }),
      );
      assert.strictEqual(pod.priorityClassName, "db-critical");
      assert.deepStrictEqual(pod.tolerations, [
        { key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" },
      ]);
      assert.ok(!("priorityClassName" in podSpec(cronJob())) && !("tolerations" in podSpec(cronJob())));
    });

    it("is what buildBackupCronJob returns for the resolved args and the ConfigMap's name", function () {
      const resolved = resolveArgs("db", { backupSchedule: SCHEDULE });
      const m = byKey(resolved);
      assert.deepStrictEqual(
        m.backupCronJob,
        buildBackupCronJob(resolved, clusterNames(resolved), m.configMap.metadata.name),
      );
    });

    for (const [description, args] of [
      ["the defaults", {}],
      [
        "mariadb, an @weekly schedule, an existingSecret and a tlsSecret",
        { flavor: "mariadb", backupSchedule: "@weekly", existingSecret: "s", tlsSecret: "t" },
      ],
      [
        "tolerations, a priority class and an application user",
        {
          priorityClassName: "high",
          tolerations: [{ operator: "Exists" }],
          appDatabase: "shop",
          appUser: "shop",
          backupRetention: 1000,
        },
      ],
    ] as [string, MySqlClusterArgs][]) {
      it(`validates against the batch/v1 CronJob schema, with ${description}`, function () {
        validate(CronJob, cronJob(args));
      });
    }

    it("has a CronJob name of at most 52 characters (the API server's limit) for every cluster name resolveArgs accepts with backups", function () {
      const longest = "a".repeat(MAX_NAME_LENGTH_WITH_BACKUPS);
      const job = cronJob({}, longest);
      assert.ok(
        job.metadata.name.length <= 52,
        `CronJob name "${job.metadata.name}" has ${job.metadata.name.length} characters; the API server refuses CronJob names over 52`,
      );
    });

    it("refuses, with backupSchedule, a cluster name too long for the CronJob's, naming the name and the limit", function () {
      assert.throws(
        () => resolveArgs("a".repeat(MAX_NAME_LENGTH_WITH_BACKUPS + 1), { backupSchedule: "0 3 * * *" }),
        (e: Error) => /setting "name".*at most 45 characters.*"<name>-backup"/s.test(e.message),
      );
      assert.doesNotThrow(() => resolveArgs("a".repeat(MAX_NAME_LENGTH_WITH_BACKUPS + 1), {}));
    });
  });

  describe("no password in the CronJob (recognisable passwords)", function () {
    for (const [description, args] of [
      ["generated passwords and an application user", { appDatabase: "shop", appUser: "shop" }],
      ["mariadb", { flavor: "mariadb" }],
    ] as [string, MySqlClusterArgs][]) {
      it(`contains no password value, private key or certificate, with ${description}`, function () {
        const m = manifests(args) as AnyObject;
        // The recognisable values are in the rendered credentials Secret, so the check can fail.
        assert.strictEqual(m.credentialsSecret.stringData[SECRET_KEYS.monitor], PASSWORD_OF(SECRET_KEYS.monitor));
        const text = JSON.stringify(m.backupCronJob);
        assert.ok(
          !/pw-bkp|KEY-bkp|CERT-bkp|CA-bkp/.test(text),
          `the CronJob contains a secret value: ${text.match(/(pw|KEY|CERT|CA)-bkp[-\w]*/)?.[0]}`,
        );
        assert.ok(!/pw-bkp|KEY-bkp/.test(JSON.stringify(m.backupClaim)), "the backup PVC contains a secret value");
      });
    }

    it("passes no password through the environment: no secretKeyRef, no PASSWORD variable, no envFrom", function () {
      const container = backupContainer(cronJob({ appDatabase: "shop", appUser: "shop" }));
      assert.ok(!("envFrom" in container));
      for (const e of container.env) {
        assert.ok(!/PASSWORD/i.test(e.name), `env ${e.name}`);
        assert.ok(!e.valueFrom?.secretKeyRef, `env ${e.name} reads a Secret`);
      }
    });
  });

  describe("NetworkPolicy and the backup pods", function () {
    it("admits the backup pods to the database port 3306 and the backup port 3307 when backupSchedule is set", function () {
      const m = manifests() as AnyObject;
      const labels = podLabels(m.backupCronJob);
      assert.ok(admits(m.networkPolicy, labels, MYSQL_PORT), "backup pods cannot reach 3306");
      assert.ok(admits(m.networkPolicy, labels, BACKUP_PORT), "backup pods cannot reach 3307");
      const rule = m.networkPolicy.spec.ingress[0];
      assert.deepStrictEqual(rule.from, [
        { podSelector: { matchLabels: m.statefulSet.spec.selector.matchLabels } },
        {
          podSelector: {
            matchLabels: { "app.kubernetes.io/name": "mysql-cluster-backup", "app.kubernetes.io/instance": "db" },
          },
        },
      ]);
      assert.deepStrictEqual(rule.ports, [
        { protocol: "TCP", port: MYSQL_PORT },
        { protocol: "TCP", port: BACKUP_PORT },
      ]);
      validate(NetworkPolicy, m.networkPolicy);
    });

    it("does not admit pods with the backup labels when backupSchedule is unset", function () {
      const policy = byKey(resolveArgs("db", { namespace: "data" })).networkPolicy;
      const labels = podLabels(cronJob());
      assert.ok(!admits(policy, labels, MYSQL_PORT));
      assert.ok(!admits(policy, labels, BACKUP_PORT));
      assert.ok(!JSON.stringify(policy).includes("mysql-cluster-backup"));
    });

    it("does not admit another cluster's backup pods", function () {
      const policy = manifests().networkPolicy as AnyObject;
      const other = podLabels(cronJob({}, "other"));
      assert.ok(!admits(policy, other, MYSQL_PORT));
      assert.ok(!admits(policy, other, BACKUP_PORT));
    });

    it("still renders the CronJob and the PVC with networkPolicy false, which renders no NetworkPolicy", function () {
      const m = manifests({ networkPolicy: false });
      assert.strictEqual(m.networkPolicy, undefined);
      assert.ok(m.backupCronJob && m.backupClaim);
    });
  });
});
