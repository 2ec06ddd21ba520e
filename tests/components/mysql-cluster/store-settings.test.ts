// The object-store settings of issue 17 (backupTarget, backupStore*,
// storeToolImage, restoreFromStore): their defaults, one clear
// MySqlClusterConfigError naming each bad value or each missing companion
// setting, and their stack-config parsing. What the pods do with them is
// tested beside the builders and scripts.

import * as assert from "assert";
import { MySqlClusterArgs, MySqlClusterConfigError, resolveArgs } from "../../../components/mysql-cluster/args";
import { argsFromConfig } from "../../../components/mysql-cluster/stack-config";
import { errorFor } from "../../support/config-error";

const settingsNamed = (error: MySqlClusterConfigError) => error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]);

/** A complete, valid store: what every use of it needs. */
const STORE: MySqlClusterArgs = {
  backupStoreEndpoint: "https://s3.eu-west-1.amazonaws.com",
  backupStoreBucket: "acme-db-backups",
  backupStoreSecret: "db-store",
};
const STORE_BACKUPS: MySqlClusterArgs = { ...STORE, backupTarget: "store", backupSchedule: "0 3 * * *" };

const ENDPOINT = /http:\/\/ or https:\/\/ URL with a host/;
const BUCKET = /an S3 bucket name: 3 to 63 lower-case letters/;
const PREFIX = /path segments of letters, digits, "\.", "_" and "-" separated by single "\/"/;
const TARGET = /"claim", "store" or "both"/;
const STORE_KEYS = "backupStoreEndpoint, backupStoreBucket, backupStoreSecret";
const MISSING = (names: string) => new RegExp(`to be set too \\(missing: ${names}\\)`);

// [setting, args, what the message must say]
const INVALID: [string, MySqlClusterArgs, RegExp][] = [
  ["backupTarget", { backupTarget: "s3" as never }, TARGET],
  ["backupTarget", { backupTarget: "Store" as never }, TARGET],
  ["backupTarget", { backupTarget: "" as never }, TARGET],
  ["backupStoreEndpoint", { backupStoreEndpoint: "s3.amazonaws.com" }, ENDPOINT],
  ["backupStoreEndpoint", { backupStoreEndpoint: "ftp://s3.example.com" }, ENDPOINT],
  ["backupStoreEndpoint", { backupStoreEndpoint: "https://key:secret@s3.example.com" }, ENDPOINT],
  ["backupStoreEndpoint", { backupStoreEndpoint: "https://s3.example.com/?x=1" }, ENDPOINT],
  ["backupStoreEndpoint", { backupStoreEndpoint: "https://s3.example.com/#a" }, ENDPOINT],
  ["backupStoreEndpoint", { backupStoreEndpoint: "https://s3.example.com/$(id)" }, ENDPOINT],
  ["backupStoreEndpoint", { backupStoreEndpoint: " https://s3.example.com" }, ENDPOINT],
  ["backupStoreEndpoint", { backupStoreEndpoint: "" }, ENDPOINT],
  ["backupStoreBucket", { backupStoreBucket: "ab" }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "a".repeat(64) }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "Backups" }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "my_backups" }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "-backups" }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "backups." }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "my..backups" }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "192.168.1.10" }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "xn--backups" }, BUCKET],
  ["backupStoreBucket", { backupStoreBucket: "backups-s3alias" }, BUCKET],
  ["backupStorePrefix", { backupStorePrefix: "/db" }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "db/" }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "a//b" }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "a/../b" }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "." }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "db backups" }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "db;rm" }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "a".repeat(257) }, PREFIX],
  ["backupStorePrefix", { backupStorePrefix: "" }, PREFIX],
  ["backupStoreRegion", { backupStoreRegion: "eu west" }, /1 to 64 letters, digits, "_" or "-"/],
  ["backupStoreRegion", { backupStoreRegion: "" }, /1 to 64 letters/],
  ["backupStoreSecret", { backupStoreSecret: "Store_Secret" }, /the name of a Secret in the cluster's namespace/],
  ["storeToolImage", { storeToolImage: "rclone/rclone:1.75; id" }, /image reference/],
  ["restoreFromStore", { ...STORE, replicas: 1, restoreFromStore: "old/../db" }, PREFIX],
  // The rules between settings.
  ["backupTarget", { backupTarget: "store", backupSchedule: "@daily" }, MISSING(STORE_KEYS)],
  [
    "backupTarget",
    { backupTarget: "both", backupSchedule: "@daily", backupStoreEndpoint: "http://10.0.0.1:9000" },
    MISSING("backupStoreBucket, backupStoreSecret"),
  ],
  [
    "backupTarget",
    { ...STORE, backupTarget: "store" },
    /without backupSchedule: only scheduled backups go to the store/,
  ],
  ["restoreFromStore", { replicas: 1, restoreFromStore: "olddb" }, MISSING(STORE_KEYS)],
  ["restoreFromStore", { ...STORE, restoreFromStore: "olddb" }, /replicas: 1 while restoring \(got replicas 3\)/],
  [
    "restoreFromStore",
    { ...STORE, replicas: 1, restoreFromStore: "olddb", restoreFromClaim: "olddb-backups" },
    /unset when restoreFromClaim is set/,
  ],
];

