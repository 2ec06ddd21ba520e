// The object store in the rendered pods (issue 17): the backup CronJob with
// backupTarget store / both (tools init container, the store's Secret mounted
// into the backup container only, a scratch volume instead of the claim with
// store), and the StatefulSet with restoreFromStore (tools and the Secret for
// init-data only). No credential is in any env value or command.

import * as assert from "assert";
import { MySqlClusterArgs, resolveArgs } from "../../../components/mysql-cluster/args";
import { MOUNTS } from "../../../components/mysql-cluster/contract";
import { objectsByKey, renderCluster, renderObjects } from "../../../components/mysql-cluster/render";
import { AnyObject } from "../../support/objects";

const STORE: MySqlClusterArgs = {
  backupStoreEndpoint: "https://s3.example.com",
  backupStoreBucket: "backups",
  backupStoreSecret: "db-store",
  backupSchedule: "0 3 * * *",
};
const objects = (args: MySqlClusterArgs) =>
  renderObjects(resolveArgs("db", { namespace: "data", ...args })) as AnyObject[];
const jobPod = (args: MySqlClusterArgs) =>
  objects(args).find((o) => o.kind === "CronJob")!.spec.jobTemplate.spec.template.spec;
const envOf = (c: AnyObject) => Object.fromEntries((c.env ?? []).map((e: AnyObject) => [e.name, e.value]));
const mountsOf = (c: AnyObject) =>
  (c.volumeMounts ?? []).map((m: AnyObject) => `${m.name}:${m.mountPath}:${!!m.readOnly}`);

describe("backup CronJob with the object store", function () {
  it("claim (default): no tools, no store Secret, no store env; the backups volume is the claim", function () {
    const pod = jobPod({ backupSchedule: "0 3 * * *" });
    assert.strictEqual(pod.initContainers, undefined);
    assert.ok(!JSON.stringify(pod).includes("store"), "a store piece in a claim-only Job");
    assert.deepStrictEqual(pod.volumes.find((v: AnyObject) => v.name === "backups").persistentVolumeClaim, {
      claimName: "db-backups",
    });
    assert.strictEqual(envOf(pod.containers[0]).BACKUP_TARGET, "claim");
  });

  for (const target of ["store", "both"] as const) {
    describe(`backupTarget ${target}`, function () {
      const pod = jobPod({ ...STORE, backupTarget: target, backupStorePrefix: "prod/db", backupStoreRegion: "eu-1" });
      const backup = pod.containers[0];

      it("copies rclone from storeToolImage into a memory-backed tools volume, as an init container", function () {
        assert.deepStrictEqual(
          pod.initContainers.map((c: AnyObject) => [c.name, c.image, c.command]),
          [
            [
              "tools",
              "rclone/rclone:1.75",
              ["cp", "/usr/local/bin/rclone", "/etc/ssl/certs/ca-certificates.crt", `${MOUNTS.tools}/`],
            ],
          ],
        );
        assert.deepStrictEqual(mountsOf(pod.initContainers[0]), ["tools:/tools:false"]);
        assert.deepStrictEqual(pod.volumes.find((v: AnyObject) => v.name === "tools").emptyDir.medium, "Memory");
      });

      it("mounts the tools read-only and the user's Secret into the backup container, and nowhere else", function () {
        assert.ok(mountsOf(backup).includes("tools:/tools:true"), mountsOf(backup).join(" "));
        assert.ok(mountsOf(backup).includes("store-secret:/etc/store-secret:true"));
        assert.deepStrictEqual(pod.volumes.find((v: AnyObject) => v.name === "store-secret").secret, {
          secretName: "db-store",
          defaultMode: 0o440,
        });
        assert.ok(!mountsOf(pod.initContainers[0]).some((m: string) => m.startsWith("store-secret")));
      });

      it("hands the script the store's address and the prefix, no credential", function () {
        const env = envOf(backup);
        assert.deepStrictEqual(
          [env.BACKUP_TARGET, env.STORE_ENDPOINT, env.STORE_BUCKET, env.STORE_REGION, env.STORE_PREFIX],
          [target, "https://s3.example.com", "backups", "eu-1", "prod/db"],
        );
        assert.ok(!backup.env.some((e: AnyObject) => e.valueFrom?.secretKeyRef), "a Secret value in the env");
      });

      it(
        target === "store"
          ? "prepares the backup in a scratch emptyDir and creates no backup claim"
          : "keeps the backup claim",
        function () {
          const volume = pod.volumes.find((v: AnyObject) => v.name === "backups");
          const claims = objects({ ...STORE, backupTarget: target }).filter(
            (o) => o.kind === "PersistentVolumeClaim" && o.metadata.name === "db-backups",
          );
          if (target === "store") {
            assert.deepStrictEqual(volume, { name: "backups", emptyDir: {} });
            assert.deepStrictEqual(claims, []);
          } else {
            assert.strictEqual(volume.persistentVolumeClaim.claimName, "db-backups");
            assert.strictEqual(claims.length, 1);
          }
        },
      );
    });
  }

  it("defaults the prefix to the cluster's name", function () {
    assert.strictEqual(envOf(jobPod({ ...STORE, backupTarget: "store" }).containers[0]).STORE_PREFIX, "db");
  });

  it("registers no backup claim and no dependency on it with backupTarget store", function () {
    const list = renderCluster(resolveArgs("db", { ...STORE, backupTarget: "store" }));
    const keys = list.resources.map((r) => r.key);
    assert.ok(!keys.includes("backupClaim"), keys.join(", "));
    assert.ok(!list.resources.find((r) => r.key === "backupCronJob")!.dependsOn.includes("backupClaim"));
  });
});

