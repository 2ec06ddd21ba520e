// The backup and restore settings: their defaults, one clear
// MySqlClusterConfigError for every bad value (naming the setting and what it
// accepts, with nothing rendered or registered), their stack-config parsing,
// the restore volume and environment of the StatefulSet, and how MySqlCluster
// registers the backup PVC and CronJob (Pulumi mocks; the checks common to
// every object are in registration.test.ts). What the scripts do with these
// settings is tested by running them: scripts/backup.test.ts.

import * as assert from "assert";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { MySqlClusterArgs, MySqlClusterConfigError, resolveArgs } from "../../../components/mysql-cluster/args";
import { objectsByKey, renderCluster, renderObjects } from "../../../components/mysql-cluster/render";
import { argsFromConfig, STACK_SETTINGS } from "../../../components/mysql-cluster/stack-config";
import { deployFresh, installMocks, MockRecorder, RecordedResource, settle, valueOf } from "../../support/pulumi-mocks";
import { errorFor } from "../../support/config-error";
import { AnyObject } from "../../support/objects";

const settingsNamed = (error: MySqlClusterConfigError) => error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]);

const SCHEDULE_ACCEPTS = /cron schedule of five fields .*@hourly\/@daily\/@weekly\/@monthly/;
const RETENTION_ACCEPTS = /whole number of backups to keep, from 1 to 1000/;
const SIZE_ACCEPTS = /Kubernetes quantity of at least 1Mi/;
const CLASS_ACCEPTS = /name of a StorageClass \(a DNS subdomain\)/;
const CLAIM_ACCEPTS = /name of a PersistentVolumeClaim in the cluster's namespace \(a DNS subdomain\)/;
const BACKUP_NAME_ACCEPTS = /"latest" or a backup's name, its UTC start time like "20261125T030000Z"/;
const NEEDS_CLAIM = /only together with restoreFromClaim/;

// [setting, args, what the message must say is accepted]
const INVALID: [string, MySqlClusterArgs, RegExp][] = [
  ["backupSchedule", { backupSchedule: "0 3 * *" }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: "0 3 * * * *" }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: "daily" }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: "@reboot" }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: "@every 1h" }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: "TZ=Europe/Berlin 0 3 * * *" }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: "   " }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: "0 3 * * *; rm -rf /" }, SCHEDULE_ACCEPTS],
  ["backupSchedule", { backupSchedule: 3 as never }, SCHEDULE_ACCEPTS],
  ["backupRetention", { backupRetention: 0 }, RETENTION_ACCEPTS],
  ["backupRetention", { backupRetention: -1 }, RETENTION_ACCEPTS],
  ["backupRetention", { backupRetention: 1001 }, RETENTION_ACCEPTS],
  ["backupRetention", { backupRetention: 2.5 }, RETENTION_ACCEPTS],
  ["backupRetention", { backupRetention: "7" as never }, RETENTION_ACCEPTS],
  ["backupRetention", { backupRetention: Number.NaN }, RETENTION_ACCEPTS],
  ["backupStorageSize", { backupStorageSize: "512Ki" }, SIZE_ACCEPTS],
  ["backupStorageSize", { backupStorageSize: "0" }, SIZE_ACCEPTS],
  ["backupStorageSize", { backupStorageSize: "50GB" }, SIZE_ACCEPTS],
  ["backupStorageSize", { backupStorageSize: "lots" }, SIZE_ACCEPTS],
  ["backupStorageSize", { backupStorageSize: "" }, SIZE_ACCEPTS],
  ["backupStorageSize", { backupStorageSize: 50 as never }, SIZE_ACCEPTS],
  ["backupStorageClass", { backupStorageClass: "Cold Storage" }, CLASS_ACCEPTS],
  ["backupStorageClass", { backupStorageClass: "UPPER" }, CLASS_ACCEPTS],
  ["backupStorageClass", { backupStorageClass: "-cold" }, CLASS_ACCEPTS],
  ["backupStorageClass", { backupStorageClass: "" }, CLASS_ACCEPTS],
  ["restoreFromClaim", { restoreFromClaim: "Old_DB-backups" }, CLAIM_ACCEPTS],
  ["restoreFromClaim", { restoreFromClaim: "" }, CLAIM_ACCEPTS],
  ["restoreFromClaim", { restoreFromClaim: "olddb-backups/" }, CLAIM_ACCEPTS],
  ["restoreFromClaim", { restoreFromClaim: "a".repeat(254) }, CLAIM_ACCEPTS],
  ["restoreFromClaim", { restoreFromClaim: 1 as never }, CLAIM_ACCEPTS],
  [
    "restoreBackup",
    { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "yesterday" },
    BACKUP_NAME_ACCEPTS,
  ],
  [
    "restoreBackup",
    { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "20261125T030000" },
    BACKUP_NAME_ACCEPTS,
  ],
  [
    "restoreBackup",
    { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "2026-11-25T03:00:00Z" },
    BACKUP_NAME_ACCEPTS,
  ],
  ["restoreBackup", { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "LATEST" }, BACKUP_NAME_ACCEPTS],
  [
    "restoreBackup",
    { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "../20261125T030000Z" },
    BACKUP_NAME_ACCEPTS,
  ],
  ["restoreBackup", { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "" }, BACKUP_NAME_ACCEPTS],
  ["restoreBackup", { restoreBackup: "20261125T030000Z" }, NEEDS_CLAIM],
];

