// The render list (renderCluster) without Pulumi: what each entry holds and
// how it says it is registered. Every object validates against the Kubernetes
// schema, Patches included; each data Patch restates exactly its object's data
// (base64 for a Secret); the Pulumi names, which are part of the URNs users'
// stacks hold, stay as they are; what waits for what, what is kept, ignored,
// bounded or secret is as the component needs it, for a matrix of settings.
// That the component registers exactly this list is registration-render-list.test.ts's.

import * as assert from "assert";
import { Secret } from "kubernetes-models/v1/Secret";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { MySqlClusterArgs, resolveArgs } from "../../../components/mysql-cluster/args";
import { guardedSettings } from "../../../components/mysql-cluster/guarded-settings";
import {
  PATCH_FORCE,
  RenderedCluster,
  RenderedResource,
  renderCluster,
  renderObjects,
} from "../../../components/mysql-cluster/render";
import { awaitTimeouts } from "../../../components/mysql-cluster/timeouts";
import { AnyObject } from "../../support/objects";
import { stackArgs } from "../../support/stack";

/** Settings that change which entries exist or how they are registered. */
const MATRIX: [string, string, MySqlClusterArgs][] = [
  ["the dev stack", stackArgs("dev").name, stackArgs("dev").args],
  ["the defaults", "db", {}],
  ["an existingSecret", "ext", { existingSecret: "corp-passwords", appDatabase: "app", appUser: "app" }],
  ["a tlsSecret", "owntls", { tlsSecret: "corp-tls" }],
  ["both Secrets of your own", "both", { existingSecret: "corp-passwords", tlsSecret: "corp-tls" }],
  ["backups", "bk", { backupSchedule: "0 3 * * *", backupStorageClass: "cold", replicas: 2 }],
  ["metrics and networkPolicy off", "quiet", { metrics: false, networkPolicy: false, replicas: 1 }],
  ["a ServiceMonitor", "mon", { serviceMonitor: true, namespace: "data" }],
  ["MariaDB, five pods, a switchover", "ma", { flavor: "mariadb", replicas: 5, primaryOrdinal: 3 }],
];

/** Recognisable values, so a test can see where each goes. */
const VALUES = {
  passwords: (key: string) => `pw-list-${key}`,
  tls: { cert: "CERT-list", key: "KEY-list", ca: "CA-list" },
};

const b64 = (value: string) => Buffer.from(value, "utf8").toString("base64");
const byKey = (rendered: RenderedCluster) => new Map(rendered.resources.map((r) => [r.key, r]));