describe("StatefulSet with restoreFromStore", function () {
  const sts = (args: MySqlClusterArgs) =>
    objectsByKey(renderCluster(resolveArgs("db", { namespace: "data", replicas: 1, ...args })))
      .statefulSet as AnyObject;
  const restored = sts({ ...STORE, restoreFromStore: "olddb", restoreBackup: "20261125T030000Z" });
  const spec = restored.spec.template.spec;

  it("runs tools then fetch-backup (backup image) before init-data; only fetch-backup holds rclone and the Secret", function () {
    const names = spec.initContainers.map((c: AnyObject) => `${c.name}:${c.image}`);
    assert.deepStrictEqual(names, [
      "init-config:mysql:8.4",
      "clone-data:percona/percona-xtrabackup:8.4",
      "tools:rclone/rclone:1.75",
      "fetch-backup:percona/percona-xtrabackup:8.4",
      "init-data:mysql:8.4",
    ]);
    const using = (volume: string) =>
      [...spec.initContainers, ...spec.containers]
        .filter((c: AnyObject) => mountsOf(c).some((m: string) => m.startsWith(`${volume}:`)))
        .map((c: AnyObject) => c.name);
    assert.deepStrictEqual(using("store-secret"), ["fetch-backup"]);
    assert.deepStrictEqual(using("tools"), ["tools", "fetch-backup"]);
    assert.ok(
      mountsOf(spec.initContainers.find((c: AnyObject) => c.name === "fetch-backup")).includes("tools:/tools:true"),
    );
  });

  it("tells fetch-backup where to download from, and init-data only that a download is what it restores", function () {
    const fetch = envOf(spec.initContainers.find((c: AnyObject) => c.name === "fetch-backup"));
    assert.deepStrictEqual(
      [fetch.STORE_ENDPOINT, fetch.STORE_BUCKET, fetch.STORE_REGION, fetch.RESTORE_FROM_STORE, fetch.RESTORE_BACKUP],
      ["https://s3.example.com", "backups", "us-east-1", "olddb", "20261125T030000Z"],
    );
    const initData = envOf(spec.initContainers.find((c: AnyObject) => c.name === "init-data"));
    assert.deepStrictEqual(
      [initData.STORE_ENDPOINT, initData.RESTORE_FROM_STORE, initData.RESTORE_BACKUP],
      [undefined, "olddb", "20261125T030000Z"],
    );
  });

  it("has none of it without restoreFromStore and store backups", function () {
    const plain = sts({ ...STORE, backupTarget: "claim" });
    assert.ok(!JSON.stringify(plain.spec.template).includes("store"), "a store piece in the pods");
  });
});

describe("StatefulSet with binary log archiving (backupTarget store or both)", function () {
  const podSpec = (args: MySqlClusterArgs) =>
    (objectsByKey(renderCluster(resolveArgs("db", { namespace: "data", ...args }))).statefulSet as AnyObject).spec
      .template.spec;
  const using = (spec: AnyObject, volume: string) =>
    [...spec.initContainers, ...spec.containers]
      .filter((c: AnyObject) => mountsOf(c).some((m: string) => m.startsWith(`${volume}:`)))
      .map((c: AnyObject) => c.name);

  for (const target of ["store", "both"] as const) {
    it(`with ${target}: the sidecar alone holds the Secret and rclone (read-only), after the tools step`, function () {
      const spec = podSpec({ ...STORE, backupTarget: target });
      assert.deepStrictEqual(using(spec, "store-secret"), ["sidecar"]);
      assert.deepStrictEqual(using(spec, "tools"), ["tools", "sidecar"]);
      const sidecar = spec.containers.find((c: AnyObject) => c.name === "sidecar");
      assert.ok(mountsOf(sidecar).includes("tools:/tools:true"));
      assert.ok(mountsOf(sidecar).includes("store-secret:/etc/store-secret:true"));
      assert.deepStrictEqual(
        spec.initContainers.map((c: AnyObject) => c.name),
        ["init-config", "clone-data", "tools", "init-data"],
      );
    });
  }

  it("tells the sidecar the store, the cluster's prefix and the bound, and no container any credential", function () {
    const spec = podSpec({ ...STORE, backupTarget: "store", binlogArchiveMaxAgeSeconds: 60 });
    const env = envOf(spec.containers.find((c: AnyObject) => c.name === "sidecar"));
    assert.deepStrictEqual(
      [env.STORE_ENDPOINT, env.STORE_BUCKET, env.STORE_REGION, env.STORE_PREFIX, env.BINLOG_ARCHIVE_MAX_AGE],
      ["https://s3.example.com", "backups", "us-east-1", "db", "60"],
    );
    for (const c of [...spec.initContainers, ...spec.containers])
      for (const e of c.env ?? []) assert.ok(!/KEY|SECRET_ACCESS/.test(e.name) || e.valueFrom === undefined, e.name);
  });

  it("defaults the bound to 300 s and has no archiving with backupTarget claim", function () {
    const env = envOf(
      podSpec({ ...STORE, backupTarget: "both" }).containers.find((c: AnyObject) => c.name === "sidecar"),
    );
    assert.strictEqual(env.BINLOG_ARCHIVE_MAX_AGE, "300");
    const claim = envOf(
      podSpec({ ...STORE, backupTarget: "claim" }).containers.find((c: AnyObject) => c.name === "sidecar"),
    );
    assert.strictEqual(claim.BINLOG_ARCHIVE_MAX_AGE, undefined);
  });

  it("refuses a bound outside 30-3600 s, naming the setting", function () {
    for (const bad of [29, 3601, 1.5])
      assert.throws(
        () => resolveArgs("db", { ...STORE, backupTarget: "store", binlogArchiveMaxAgeSeconds: bad }),
        /binlogArchiveMaxAgeSeconds[^\n]*30 to 3600/,
      );
  });
});