const describeArgs = (args: MySqlClusterArgs) => {
  const text = JSON.stringify(args, (_k, v: unknown) => (typeof v === "number" && Number.isNaN(v) ? "NaN" : v));
  return text.length > 90 ? `${text.slice(0, 60)}...` : text;
};

describe("backup and restore settings (resolveArgs)", function () {
  describe("defaults", function () {
    it("turns backups off and restores nothing by default: no schedule, no class, no claim, so no CronJob and no restore volume", function () {
      const resolved = resolveArgs("db");
      assert.strictEqual(resolved.backupSchedule, undefined);
      assert.strictEqual(resolved.backupStorageClass, undefined);
      assert.strictEqual(resolved.restoreFromClaim, undefined);
      const kinds = (renderObjects(resolved) as AnyObject[]).map((o) => o.kind);
      assert.ok(!kinds.includes("CronJob"), kinds.join(", "));
      assert.ok(!JSON.stringify(objectsByKey(renderCluster(resolved)).statefulSet).includes("restore"));
    });

    it("treats an empty backupSchedule as unset: backups off", function () {
      assert.strictEqual(resolveArgs("db", { backupSchedule: "" }).backupSchedule, undefined);
    });

    it("passes every backup and restore setting through when valid", function () {
      const resolved = resolveArgs("db", {
        backupSchedule: "0 3 * * *",
        backupRetention: 14,
        backupStorageSize: "200Gi",
        backupStorageClass: "cold.example.com",
        replicas: 1,
        restoreFromClaim: "olddb-backups",
        restoreBackup: "20261125T030000Z",
      });
      assert.deepStrictEqual(
        [
          resolved.backupSchedule,
          resolved.backupRetention,
          resolved.backupStorageSize,
          resolved.backupStorageClass,
          resolved.restoreFromClaim,
          resolved.restoreBackup,
        ],
        ["0 3 * * *", 14, "200Gi", "cold.example.com", "olddb-backups", "20261125T030000Z"],
      );
    });
  });

  describe("valid values", function () {
    for (const schedule of [
      "0 3 * * *",
      "*/15 * * * *",
      "0 3 1-15 * 1,3,5",
      "30 2 * * MON",
      "0 0 1 JAN *",
      "@hourly",
      "@daily",
      "@weekly",
      "@monthly",
      "@yearly",
      "@annually",
      "@midnight",
    ]) {
      it(`accepts the backupSchedule ${JSON.stringify(schedule)}`, function () {
        assert.strictEqual(resolveArgs("db", { backupSchedule: schedule }).backupSchedule, schedule);
      });
    }

    it("accepts the boundaries: backupRetention 1 and 1000, backupStorageSize 1Mi (also in bytes)", function () {
      assert.strictEqual(resolveArgs("db", { backupRetention: 1 }).backupRetention, 1);
      assert.strictEqual(resolveArgs("db", { backupRetention: 1000 }).backupRetention, 1000);
      assert.strictEqual(resolveArgs("db", { backupStorageSize: "1Mi" }).backupStorageSize, "1Mi");
      assert.strictEqual(resolveArgs("db", { backupStorageSize: "1048576" }).backupStorageSize, "1048576");
    });

    it('accepts restoreFromClaim alone (restoring the latest backup) and with restoreBackup "latest" or a backup\'s name', function () {
      assert.strictEqual(resolveArgs("db", { replicas: 1, restoreFromClaim: "olddb-backups" }).restoreBackup, "latest");
      assert.strictEqual(
        resolveArgs("db", { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "latest" }).restoreBackup,
        "latest",
      );
      assert.strictEqual(
        resolveArgs("db", { replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "20261125T030000Z" })
          .restoreBackup,
        "20261125T030000Z",
      );
    });

    it("accepts backups and a restore together (a restored cluster that takes its own backups)", function () {
      assert.doesNotThrow(() =>
        resolveArgs("db", { backupSchedule: "@daily", replicas: 1, restoreFromClaim: "olddb-backups" }),
      );
    });
  });

  describe("invalid values, one at a time", function () {
    it("covers every backup and restore setting", function () {
      for (const setting of [
        "backupSchedule",
        "backupRetention",
        "backupStorageSize",
        "backupStorageClass",
        "restoreFromClaim",
        "restoreBackup",
      ]) {
        assert.ok(
          INVALID.some(([s]) => s === setting),
          setting,
        );
      }
    });

    for (const [setting, args, accepted] of INVALID) {
      it(`rejects ${describeArgs(args)} with one error naming "${setting}" and what it accepts`, function () {
        const error = errorFor("db", args);
        assert.strictEqual(error.name, "MySqlClusterConfigError");
        assert.deepStrictEqual(settingsNamed(error), [setting], `problems: ${error.problems.join(" | ")}`);
        const [problem] = error.problems;
        assert.ok(problem.startsWith(`setting "${setting}": got `), problem);
        assert.match(problem, /; expected /);
        assert.match(problem, accepted);
        assert.ok(error.message.includes(problem), "the message lists the problem");
      });
    }

    it("shows the rejected value in the message", function () {
      assert.match(errorFor("db", { backupSchedule: "daily" }).message, /got "daily"/);
      assert.match(errorFor("db", { backupRetention: 1001 }).message, /got 1001/);
      assert.match(
        errorFor("db", { replicas: 1, restoreFromClaim: "x", restoreBackup: "yesterday" }).message,
        /got "yesterday"/,
      );
    });

    it("lists every bad backup setting in one error", function () {
      const error = errorFor("db", {
        backupSchedule: "daily",
        backupRetention: 0,
        backupStorageSize: "1Ki",
        backupStorageClass: "Bad",
        restoreFromClaim: "Bad_Claim",
      });
      assert.deepStrictEqual(settingsNamed(error), [
        "backupSchedule",
        "backupRetention",
        "backupStorageSize",
        "backupStorageClass",
        "restoreFromClaim",
      ]);
    });

    it("rejects cron fields the API server refuses (out of range, or not cron at all), naming backupSchedule", function () {
      const refused = ["61 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 32 * *", "0 0 * 13 *", "0 0 * * 8", "x y z w v"];
      const accepted = refused.filter((backupSchedule) => {
        try {
          resolveArgs("db", { backupSchedule });
          return true;
        } catch (error) {
          assert.ok(error instanceof MySqlClusterConfigError);
          assert.deepStrictEqual(settingsNamed(error), ["backupSchedule"]);
          return false;
        }
      });
      assert.deepStrictEqual(
        accepted,
        [],
        "schedules resolveArgs accepts that the API server refuses (the CronJob fails at deploy time)",
      );
    });

    it("rejects a backupStorageClass longer than 253 characters (not a DNS subdomain), as it does storageClass", function () {
      assert.deepStrictEqual(settingsNamed(errorFor("db", { storageClass: "a".repeat(254) })), ["storageClass"]);
      assert.deepStrictEqual(settingsNamed(errorFor("db", { backupStorageClass: "a".repeat(254) })), [
        "backupStorageClass",
      ]);
    });
  });
});

