// Every row of the README's "Changing a running stack" table, run through the
// provider/engine model (tests/support/provider-model.ts): the component is
// built under Pulumi mocks with the settings before and after, and the model
// says what the engine and the Kubernetes provider would do. For each row the
// steps are the ones the README promises, nothing fails that the README says
// works, and no object a pod mounts is missing at any moment. Also: a
// certificate renewal, destroy then up, and an existing stack upgrading from
// the earlier layout (Secrets and topology without data Patches).

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { MySqlClusterArgs } from "../../../components/mysql-cluster";
import { awaitTimeouts } from "../../../components/mysql-cluster/timeouts";
import { deployFresh, installMocks, MockRecorder, RecordedResource } from "../../support/pulumi-mocks";
import {
  liveAfterDestroy,
  LiveObject,
  plan,
  Plan,
  PlanInput,
  parseDuration,
  stateAfter,
  stepsOf,
} from "../../support/provider-model";
import { AnyObject } from "../../support/objects";

type Cluster = import("../../../components/mysql-cluster").MySqlCluster;
const README = path.join(__dirname, "../../../README.md");

/** The first setting named in each row of the README's "Changing a running stack" table. */
function readmeRows(): string[] {
  const text = fs.readFileSync(README, "utf8");
  const section = text.slice(
    text.indexOf("### Changing a running stack"),
    text.indexOf("\n## ", text.indexOf("### Changing a running stack")),
  );
  return [...section.matchAll(/^\| `([A-Za-z*]+)`/gm)].map((m) => m[1]);
}