describe("object-store settings (resolveArgs)", function () {
  it("defaults to today's behaviour: backupTarget claim, region us-east-1, rclone 1.75, no store, no restore from it", function () {
    const resolved = resolveArgs("db");
    assert.strictEqual(resolved.backupTarget, "claim");
    assert.strictEqual(resolved.backupStoreRegion, "us-east-1");
    assert.strictEqual(resolved.storeToolImage, "rclone/rclone:1.75");
    for (const key of [
      "backupStoreEndpoint",
      "backupStoreBucket",
      "backupStorePrefix",
      "backupStoreSecret",
      "restoreFromStore",
    ] as const)
      assert.strictEqual(resolved[key], undefined, key);
  });

  it('accepts "store" and "both" with the store and a schedule, and passes every store setting through', function () {
    for (const backupTarget of ["store", "both"] as const) {
      const resolved = resolveArgs("db", {
        ...STORE_BACKUPS,
        backupTarget,
        backupStorePrefix: "prod/shop-db",
        backupStoreRegion: "eu-west-1",
        storeToolImage: "registry.example.com/rclone/rclone:1.75.0@sha256:" + "a".repeat(64),
      });
      assert.deepStrictEqual(
        [
          resolved.backupTarget,
          resolved.backupStoreEndpoint,
          resolved.backupStoreBucket,
          resolved.backupStoreSecret,
          resolved.backupStorePrefix,
          resolved.backupStoreRegion,
        ],
        [backupTarget, STORE.backupStoreEndpoint, "acme-db-backups", "db-store", "prod/shop-db", "eu-west-1"],
      );
    }
  });

  it("accepts the endpoints of the services the README names: AWS, GCS, MinIO by IP and port, IPv6, a path", function () {
    for (const backupStoreEndpoint of [
      "https://s3.amazonaws.com",
      "https://storage.googleapis.com",
      "http://10.0.0.5:9000",
      "http://minio.storage.svc.cluster.local:9000",
      "http://[fd00::5]:9000",
      "https://rgw.example.com/s3",
    ])
      assert.strictEqual(resolveArgs("db", { backupStoreEndpoint }).backupStoreEndpoint, backupStoreEndpoint);
  });

  it("accepts bucket names at AWS's bounds (3 and 63 characters, dots and hyphens inside)", function () {
    for (const backupStoreBucket of ["abc", "a".repeat(63), "acme.db-backups.2026", "1-backups"])
      assert.strictEqual(resolveArgs("db", { backupStoreBucket }).backupStoreBucket, backupStoreBucket);
  });

  it("accepts restoreFromStore with the store and replicas 1, with restoreBackup a name, also beside store backups", function () {
    const resolved = resolveArgs("db", {
      ...STORE_BACKUPS,
      replicas: 1,
      restoreFromStore: "olddb",
      restoreBackup: "20261125T030000Z",
    });
    assert.deepStrictEqual([resolved.restoreFromStore, resolved.restoreBackup], ["olddb", "20261125T030000Z"]);
  });

  describe("invalid values and missing companions, one error each", function () {
    it("covers every store setting", function () {
      for (const setting of [
        "backupTarget",
        "backupStoreEndpoint",
        "backupStoreBucket",
        "backupStorePrefix",
        "backupStoreRegion",
        "backupStoreSecret",
        "storeToolImage",
        "restoreFromStore",
      ])
        assert.ok(
          INVALID.some(([s]) => s === setting),
          setting,
        );
    });

    for (const [setting, args, accepted] of INVALID) {
      it(`rejects ${JSON.stringify(args).slice(0, 90)} with one error naming "${setting}"`, function () {
        const error = errorFor("db", args);
        assert.deepStrictEqual(settingsNamed(error), [setting], `problems: ${error.problems.join(" | ")}`);
        const [problem] = error.problems;
        assert.ok(problem.startsWith(`setting "${setting}": got `), problem);
        assert.match(problem, accepted);
      });
    }

    it("names restoreBackup without restoreFromClaim or restoreFromStore", function () {
      const error = errorFor("db", { restoreBackup: "20261125T030000Z" });
      assert.deepStrictEqual(settingsNamed(error), ["restoreBackup"]);
      assert.match(error.problems[0], /only together with restoreFromClaim or restoreFromStore/);
    });
  });
});

describe("object-store stack settings (argsFromConfig)", function () {
  it("reads every store setting from the stack as a string", function () {
    const config: Record<string, string> = {
      backupTarget: "both",
      backupSchedule: "@daily",
      backupStoreEndpoint: "http://10.0.0.5:9000",
      backupStoreBucket: "backups",
      backupStorePrefix: "shop",
      backupStoreRegion: "garage",
      backupStoreSecret: "store-creds",
      storeToolImage: "rclone/rclone:1.75",
    };
    const { args } = argsFromConfig((key) => config[key]);
    assert.deepStrictEqual(args, config);
    assert.strictEqual(resolveArgs("db", args).backupTarget, "both");
  });
});