describe("backup and restore stack settings (STACK_SETTINGS, argsFromConfig)", function () {
  it("turns the stack values into args: backupRetention a number, the rest as strings", function () {
    const { args } = argsFromConfig(
      (key) =>
        (
          ({
            backupSchedule: "0 3 * * *",
            backupRetention: "14",
            backupStorageSize: "100Gi",
            backupStorageClass: "cold",
            restoreFromClaim: "old-backups",
            restoreBackup: "20261125T030000Z",
          }) as Record<string, string>
        )[key],
    );
    assert.deepStrictEqual(args, {
      backupSchedule: "0 3 * * *",
      backupRetention: 14,
      backupStorageSize: "100Gi",
      backupStorageClass: "cold",
      restoreFromClaim: "old-backups",
      restoreBackup: "20261125T030000Z",
    });
    assert.doesNotThrow(() => resolveArgs("db", { ...args, replicas: 1 }));
  });

  it("accepts every stack setting's declared default given explicitly, as a stack program receives Pulumi.yaml's defaults (restoreBackup \"latest\" without restoreFromClaim included)", function () {
    const defaults = Object.fromEntries(
      STACK_SETTINGS.filter((s) => s.default !== undefined).map((s) => [s.key, String(s.default)]),
    );
    assert.strictEqual(defaults.restoreBackup, "latest");
    const { name, args } = argsFromConfig((key) => defaults[key]);
    assert.doesNotThrow(
      () => resolveArgs(name, args),
      (e: unknown) => String(e),
    );
  });

  it("reports a non-numeric backupRetention from the stack by setting name", function () {
    const { args } = argsFromConfig((key) => (key === "backupRetention" ? "weekly" : undefined));
    assert.deepStrictEqual(settingsNamed(errorFor("db", args)), ["backupRetention"]);
  });
});