describe("the render list (renderCluster)", function () {
  it("names each Pulumi resource as existing stacks hold it (part of its URN: a new name would replace the object)", function () {
    const rendered = renderCluster(resolveArgs("bk", { backupSchedule: "@daily", serviceMonitor: true, replicas: 2 }));
    assert.strictEqual(rendered.guard.resourceName, "bk-settings-guard");
    // Every name existing stacks hold is still there, of the same kind and in the same order; a new
    // entry may come anywhere (its name is new to every stack).
    const names = rendered.resources.map(
      (r) => `${r.object.kind}${r.register === "patch" ? "Patch" : ""} ${r.resourceName}`,
    );
    const held = [
      "Secret bk-credentials",
      "SecretPatch bk-credentials-data",
      "Secret bk-tls",
      "SecretPatch bk-tls-data",
      "ConfigMap bk-config",
      "ConfigMap bk-topology",
      "ConfigMapPatch bk-topology-data",
      "Service bk-headless",
      "Service bk-write",
      "Service bk-read",
      "Service bk-metrics",
      "ServiceMonitor bk-service-monitor",
      "NetworkPolicy bk-network-policy",
      "PodDisruptionBudget bk-disruption-budget",
      "PersistentVolumeClaimPatch bk-data-0",
      "PersistentVolumeClaimPatch bk-data-1",
      "ServiceAccount bk-agent",
      "Role bk-agent-role",
      "RoleBinding bk-agent-role-binding",
      "Lease bk-lease",
      "StatefulSet bk",
      "PersistentVolumeClaimPatch bk-backup-claim",
      "CronJob bk-backup",
    ];
    assert.deepStrictEqual(
      names.filter((n) => held.includes(n)),
      held,
    );
  });

  for (const [description, name, args] of MATRIX) {
    describe(`for ${description}`, function () {
      const resolved = resolveArgs(name, args);
      const rendered = renderCluster(resolved, VALUES);
      const entries = byKey(rendered);
      const has = (key: string) => entries.has(key);

      it("has unique keys and Pulumi names, and each entry waits only for entries before it", function () {
        assert.strictEqual(entries.size, rendered.resources.length);
        assert.strictEqual(new Set(rendered.resources.map((r) => r.resourceName)).size, rendered.resources.length);
        const seen = new Set<string>();
        for (const r of rendered.resources) {
          for (const key of r.dependsOn) assert.ok(seen.has(key), `${r.key} waits for ${key}, which is not before it`);
          seen.add(r.key);
        }
      });

      it("hands the guard the guarded settings, and makes every entry wait for it", function () {
        assert.deepStrictEqual(rendered.guard, {
          resourceName: `${name}-settings-guard`,
          settings: guardedSettings(resolved),
        });
        for (const r of rendered.resources) assert.strictEqual(r.waitsForGuard, true, r.key);
      });

      it("validates every object against the Kubernetes schema, the data Patches too", function () {
        for (const r of rendered.resources.filter((x) => x.patches)) {
          const Model = r.object.kind === "Secret" ? Secret : ConfigMap;
          new Model(r.object as never).validate();
        }
        // The other objects are what renderObjects returns, which render.test.ts validates.
        assert.deepStrictEqual(
          renderObjects(resolved, VALUES.passwords, VALUES.tls),
          rendered.resources.filter((r) => !r.patches).map((r) => r.object),
        );
      });

      it("has a data Patch for each mounted Secret and the topology, owning exactly their data (base64 for a Secret), and ignores the data on the objects themselves", function () {
        const expected = [
          ...(resolved.existingSecret ? [] : ["credentialsSecret"]),
          ...(resolved.tlsSecret ? [] : ["tlsSecret"]),
          "topologyConfigMap",
        ];
        assert.deepStrictEqual(
          rendered.resources.filter((r) => r.patches).map((r) => r.patches),
          expected,
        );
        for (const key of expected) {
          const base = entries.get(key)!;
          const patch = entries.get(`${key}Data`)!;
          const object = base.object as AnyObject;
          assert.strictEqual(patch.register, "patch");
          assert.strictEqual(patch.resourceName, `${base.resourceName}-data`);
          assert.deepStrictEqual(patch.dependsOn, [key]);
          const secret = object.kind === "Secret";
          assert.deepStrictEqual(patch.object, {
            apiVersion: "v1",
            kind: object.kind,
            metadata: {
              name: object.metadata.name,
              namespace: resolved.namespace,
              annotations: { [PATCH_FORCE]: "true" },
            },
            data: secret
              ? Object.fromEntries(Object.entries<string>(object.stringData).map(([k, v]) => [k, b64(v)]))
              : object.data,
          });
          assert.deepStrictEqual(base.ignoreChanges, secret ? ["stringData", "data"] : ["data"]);
          assert.deepStrictEqual(base.secretOutputs, secret ? ["data", "stringData"] : []);
          assert.deepStrictEqual(patch.secretOutputs, base.secretOutputs);
        }
      });

      it("registers the data and backup claims as Patches that force their fields, kept on delete, and nothing else as a Patch but the data Patches", function () {
        const claims = [
          ...Array.from({ length: resolved.replicas }, (_, ordinal) => `dataClaim-${ordinal}`),
          ...(resolved.backupSchedule ? ["backupClaim"] : []),
        ];
        assert.deepStrictEqual(
          rendered.resources.filter((r) => r.register === "patch" && !r.patches).map((r) => r.key),
          claims,
        );
        assert.deepStrictEqual(
          rendered.resources.filter((r) => r.retainOnDelete).map((r) => r.key),
          claims,
        );
        for (const key of claims) {
          const claim = entries.get(key)!.object as AnyObject;
          assert.strictEqual(claim.kind, "PersistentVolumeClaim");
          // No await for Bound: with WaitForFirstConsumer a claim binds only when its pod runs.
          assert.deepStrictEqual(claim.metadata.annotations, {
            "pulumi.com/skipAwait": "true",
            [PATCH_FORCE]: "true",
          });
        }
        for (let ordinal = 0; ordinal < resolved.replicas; ordinal++) {
          const claim = entries.get(`dataClaim-${ordinal}`)!;
          assert.strictEqual(claim.resourceName, `${name}-data-${ordinal}`);
          assert.strictEqual((claim.object as AnyObject).metadata.name, `data-${name}-${ordinal}`);
          assert.strictEqual((claim.object as AnyObject).spec.resources.requests.storage, resolved.storageSize);
        }
        for (const r of rendered.resources.filter((x) => x.register === "object"))
          assert.ok(!JSON.stringify(r.object).includes(PATCH_FORCE), `${r.key} forces its fields`);
      });

      it("makes the StatefulSet wait for its ConfigMap, the headless Service, the agents' RoleBinding and Lease, the mounted objects' data and every data claim, and ignore its volumeClaimTemplates", function () {
        const sts = entries.get("statefulSet")!;
        const mounted = ["credentialsSecretData", "tlsSecretData", "topologyConfigMapData"].filter(has);
        assert.deepStrictEqual(sts.dependsOn, [
          "configMap",
          "headlessService",
          "roleBinding",
          "lease",
          ...mounted,
          ...Array.from({ length: resolved.replicas }, (_, ordinal) => `dataClaim-${ordinal}`),
        ]);
        assert.deepStrictEqual(sts.ignoreChanges, ["spec.volumeClaimTemplates"]);
        // The agents' Role must exist and be bound before a pod's agent calls the API.
        assert.deepStrictEqual(entries.get("roleBinding")!.dependsOn, ["serviceAccount", "role"]);
        // The agents own the holder and its times (they write them by compare-and-swap): a refresh must not undo them.
        assert.deepStrictEqual(entries.get("lease")!.ignoreChanges, [
          "spec.holderIdentity",
          "spec.acquireTime",
          "spec.renewTime",
          "spec.leaseTransitions",
        ]);
        if (resolved.backupSchedule) {
          assert.deepStrictEqual(entries.get("backupCronJob")!.dependsOn, ["configMap", "backupClaim", ...mounted]);
        }
        const waiting = rendered.resources.filter((r) => r.dependsOn.length > 0).map((r) => r.key);
        assert.deepStrictEqual(waiting, [
          ...mounted,
          "roleBinding",
          "statefulSet",
          ...(resolved.backupSchedule ? ["backupCronJob"] : []),
        ]);
      });

      it("bounds the StatefulSet's and the write and read Services' awaits by timeouts.ts, and no other's", function () {
        const timeouts = awaitTimeouts(resolved);
        assert.deepStrictEqual(
          Object.fromEntries(rendered.resources.filter((r) => r.customTimeouts).map((r) => [r.key, r.customTimeouts])),
          {
            writeService: timeouts.writeService,
            readService: timeouts.readService,
            statefulSet: timeouts.statefulSet,
          },
        );
      });

      it("puts the passwords and the TLS key only into the entries that register them as secrets", function () {
        const secretValues = [
          ...(resolved.existingSecret ? [] : ["root-password", "monitor-password"].map(VALUES.passwords)),
          ...(resolved.tlsSecret ? [] : [VALUES.tls.key]),
        ];
        for (const r of rendered.resources) {
          const text = JSON.stringify(r.object);
          const holds = secretValues.some((v) => text.includes(v) || text.includes(b64(v)));
          assert.strictEqual(holds, r.secretOutputs.length > 0, `${r.key} holds a secret: ${holds}`);
        }
      });
    });
  }

  it("lists the optional objects only with their settings", function () {
    const keys = (args: MySqlClusterArgs) => renderCluster(resolveArgs("db", args)).resources.map((r) => r.key);
    const all = keys({ backupSchedule: "@daily", serviceMonitor: true });
    for (const [key, args] of [
      ["credentialsSecret", { existingSecret: "mine" }],
      ["tlsSecret", { tlsSecret: "mine" }],
      ["metricsService", { metrics: false }],
      ["serviceMonitor", {}],
      ["networkPolicy", { networkPolicy: false }],
      ["backupClaim", {}],
      ["backupCronJob", {}],
    ] as [string, MySqlClusterArgs][]) {
      assert.ok(all.includes(key), key);
      assert.ok(!keys(args).includes(key), `${key} with ${JSON.stringify(args)}`);
    }
  });

  it("renders a Secret whose passwords function leaves a key out without that key, as before (the e2e helper's does)", function () {
    const objects = renderObjects(resolveArgs("db"), (key) => (key === "root-password" ? "pw" : undefined) as string);
    const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === "db-credentials") as AnyObject;
    assert.deepStrictEqual(JSON.parse(JSON.stringify(secret.stringData)), { "root-password": "pw" });
  });

  it("keeps every entry's fields: nothing undefined that the component would register as a missing value", function () {
    const check = (value: unknown, where: string): void => {
      assert.notStrictEqual(value, undefined, where);
      if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) check(v, `${where}.${k}`);
    };
    for (const [, name, args] of MATRIX)
      for (const r of renderCluster(resolveArgs(name, args)).resources as RenderedResource[]) check(r, r.key);
  });
});