describe("changing a running stack, through the provider/engine model", function () {
  this.timeout(60_000);
  let mocks: MockRecorder;
  let MySqlCluster: typeof import("../../../components/mysql-cluster").MySqlCluster;

  before(async function () {
    mocks = await installMocks();
    ({ MySqlCluster } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster"));
  });

  /** The resources the program registers for these settings (the state after `pulumi up`). */
  async function record(args: MySqlClusterArgs, name = "db"): Promise<RecordedResource[]> {
    await deployFresh(
      mocks,
      () => new MySqlCluster(name, args),
      (c: Cluster) => [c.writeEndpoint, c.readEndpoint, c.secretName, c.backupClaim],
    );
    return [...mocks.resources];
  }

  /** The plan of moving from `from` to `to` on a cluster that holds `from`'s objects (and `live`'s). */
  async function change(
    from: MySqlClusterArgs,
    to: MySqlClusterArgs,
    more: Partial<PlanInput> = {},
    name = "db",
  ): Promise<Plan> {
    const olds = await record(from, name);
    const news = await record(to, name);
    return plan({ olds, news, ...more });
  }

  /** The cluster after these steps: every object of the plan, or (for retained objects) what stays. */
  function clean(p: Plan, what: string): void {
    assert.deepStrictEqual(
      p.failures.map((f) => `${f.kind}: ${f.message}`),
      [],
      `${what}: failures`,
    );
    assert.deepStrictEqual(
      p.gaps.map((g) => `${g.object}: ${g.why}`),
      [],
      `${what}: mounted objects missing`,
    );
    assert.ok(
      !p.steps.some((s) => s.type === "kubernetes:apps/v1:StatefulSet" && s.op === "replace"),
      `${what}: the StatefulSet is replaced`,
    );
  }

  const changedKinds = (p: Plan) =>
    stepsOf(p, "create", "update", "replace", "delete", "retain", "relinquish").filter(
      (s) => !/RandomPassword|dynamic|tls:|Resource /.test(s),
    );

  const SCENARIOS: Record<string, () => Promise<void>> = {
    async replicas() {
      const up = await change({ replicas: 3 }, { replicas: 5 });
      clean(up, "3 -> 5");
      // The agents' Role names exactly the pods that exist (resourceNames), so it follows the count in place.
      assert.deepStrictEqual(changedKinds(up), [
        "create PersistentVolumeClaimPatch db-data-3",
        "create PersistentVolumeClaimPatch db-data-4",
        "update Role db-agent-role",
        "update StatefulSet db",
      ]);
      const role = up.steps.find((s) => s.name === "db-agent-role")!;
      assert.deepStrictEqual(role.changed, [".rules[2].resourceNames[3]", ".rules[2].resourceNames[4]"]);
      const down = await change({ replicas: 5 }, { replicas: 3 });
      clean(down, "5 -> 3");
      // The volumes stay: the claim Patches leave the state only [retain].
      assert.deepStrictEqual(changedKinds(down), [
        "retain PersistentVolumeClaimPatch db-data-3",
        "retain PersistentVolumeClaimPatch db-data-4",
        "update Role db-agent-role",
        "update StatefulSet db",
      ]);
      // Scaling up after storageSize grew: pod 3's claim exists at the grown size before the StatefulSet creates pod 3 (defect 4).
      const created = await record({ replicas: 3 });
      const grownState = stateAfter(created, await record({ replicas: 3, storageSize: "20Gi" }));
      const grown = await plan({ olds: created, news: grownState });
      clean(grown, "10Gi -> 20Gi");
      // The StatefulSet in the state (and the cluster) still has the 10Gi template [ignore].
      assert.strictEqual(
        (grownState.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!.inputs as AnyObject).spec
          .volumeClaimTemplates[0].spec.resources.requests.storage,
        "10Gi",
      );
      const scaled = await plan({
        olds: grownState,
        news: await record({ replicas: 4, storageSize: "20Gi" }),
        live: grown.liveAfter,
      });
      clean(scaled, "3 -> 4 after growing");
      assert.strictEqual(scaled.liveAfter.find((o) => o.name === "data-db-3")?.storage, "20Gi");
    },

    async primaryOrdinal() {
      const p = await change({ replicas: 3 }, { replicas: 3, primaryOrdinal: 1 });
      clean(p, "switchover");
      // The topology's data Patch and the Lease's switchover request change in place; the write Service
      // (it selects the role label the agents move), the topology ConfigMap itself and every pod stay.
      assert.deepStrictEqual(changedKinds(p), ["update ConfigMapPatch db-topology-data", "update Lease db-lease"]);
      const lease = p.steps.find((s) => s.name === "db-lease")!;
      assert.deepStrictEqual(lease.changed, [".metadata.annotations.mysql-cluster/switchover-to"]);
      // After a refresh has read what the agents wrote (holder, times, transitions), an up leaves it alone [ignore].
      const olds = (await record({ replicas: 3 })).map((r) =>
        r.name === "db-lease"
          ? {
              ...r,
              inputs: {
                ...r.inputs,
                spec: {
                  ...(r.inputs as AnyObject).spec,
                  holderIdentity: "db-2",
                  acquireTime: "2026-12-02T10:00:00.000000Z",
                  renewTime: "2026-12-02T10:05:00.000000Z",
                  leaseTransitions: 4,
                },
              },
            }
          : r,
      );
      const same = await plan({ olds, news: await record({ replicas: 3 }) });
      clean(same, "up after a failover");
      assert.deepStrictEqual(changedKinds(same), []);
      const moved = await plan({ olds, news: await record({ replicas: 3, primaryOrdinal: 1 }) });
      assert.deepStrictEqual(moved.steps.find((s) => s.name === "db-lease")!.changed, [
        ".metadata.annotations.mysql-cluster/switchover-to",
      ]);
    },

    async backupSchedule() {
      const on = await change({}, { backupSchedule: "0 3 * * *" });
      clean(on, "backups on");
      assert.ok(
        changedKinds(on).includes("create PersistentVolumeClaimPatch db-backup-claim"),
        changedKinds(on).join(", "),
      );
      assert.ok(changedKinds(on).includes("create CronJob db-backup"));
      const off = await change({ backupSchedule: "0 3 * * *" }, {});
      clean(off, "backups off");
      assert.ok(
        changedKinds(off).includes("retain PersistentVolumeClaimPatch db-backup-claim"),
        "the backups claim is deleted",
      );
      assert.ok(
        off.liveAfter.some((o) => o.name === "db-backups"),
        "the backups claim is gone",
      );
      // On again: the kept claim is adopted, not created (defect 5: AlreadyExists).
      const again = await change({}, { backupSchedule: "0 3 * * *" }, { live: off.liveAfter });
      clean(again, "backups on again");
      const retention = await change(
        { backupSchedule: "0 3 * * *" },
        { backupSchedule: "0 3 * * *", backupRetention: 14 },
      );
      clean(retention, "backupRetention");
      assert.deepStrictEqual(changedKinds(retention), ["update CronJob db-backup"]);
      const size = await change(
        { backupSchedule: "0 3 * * *" },
        { backupSchedule: "0 3 * * *", backupStorageSize: "100Gi" },
      );
      clean(size, "backupStorageSize");
      assert.deepStrictEqual(changedKinds(size), ["update PersistentVolumeClaimPatch db-backup-claim"]);
      // A new class is a new claim; the old one keeps its backups.
      const cls = await change(
        { backupSchedule: "0 3 * * *" },
        { backupSchedule: "0 3 * * *", backupStorageClass: "fast" },
      );
      clean(cls, "backupStorageClass");
      assert.ok(
        cls.liveAfter.some((o) => o.name === "db-backups"),
        "the old backups claim is gone",
      );
      assert.ok(cls.liveAfter.some((o) => o.name === "db-backups-fast" && o.storageClassName === "fast"));
    },

    async restoreFromClaim() {
      const p = await change(
        { replicas: 1, restoreFromClaim: "old-backups" },
        { replicas: 1 },
        { external: ["old-backups"] },
      );
      clean(p, "unset restoreFromClaim");
      assert.deepStrictEqual(changedKinds(p), ["update StatefulSet db"]);
    },

    async image() {
      const image = await change({}, { image: "mysql:8.4.9" });
      clean(image, "image");
      assert.deepStrictEqual(changedKinds(image), ["update StatefulSet db"]);
      const memory = await change({}, { memoryLimit: "2Gi" });
      clean(memory, "memoryLimit");
      // The scripts ConfigMap's name changes with its content: created before the old one goes.
      const cm = memory.steps.find((s) => s.name === "db-config")!;
      assert.deepStrictEqual([cm.op, cm.deleteBeforeReplace], ["replace", false]);
    },

    async storageSize() {
      const p = await change({}, { storageSize: "20Gi" });
      clean(p, "grow");
      assert.deepStrictEqual(changedKinds(p), [
        "update PersistentVolumeClaimPatch db-data-0",
        "update PersistentVolumeClaimPatch db-data-1",
        "update PersistentVolumeClaimPatch db-data-2",
      ]);
      const shrink = await change({ storageSize: "20Gi" }, { storageSize: "10Gi" });
      assert.deepStrictEqual(
        shrink.failures.map((f) => f.kind),
        ["GuardRefused"],
      );
      assert.deepStrictEqual(changedKinds(shrink), [], "a refused shrink still changes the cluster");
    },

    async flavor() {
      // Refused even with `pulumi up --skip-preview`: nothing that dependsOn the guard runs (defect 14).
      for (const [from, to] of [
        [{ flavor: "mysql" }, { flavor: "mariadb" }],
        [{}, { storageClass: "fast" }],
        [{}, { namespace: "other" }],
        [{}, { existingSecret: "mine" }],
      ] as [MySqlClusterArgs, MySqlClusterArgs][]) {
        const p = await change({ ...from, replicas: 3 }, { ...to, replicas: 2 });
        assert.deepStrictEqual(
          p.failures.map((f) => f.kind),
          ["GuardRefused"],
          JSON.stringify(to),
        );
        assert.deepStrictEqual(changedKinds(p), [], `${JSON.stringify(to)}: changes the cluster beside the refusal`);
      }
    },

    async passwordRotation() {
      const p = await change(
        { appDatabase: "app", appUser: "app" },
        { appDatabase: "app", appUser: "app", passwordRotation: 1 },
      );
      clean(p, "rotation");
      assert.deepStrictEqual(changedKinds(p), ["update SecretPatch db-credentials-data"]);
    },

    async requireTls() {
      const p = await change({}, { requireTls: false });
      clean(p, "requireTls");
      assert.deepStrictEqual(changedKinds(p), ["replace ConfigMap db-config", "update StatefulSet db"]);
    },

    async networkPolicy() {
      const off = await change({}, { networkPolicy: false });
      clean(off, "networkPolicy off");
      assert.deepStrictEqual(changedKinds(off), ["delete NetworkPolicy db-network-policy"]);
      const clients = await change({}, { clientPodSelector: { app: "shop" } });
      clean(clients, "clientPodSelector");
      assert.deepStrictEqual(changedKinds(clients), ["update NetworkPolicy db-network-policy"]);
    },

    async semiSync() {
      for (const to of [
        { semiSync: false, failover: false },
        { failover: false },
        { failoverLeaseSeconds: 20 },
        { metrics: false },
        { exporterImage: "prom/mysqld-exporter:v0.17.0" },
        { hardSpread: true },
      ] as MySqlClusterArgs[]) {
        const p = await change({}, to);
        clean(p, JSON.stringify(to));
        assert.ok(
          changedKinds(p).includes("update StatefulSet db"),
          `${JSON.stringify(to)}: ${changedKinds(p).join(", ")}`,
        );
      }
      // The Lease's duration follows failoverLeaseSeconds in place.
      const lease = await change({}, { failoverLeaseSeconds: 20 });
      assert.ok(changedKinds(lease).includes("update Lease db-lease"), changedKinds(lease).join(", "));
      // With failover on a commit never falls back to asynchronous: the timeout is not used, and nothing changes.
      const timeout = await change({}, { semiSyncTimeoutMs: 500 });
      clean(timeout, "semiSyncTimeoutMs with failover on");
      assert.deepStrictEqual(changedKinds(timeout), []);
      const timeoutOff = await change({ failover: false }, { failover: false, semiSyncTimeoutMs: 500 });
      clean(timeoutOff, "semiSyncTimeoutMs with failover off");
      assert.ok(changedKinds(timeoutOff).includes("update StatefulSet db"), changedKinds(timeoutOff).join(", "));
    },

    async serviceMonitor() {
      const p = await change({}, { serviceMonitor: true });
      clean(p, "serviceMonitor");
      assert.deepStrictEqual(changedKinds(p), ["create ServiceMonitor db-service-monitor"]);
    },

    async clusterName() {
      const olds = await record({}, "db");
      const news = await record({}, "db2");
      const p = await plan({ olds, news });
      clean(p, "clusterName");
      // The old cluster's claims stay; nothing of the new one collides with them.
      assert.ok(p.liveAfter.some((o) => o.name === "data-db-0"));
      assert.ok(p.steps.filter((s) => s.op === "delete").every((s) => !/PersistentVolumeClaim/.test(s.type)));
    },

    async clusterDomain() {
      const p = await change({}, { clusterDomain: "k8s.example" });
      clean(p, "clusterDomain");
      assert.ok(changedKinds(p).includes("update StatefulSet db"));
    },
  };

  it("has a scenario for every row of the README's table, and a row for every scenario", function () {
    assert.deepStrictEqual(readmeRows().sort(), Object.keys(SCENARIOS).sort());
  });

  for (const [row, scenario] of Object.entries(SCENARIOS)) {
    it(`row \`${row}\`: the engine does what the README says, and no mounted object goes missing`, scenario);
  }

  it("renews the certificate in place: the TLS Secret's data Patch is updated, the Secret never goes away", async function () {
    const olds = await record({});
    mocks.renewCertificates();
    const news = await record({});
    const p = await plan({ olds, news });
    clean(p, "renewal");
    assert.deepStrictEqual(changedKinds(p), ["update SecretPatch db-tls-data"]);
  });

  it("destroy then up with the same name adopts the kept claims instead of failing with AlreadyExists", async function () {
    const first = await record({ backupSchedule: "@daily", replicas: 3 });
    const kept = liveAfterDestroy(first);
    assert.deepStrictEqual(kept.map((o) => o.name).sort(), ["data-db-0", "data-db-1", "data-db-2", "db-backups"]);
    const p = await plan({ olds: [], news: await record({ backupSchedule: "@daily", replicas: 3 }), live: kept });
    clean(p, "destroy then up");
  });

  it("upgrades a stack of the earlier layout (no data Patches, a PersistentVolumeClaim for the backups) without a gap", async function () {
    const news = await record({ backupSchedule: "@daily" });
    const sts = news.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
    // The earlier layout: the same Secrets and ConfigMaps without ignoreChanges and without Patches,
    // the backups claim as a retained PersistentVolumeClaim "<name>-backups", claim Patches after the StatefulSet.
    const olds = news
      .filter((r) => !/ConfigMapPatch|SecretPatch/.test(r.type))
      .map((r): RecordedResource => {
        if (r.type === "kubernetes:core/v1:PersistentVolumeClaimPatch" && r.name === "db-backup-claim") {
          return {
            ...r,
            type: "kubernetes:core/v1:PersistentVolumeClaim",
            name: "db-backups",
            urn: r.urn.replace("PersistentVolumeClaimPatch::db-backup-claim", "PersistentVolumeClaim::db-backups"),
          };
        }
        if (/PersistentVolumeClaimPatch/.test(r.type)) return { ...r, dependencies: [sts.urn] };
        if (/:(Secret|ConfigMap)$/.test(r.type)) return { ...r, ignoreChanges: [] };
        return r;
      });
    const p = await plan({ olds, news });
    clean(p, "upgrade");
    assert.ok(
      stepsOf(p, "retain").includes("retain PersistentVolumeClaim db-backups"),
      stepsOf(p, "retain").join(", "),
    );
    assert.ok(stepsOf(p, "create").includes("create SecretPatch db-credentials-data"));
    assert.deepStrictEqual(stepsOf(p, "replace", "delete"), []);
  });

  describe("await bounds (defect 9)", function () {
    it("bounds the StatefulSet's create and update by each pod cloning the whole volume at 10 MiB/s, the read Service likewise and the write Service by one pod", async function () {
      const news = await record({ replicas: 3, storageSize: "500Gi" });
      const sts = news.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
      const perPod = 15 * 60 + (500 * 1024) / 10;
      assert.ok(parseDuration(sts.customTimeouts.create) >= 3 * perPod, sts.customTimeouts.create);
      assert.ok(parseDuration(sts.customTimeouts.update) >= 3 * perPod, sts.customTimeouts.update);
      for (const svc of news.filter((r) => r.name === "db-write" || r.name === "db-read"))
        assert.ok(parseDuration(svc.customTimeouts.create) >= perPod, `${svc.name}: ${svc.customTimeouts.create}`);
      const read = news.find((r) => r.name === "db-read")!;
      assert.deepStrictEqual(read.customTimeouts, sts.customTimeouts);
      assert.deepStrictEqual(awaitTimeouts({ replicas: 3, storageSize: "500Gi" }).statefulSet, {
        create: sts.customTimeouts.create,
        update: sts.customTimeouts.update,
      });
    });

    it("lets a 3-pod creation that clones 500Gi per pod at 100 MiB/s (about 4.3 h) finish without a timeout", async function () {
      const news = await record({ replicas: 3, storageSize: "500Gi" });
      const p = await plan({
        olds: [],
        news,
        live: [],
        durations: { "kubernetes:apps/v1:StatefulSet::db": (3 * (500 * 1024)) / 100 },
      });
      assert.deepStrictEqual(p.failures, []);
    });

    it("lets a creation in which every pod takes its whole bound finish: the read Service waits for every pod, not one", async function () {
      // service.go: the read Service (every pod, no publishNotReadyAddresses) is not ready while
      // any pod is not ready, so its create lasts as long as the StatefulSet's OrderedReady creation.
      const news = await record({ replicas: 3, storageSize: "500Gi" });
      const sts = news.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
      const p = await plan({
        olds: [],
        news,
        live: [],
        durations: { [`${sts.type}::${sts.name}`]: parseDuration(sts.customTimeouts.create) },
      });
      assert.deepStrictEqual(p.failures, []);
    });

    it("the model: a Service that selects every pod waits as long as the StatefulSet's rollout", async function () {
      const news = await record({ replicas: 3 });
      const short = news.map((r) =>
        r.name === "db-read" ? { ...r, customTimeouts: { create: "10m", update: "10m", delete: "" } } : r,
      );
      const p = await plan({
        olds: [],
        news: short,
        live: [],
        durations: { "kubernetes:apps/v1:StatefulSet::db": 3600 },
      });
      assert.deepStrictEqual(
        p.failures.map((f) => `${f.kind} ${f.key}`),
        ["AwaitTimeout kubernetes:core/v1:Service::db-read"],
      );
    });

    it("skips nothing else when the StatefulSet's await does time out: nothing dependsOn the StatefulSet", async function () {
      const news = await record({ replicas: 3, backupSchedule: "@daily" });
      const p = await plan({ olds: [], news, live: [], durations: { "kubernetes:apps/v1:StatefulSet::db": 1e9 } });
      // The read Service waits for the same pods (service.go), so it times out with it.
      assert.deepStrictEqual(p.failures.map((f) => `${f.kind} ${f.key}`).sort(), [
        "AwaitTimeout kubernetes:apps/v1:StatefulSet::db",
        "AwaitTimeout kubernetes:core/v1:Service::db-read",
      ]);
      assert.deepStrictEqual(p.skipped, []);
    });
  });

  describe("a replica that lags (defect 11)", function () {
    it("halts only the StatefulSet's await: a roll stuck at a lagging replica fails `pulumi up` at the bound, and nothing else is skipped", async function () {
      const olds = await record({ replicas: 3, backupSchedule: "@daily" });
      const news = await record({ replicas: 3, backupSchedule: "@daily", image: "mysql:8.4.9" });
      const stuck = await plan({
        olds,
        news,
        durations: { "kubernetes:apps/v1:StatefulSet::db": Number.MAX_SAFE_INTEGER },
      });
      assert.deepStrictEqual(
        stuck.failures.map((f) => `${f.kind} ${f.key}`),
        ["AwaitTimeout kubernetes:apps/v1:StatefulSet::db"],
      );
      assert.deepStrictEqual(stuck.skipped, []);
      // Within its bound (caught up in time), the same roll succeeds.
      const bound = stuck.steps.find((s) => s.name === "db")!.awaitSeconds!;
      assert.deepStrictEqual(
        (await plan({ olds, news, durations: { "kubernetes:apps/v1:StatefulSet::db": bound } })).failures,
        [],
      );
    });
  });

  describe("the model itself", function () {
    it("replaces a RoleBinding whose roleRef changes, and counts the pods' ServiceAccount, RoleBinding and Role as objects they need", async function () {
      const olds = await record({});
      const news = olds.map((r) =>
        r.name === "db-agent-role-binding"
          ? { ...r, inputs: { ...r.inputs, roleRef: { ...(r.inputs as AnyObject).roleRef, name: "other" } } }
          : r,
      );
      const p = await plan({ olds, news });
      const step = p.steps.find((s) => s.name === "db-agent-role-binding")!;
      assert.deepStrictEqual([step.op, step.replaceBecause], ["replace", [".roleRef.name"]]);
      assert.ok(
        p.gaps.some((g) => g.object === "RoleBinding/default/db-agent" && /\[dbr\]/.test(g.why)),
        JSON.stringify(p.gaps),
      );
      // A StatefulSet that does not wait for the agents' RoleBinding may start pods whose API calls get 403.
      const fresh = await record({});
      const unordered = fresh.map((r) =>
        r.type === "kubernetes:apps/v1:StatefulSet" ? { ...r, dependencies: [] as string[] } : r,
      );
      const q = await plan({ olds: [], news: unordered, live: [] });
      for (const object of ["ServiceAccount/default/db-agent", "RoleBinding/default/db-agent", "Role/default/db-agent"])
        assert.ok(
          q.gaps.some((g) => g.object === object && /does not wait/.test(g.why)),
          `${object}: ${JSON.stringify(q.gaps)}`,
        );
      // The component's own order has no such gap.
      assert.deepStrictEqual((await plan({ olds: [], news: fresh, live: [] })).gaps, []);
    });

    it("replaces a plain ConfigMap or Secret whose data changes, deleting it first, and reports the gap", async function () {
      const olds = await record({});
      const news = olds.map((r) =>
        r.type === "kubernetes:core/v1:ConfigMap" && r.name === "db-topology"
          ? { ...r, ignoreChanges: [], inputs: { ...r.inputs, data: { "primary-ordinal": "1" } } }
          : r,
      );
      const p = await plan({ olds, news });
      const step = p.steps.find((s) => s.name === "db-topology")!;
      assert.deepStrictEqual(
        [step.op, step.deleteBeforeReplace, step.replaceBecause],
        ["replace", true, [".data.primary-ordinal"]],
      );
      assert.ok(
        p.gaps.some((g) => g.object === "ConfigMap/default/db-topology"),
        JSON.stringify(p.gaps),
      );
      const mutable = await plan({
        olds,
        news,
        provider: { enableConfigMapMutable: true, enableSecretMutable: false, upsertExistingObjects: false },
      });
      assert.strictEqual(mutable.steps.find((s) => s.name === "db-topology")!.op, "update");
    });

    it("reports the keys a removed data Patch takes with it from a mounted Secret (relinquish)", async function () {
      const olds = await record({});
      const news = olds.filter(
        (r) => !(r.type === "kubernetes:core/v1:SecretPatch" && r.name === "db-credentials-data"),
      );
      const p = await plan({ olds, news });
      assert.deepStrictEqual(stepsOf(p, "relinquish"), ["relinquish SecretPatch db-credentials-data"]);
      assert.ok(
        p.gaps.some((g) => g.object === "Secret/default/db-credentials" && /relinquish/.test(g.why)),
        JSON.stringify(p.gaps),
      );
    });

    it("refuses a data claim Patch that changes a kept claim's access mode (destroy, then up with another storageAccessMode)", async function () {
      const news = await record({ replicas: 1, storageAccessMode: "ReadWriteOncePod" });
      const kept: LiveObject[] = [
        {
          kind: "PersistentVolumeClaim",
          namespace: "default",
          name: "data-db-0",
          storage: "10Gi",
          accessModes: ["ReadWriteOnce"],
        },
      ];
      const p = await plan({ olds: [], news, live: kept });
      assert.deepStrictEqual(
        p.failures.map((f) => `${f.kind} ${f.key}`),
        ["FieldImmutable kubernetes:core/v1:PersistentVolumeClaimPatch::db-data-0"],
      );
      assert.match(p.failures[0].message, /accessModes: ReadWriteOnce -> ReadWriteOncePod/);
    });

    it("fails a plain create of a kept object with AlreadyExists, and lets a Patch adopt it", async function () {
      const news = await record({ backupSchedule: "@daily" });
      const kept: LiveObject[] = [
        { kind: "PersistentVolumeClaim", namespace: "default", name: "db-backups", storage: "50Gi" },
      ];
      const asPlain = news.map((r) =>
        r.name === "db-backup-claim" ? { ...r, type: "kubernetes:core/v1:PersistentVolumeClaim" } : r,
      );
      assert.deepStrictEqual(
        (await plan({ olds: [], news: asPlain, live: kept })).failures.map((f) => f.kind),
        ["AlreadyExists"],
      );
      assert.deepStrictEqual((await plan({ olds: [], news, live: kept })).failures, []);
    });

    it("refuses a claim Patch that shrinks a claim or changes its class", async function () {
      const news = await record({ backupSchedule: "@daily" });
      const kept: LiveObject[] = [
        {
          kind: "PersistentVolumeClaim",
          namespace: "default",
          name: "db-backups",
          storage: "80Gi",
          storageClassName: "slow",
        },
      ];
      const withClass = news.map((r) =>
        r.name === "db-backup-claim"
          ? { ...r, inputs: { ...r.inputs, spec: { ...(r.inputs.spec as AnyObject), storageClassName: "fast" } } }
          : r,
      );
      const p = await plan({ olds: [], news: withClass, live: kept });
      assert.deepStrictEqual(
        p.failures.map((f) => f.kind),
        ["FieldImmutable"],
      );
      assert.match(p.failures[0].message, /storageClassName: slow -> fast.*less than previous value/);
    });

    it("finds the undersized claim when the claim Patches wait for the StatefulSet (the earlier layout)", async function () {
      const olds = await record({ replicas: 3, storageSize: "20Gi" });
      const news = await record({ replicas: 4, storageSize: "20Gi" });
      const sts = news.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
      const earlier = news
        .map((r) => (r.name === "db-data-3" ? { ...r, dependencies: [sts.urn] } : r))
        .map((r) => (r === sts ? { ...r, dependencies: r.dependencies.filter((d) => !d.endsWith("db-data-3")) } : r));
      // The StatefulSet was created at 10Gi: its template in the cluster still says so.
      const created = olds.map((r) =>
        r.type === sts.type
          ? { ...r, inputs: JSON.parse(JSON.stringify(r.inputs).replace(/"storage":"20Gi"/g, '"storage":"10Gi"')) }
          : r,
      );
      const p = await plan({
        olds: created,
        news: earlier,
        live: [0, 1, 2].map((n) => ({
          kind: "PersistentVolumeClaim",
          namespace: "default",
          name: `data-db-${n}`,
          storage: "20Gi",
        })),
      });
      assert.ok(
        p.gaps.some((g) => g.object === "PersistentVolumeClaim/default/data-db-3" && /deadlock/.test(g.why)),
        JSON.stringify(p.gaps),
      );
    });
  });
});