describe("restore (restoreFromClaim) in the StatefulSet", function () {
  const sts = (args: MySqlClusterArgs = {}) =>
    objectsByKey(renderCluster(resolveArgs("db", { namespace: "data", replicas: 1, ...args })))
      .statefulSet as AnyObject;
  const pod = (s: AnyObject) => s.spec.template.spec;
  const allContainers = (s: AnyObject): AnyObject[] => [...pod(s).initContainers, ...pod(s).containers];
  const initData = (s: AnyObject) => pod(s).initContainers.find((c: AnyObject) => c.name === "init-data");

  describe("with restoreFromClaim", function () {
    const restored = sts({ replicas: 1, restoreFromClaim: "olddb-backups" });

    it("declares the volume restore: the claim, read-only", function () {
      const volumes = pod(restored).volumes.filter((v: AnyObject) => v.name === "restore");
      assert.deepStrictEqual(volumes, [
        { name: "restore", persistentVolumeClaim: { claimName: "olddb-backups", readOnly: true } },
      ]);
    });

    it("mounts it read-only at /restore in init-data only", function () {
      const mounting = allContainers(restored).filter((c) =>
        (c.volumeMounts ?? []).some((m: AnyObject) => m.name === "restore"),
      );
      assert.deepStrictEqual(
        mounting.map((c) => c.name),
        ["init-data"],
      );
      assert.deepStrictEqual(
        initData(restored).volumeMounts.filter((m: AnyObject) => m.name === "restore"),
        [{ name: "restore", mountPath: "/restore", readOnly: true }],
      );
    });

    it('sets RESTORE_BACKUP in init-data to restoreBackup ("latest" by default), and in no other container', function () {
      const env = (s: AnyObject) => initData(s).env.filter((e: AnyObject) => e.name === "RESTORE_BACKUP");
      assert.deepStrictEqual(env(restored), [{ name: "RESTORE_BACKUP", value: "latest" }]);
      assert.deepStrictEqual(
        env(sts({ replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "20261125T030000Z" })),
        [{ name: "RESTORE_BACKUP", value: "20261125T030000Z" }],
      );
      const others = allContainers(restored).filter(
        (c) => c.name !== "init-data" && (c.env ?? []).some((e: AnyObject) => e.name === "RESTORE_BACKUP"),
      );
      assert.deepStrictEqual(
        others.map((c) => c.name),
        [],
      );
    });

    it("changes nothing else in the StatefulSet", function () {
      const stripped = JSON.parse(JSON.stringify(restored)) as AnyObject;
      pod(stripped).volumes = pod(stripped).volumes.filter((v: AnyObject) => v.name !== "restore");
      const init = initData(stripped);
      init.volumeMounts = init.volumeMounts.filter((m: AnyObject) => m.name !== "restore");
      init.env = init.env.filter((e: AnyObject) => e.name !== "RESTORE_BACKUP");
      assert.deepStrictEqual(stripped, sts());
    });

    it("changes no other object, and mounts no restore volume in the backup CronJob", function () {
      const objects = (args: MySqlClusterArgs) =>
        (renderObjects(resolveArgs("db", { backupSchedule: "@daily", replicas: 1, ...args })) as AnyObject[]).filter(
          (o) => o.kind !== "StatefulSet",
        );
      assert.deepStrictEqual(objects({ replicas: 1, restoreFromClaim: "olddb-backups" }), objects({}));
    });

    it("still validates against the apps/v1 StatefulSet schema", function () {
      try {
        new StatefulSet(
          sts({ replicas: 1, restoreFromClaim: "olddb-backups", restoreBackup: "20261125T030000Z" }) as never,
        ).validate();
      } catch (error) {
        assert.fail(`StatefulSet does not validate: ${String(error)}`);
      }
    });
  });

  describe("without restoreFromClaim", function () {
    it("has no restore volume, no mount of it and no RESTORE_BACKUP anywhere", function () {
      const s = sts();
      assert.ok(!pod(s).volumes.some((v: AnyObject) => v.name === "restore" || v.persistentVolumeClaim));
      for (const c of allContainers(s)) {
        assert.ok(
          !(c.volumeMounts ?? []).some((m: AnyObject) => m.name === "restore" || m.mountPath === "/restore"),
          c.name,
        );
        assert.ok(!(c.env ?? []).some((e: AnyObject) => e.name === "RESTORE_BACKUP"), c.name);
      }
      assert.ok(!JSON.stringify(s).includes("RESTORE_BACKUP"));
    });

    it("has none with backups on either", function () {
      assert.ok(!JSON.stringify(sts({ backupSchedule: "@daily" })).includes("restore"));
    });
  });
});

describe("MySqlCluster registers the backup objects (Pulumi mocks)", function () {
  const T = {
    component: "mysql-cluster:index:MySqlCluster",
    pvc: "kubernetes:core/v1:PersistentVolumeClaimPatch",
    cronJob: "kubernetes:batch/v1:CronJob",
    configMap: "kubernetes:core/v1:ConfigMap",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
  };
  let mocks: MockRecorder;
  let MySqlCluster: typeof import("../../../components/mysql-cluster").MySqlCluster;

  before(async function () {
    mocks = await installMocks();
    // Imported only once the mocks are in place.
    ({ MySqlCluster } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster"));
  });

  const deploy = (name: string, args: MySqlClusterArgs = {}) =>
    deployFresh(
      mocks,
      () => new MySqlCluster(name, args),
      (c) => [c.writeEndpoint, c.readEndpoint, c.secretName],
    );

  const inputs = (r: RecordedResource) => r.inputs as AnyObject;

  describe("with backupSchedule", function () {
    let componentUrn = "";
    before(async function () {
      const cluster = await deploy("bkdb", {
        namespace: "shop",
        backupSchedule: "0 3 * * *",
        backupRetention: 3,
        appDatabase: "shop",
        appUser: "shop",
      });
      componentUrn = await valueOf(cluster.urn);
    });

    it("registers the PVC <name>-backups and the CronJob <name>-backup, parented to the component", function () {
      const pvc = mocks.one(T.pvc, "bkdb-backup-claim");
      const job = mocks.one(T.cronJob, "bkdb-backup");
      assert.strictEqual(inputs(pvc).metadata.name, "bkdb-backups");
      assert.strictEqual(inputs(job).metadata.name, "bkdb-backup");
      for (const r of [pvc, job]) {
        assert.strictEqual(r.parent, componentUrn, `${r.type} ${r.name}`);
        assert.strictEqual(inputs(r).metadata.namespace, "shop");
      }
    });

    it("creates the CronJob after the PVC and the scripts ConfigMap, not after the StatefulSet (a long rollout must not hold back the schedule)", function () {
      const deps = mocks.one(T.cronJob, "bkdb-backup").dependencies;
      const scripts = mocks.ofType(T.configMap).find((r) => inputs(r).metadata.name.startsWith("bkdb-config-"))!;
      for (const r of [mocks.one(T.pvc, "bkdb-backup-claim"), scripts])
        assert.ok(deps.includes(r.urn), `CronJob does not depend on ${r.type} ${r.name}: ${deps.join(", ")}`);
      assert.ok(!deps.includes(mocks.one(T.statefulSet).urn), "the CronJob waits for the StatefulSet");
    });

    it("points the CronJob's scripts volume at the registered ConfigMap, and its backups volume at the registered PVC", function () {
      const pod = inputs(mocks.one(T.cronJob)).spec.jobTemplate.spec.template.spec;
      const volumes = Object.fromEntries(pod.volumes.map((v: AnyObject) => [v.name, v]));
      const scripts = mocks.ofType(T.configMap).find((r) => inputs(r).metadata.name.startsWith("bkdb-config-"))!;
      assert.strictEqual(volumes.scripts.configMap.name, inputs(scripts).metadata.name);
      assert.strictEqual(
        volumes.backups.persistentVolumeClaim.claimName,
        inputs(mocks.one(T.pvc, "bkdb-backup-claim")).metadata.name,
      );
    });
  });

  describe("without backupSchedule", function () {
    before(async function () {
      await deploy("plain", { namespace: "shop" });
    });

    it("registers neither a backups claim nor a CronJob (only the pods' data claims)", function () {
      assert.deepStrictEqual(
        mocks
          .ofType(T.pvc)
          .map((r) => r.name)
          .filter((n) => !/-data-[0-9]+$/.test(n)),
        [],
      );
      assert.deepStrictEqual(
        mocks.ofType(T.cronJob).map((r) => r.name),
        [],
      );
      assert.ok(mocks.ofType(T.statefulSet).length === 1, "the cluster was not deployed");
    });
  });

  describe("with invalid backup or restore settings", function () {
    for (const [setting, args] of INVALID) {
      it(`throws for ${describeArgs(args)} before registering anything, naming "${setting}"`, async function () {
        mocks.reset();
        assert.throws(
          () => new MySqlCluster("baddb", { backupSchedule: "@daily", ...args }),
          (e: unknown) => e instanceof MySqlClusterConfigError && e.message.includes(`setting "${setting}"`),
        );
        await settle();
        assert.deepStrictEqual(
          mocks.resources.filter((r) => r.type !== T.component).map((r) => `${r.type}/${r.name}`),
          [],
        );
      });
    }
  });
});
