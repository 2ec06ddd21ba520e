// resolveArgs: the defaults, and one clear MySqlClusterConfigError for bad
// input that names each bad setting and says what it accepts.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  DEFAULTS,
  RESERVED_USERS,
  MySqlClusterArgs,
  MySqlClusterConfigError,
  resolveArgs,
} from "../../../components/mysql-cluster/args";
import { FLAVOR_SPECS } from "../../../components/mysql-cluster/flavors";
import { SETTING_ENTRIES } from "../../../components/mysql-cluster/settings";
import { argsFromConfig } from "../../../components/mysql-cluster/stack-config";
import { installMocks, MockRecorder, settle } from "../../support/pulumi-mocks";
import { errorFor } from "../../support/config-error";

// [setting, args, name, words the message must contain to say what is accepted]
const INVALID: [string, MySqlClusterArgs, string, RegExp][] = [
  ["replicas", { replicas: 0 }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: -1 }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: 2.5 }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: "abc" as never }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: 100 }, "db", /whole number from 1 to 99/],
  ["primaryOrdinal", { primaryOrdinal: 1.5 }, "db", /whole number from 0 to replicas-1 \(2\)/],
  ["primaryOrdinal", { primaryOrdinal: -1 }, "db", /whole number from 0 to replicas-1 \(2\)/],
  ["primaryOrdinal", { primaryOrdinal: "1" as never }, "db", /whole number from 0 to replicas-1 \(2\)/],
  [
    "primaryOrdinal",
    { primaryOrdinal: 3 },
    "db",
    /ordinal of an existing pod: a whole number from 0 to replicas-1 \(2\)/,
  ],
  ["primaryOrdinal", { replicas: 5, primaryOrdinal: 5 }, "db", /whole number from 0 to replicas-1 \(4\)/],
  ["primaryOrdinal", { replicas: 1, primaryOrdinal: 1 }, "db", /whole number from 0 to replicas-1 \(0\)/],
  ["storageSize", { storageSize: "10GB" }, "db", /Kubernetes quantity/],
  ["storageSize", { storageSize: "abc" }, "db", /Kubernetes quantity/],
  ["storageSize", { storageSize: "0" }, "db", /at least 1Mi/],
  ["name", {}, "My_DB", /DNS label of at most 52 characters/],
  ["name", {}, "a".repeat(53), /at most 52 characters/],
  ["name", {}, "1abc", /starting with a letter/],
  ["namespace", { namespace: "Bad_NS" }, "db", /DNS label/],
  ["flavor", { flavor: "postgres" as never }, "db", /"mysql", "mariadb"/],
  ["appUser", { appUser: "shop" }, "db", /appDatabase to be set/],
  ["appUser", { appUser: "root", appDatabase: "shop" }, "db", /other than the users the cluster and its probes use/],
  ["appDatabase", { appDatabase: "mysql" }, "db", /other than the system databases/],
  ["appDatabase", { appDatabase: "has-dash" }, "db", /letters, digits or "_"/],
  ["memoryLimit", { memoryRequest: "2Gi", memoryLimit: "1Gi" }, "db", /at least memoryRequest \(2Gi\)/],
  ["memoryRequest", { memoryRequest: "100Mi" }, "db", /at least 256Mi/],
  ["cpuRequest", { cpuRequest: "lots" }, "db", /CPU quantity/],
  ["cpuLimit", { cpuRequest: "2", cpuLimit: "1" }, "db", /at least cpuRequest \(2\)/],
  ["storageAccessMode", { storageAccessMode: "ReadWriteMany" as never }, "db", /"ReadWriteOnce" or "ReadWriteOncePod"/],
  ["storageClass", { storageClass: "Bad Class" }, "db", /StorageClass/],
  ["existingSecret", { existingSecret: "Bad_Secret" }, "db", /name of a Secret/],
  ["maxReadLagSeconds", { maxReadLagSeconds: 0 }, "db", /from 1 to 86400/],
  ["backupParallelism", { backupParallelism: 0 }, "db", /from 1 to 64/],
  ["image", { image: "has space" }, "db", /an image reference \[registry\[:port\]\/\]name\[:tag\]\[@digest\]/],
  ["clusterDomain", { clusterDomain: "bad domain" }, "db", /DNS domain/],
  ["requireTls", { requireTls: "yes" as never }, "db", /true or false/],
  ["requireTls", { requireTls: "false" as never }, "db", /true or false/],
  ["networkPolicy", { networkPolicy: 1 as never }, "db", /true or false/],
  ["networkPolicy", { networkPolicy: "off" as never }, "db", /true or false/],
  // The component takes label maps; the stack's "k=v,..." text is parsed in stack-config.ts (parseLabelSelector below).
  [
    "clientPodSelector",
    { clientPodSelector: "app=shop" as never },
    "db",
    /"key=value" pairs separated by commas, each key once \(in TypeScript a map\)/,
  ],
  ["clientPodSelector", { clientPodSelector: { a: "b=c" } }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: { "": "x" } }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: {} }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: { app: "has space" } }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: { app: 5 } as never }, "db", /"key=value" pairs separated by commas/],
  [
    "clientNamespaceSelector",
    { clientNamespaceSelector: { "bad key!": "v" } },
    "db",
    /"key=value" pairs separated by commas/,
  ],
  [
    "clientNamespaceSelector",
    { clientNamespaceSelector: { team: "v".repeat(64) } },
    "db",
    /"key=value" pairs separated by commas/,
  ],
  ["tlsSecret", { tlsSecret: "Bad_Secret" }, "db", /Secret with tls.crt, tls.key and ca.crt/],
  ["passwordRotation", { passwordRotation: -1 }, "db", /whole number from 0 up/],
  ["passwordRotation", { passwordRotation: 1.5 }, "db", /whole number from 0 up/],
  ["passwordRotation", { passwordRotation: "1" as never }, "db", /whole number from 0 up/],
  // Production settings.
  ["semiSyncTimeoutMs", { semiSyncTimeoutMs: 50 }, "db", /whole number of milliseconds from 100 to 3600000/],
  ["semiSyncTimeoutMs", { semiSyncTimeoutMs: 3_600_001 }, "db", /whole number of milliseconds from 100 to 3600000/],
  ["semiSyncTimeoutMs", { semiSyncTimeoutMs: 150.5 }, "db", /whole number of milliseconds from 100 to 3600000/],
  [
    "semiSyncTimeoutMs",
    { semiSyncTimeoutMs: "abc" as never },
    "db",
    /whole number of milliseconds from 100 to 3600000/,
  ],
  ["semiSync", { semiSync: "on" as never }, "db", /true or false/],
  // Failover promotes only what a replica acknowledged: without semi-sync it could lose commits.
  ["failover", { semiSync: false }, "db", /semiSync to be true too \(or failover false\)/],
  ["failover", { semiSync: false, failover: true }, "db", /semiSync to be true too \(or failover false\)/],
  ["failover", { failover: "on" as never }, "db", /true or false/],
  ["failoverLeaseSeconds", { failoverLeaseSeconds: 4 }, "db", /whole number of seconds from 5 to 120/],
  ["failoverLeaseSeconds", { failoverLeaseSeconds: 121 }, "db", /whole number of seconds from 5 to 120/],
  ["failoverLeaseSeconds", { failoverLeaseSeconds: 7.5 }, "db", /whole number of seconds from 5 to 120/],
  ["metrics", { metrics: "yes" as never }, "db", /true or false/],
  ["serviceMonitor", { serviceMonitor: true, metrics: false }, "db", /false when metrics is false/],
  ["serviceMonitor", { serviceMonitor: "true" as never }, "db", /true or false/],
  [
    "exporterImage",
    { exporterImage: "a b" },
    "db",
    /an image reference \[registry\[:port\]\/\]name\[:tag\]\[@digest\]/,
  ],
  ["priorityClassName", { priorityClassName: "Bad_Name" }, "db", /name of a PriorityClass/],
  ["priorityClassName", { priorityClassName: "" }, "db", /name of a PriorityClass/],
  // The component takes Toleration objects; the stack's JSON text is parsed in stack-config.ts (parseTolerations below).
  [
    "tolerations",
    { tolerations: {} as never },
    "db",
    /JSON array of tolerations \(in TypeScript an array of Toleration objects\)/,
  ],
  ["tolerations", { tolerations: [1] as never }, "db", /JSON array of tolerations/],
  ["tolerations", { tolerations: '[{"operator":"Exists"}]' as never }, "db", /JSON array of tolerations/],
  ["tolerations", { tolerations: [null] as never }, "db", /JSON array of tolerations/],
  [
    "tolerations",
    { tolerations: [{ key: "a", operator: "Exists", color: "red" }] as never },
    "db",
    /JSON array of tolerations/,
  ],
  [
    "tolerations",
    { tolerations: [{ key: "a", operator: "In", value: "b" }] as never },
    "db",
    /JSON array of tolerations/,
  ],
  [
    "tolerations",
    { tolerations: [{ key: "a", operator: "Exists", effect: "NoRun" }] as never },
    "db",
    /JSON array of tolerations/,
  ],
  ["hardSpread", { hardSpread: "x" as never }, "db", /true or false/],
  ["spreadAcrossZones", { spreadAcrossZones: 1 as never }, "db", /true or false/],
  // One Secret named twice: a generated Secret would overwrite the user's.
  ["existingSecret", { existingSecret: "db-tls" }, "db", /a Secret other than the TLS Secret/],
  ["existingSecret", { existingSecret: "shared", tlsSecret: "shared" }, "db", /a Secret other than the TLS Secret/],
  [
    "tlsSecret",
    { tlsSecret: "db-credentials" },
    "db",
    /a Secret other than the generated credentials Secret "db-credentials"/,
  ],
];

/**
 * Tolerations the Kubernetes API server refuses (ValidateTolerations): they
 * must fail in resolveArgs like any bad setting, not half-way through
 * `pulumi up` when the StatefulSet is created after the other objects.
 */
const TOLERATIONS_THE_API_REFUSES: [string, string][] = [
  ["a value with operator Exists", '[{"key":"dedicated","operator":"Exists","value":"db"}]'],
  ["no key with operator Equal (only Exists may match every key)", '[{"operator":"Equal","value":"db"}]'],
  ["an empty toleration (no key, operator Equal by default)", "[{}]"],
  [
    "tolerationSeconds without effect NoExecute",
    '[{"key":"a","operator":"Exists","effect":"NoSchedule","tolerationSeconds":60}]',
  ],
  ["a key that is not a string", '[{"key":5,"operator":"Exists"}]'],
  ["a value that is not a string", '[{"key":"a","value":1}]'],
  ["a fractional tolerationSeconds", '[{"key":"a","operator":"Exists","effect":"NoExecute","tolerationSeconds":1.5}]'],
  ["a key that is not a label name", '[{"key":"bad key","operator":"Exists"}]'],
];

function describeCase(setting: string, args: MySqlClusterArgs, name: string): string {
  return setting === "name"
    ? `name ${JSON.stringify(name.length > 20 ? `<${name.length} characters>` : name)}`
    : JSON.stringify(args);
}

describe("resolveArgs", function () {
  describe("defaults", function () {
    it("applies every default for a bare name: the schema's, the flavor's images, and nothing for the settings without one", function () {
      const expected: Record<string, unknown> = { name: "mysql" };
      for (const [key, spec] of SETTING_ENTRIES) {
        if (spec.arg !== false) expected[key] = spec.default ?? spec.flavorDefault?.(FLAVOR_SPECS.mysql);
      }
      const resolved = resolveArgs("mysql");
      assert.deepStrictEqual(resolved, expected);
    });

    it("is secure by default: TLS required, a NetworkPolicy, generated certificates", function () {
      const resolved = resolveArgs("db");
      assert.strictEqual(resolved.requireTls, true);
      assert.strictEqual(resolved.networkPolicy, true);
      assert.strictEqual(resolved.tlsSecret, undefined);
    });

    it("picks the MariaDB images for the mariadb flavor", function () {
      const resolved = resolveArgs("db", { flavor: "mariadb" });
      assert.strictEqual(resolved.image, "mariadb:11.4");
      assert.strictEqual(resolved.backupImage, "mariadb:11.4");
    });

    it("keeps every explicitly given valid value", function () {
      const args: MySqlClusterArgs = {
        namespace: "prod",
        replicas: 99,
        primaryOrdinal: 98,
        flavor: "mariadb",
        image: "registry.example/mariadb:11.4.2",
        backupImage: "registry.example/mariadb:11.4.2",
        storageSize: "500Gi",
        storageClass: "fast-ssd",
        storageAccessMode: "ReadWriteOncePod",
        cpuRequest: "2",
        cpuLimit: "4",
        memoryRequest: "4Gi",
        memoryLimit: "8Gi",
        appDatabase: "shop_db",
        appUser: "shop_user",
        existingSecret: "shop-db-passwords",
        clusterDomain: "k8s.example.com",
        maxReadLagSeconds: 86400,
        backupParallelism: 64,
        requireTls: false,
        tlsSecret: "shop-db-tls",
        networkPolicy: false,
        passwordRotation: 0,
        spreadAcrossZones: true,
        hardSpread: true,
        priorityClassName: "database-critical",
        tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
        semiSync: false,
        failover: false,
        semiSyncTimeoutMs: 3_600_000,
        metrics: true,
        exporterImage: "registry.example/mysqld-exporter:v0.16.0",
        serviceMonitor: true,
        serviceMonitorLabels: { release: "kube-prometheus-stack", "example.com/team": "db" },
        backupRetention: 30,
        backupStorageSize: "1Ti",
        backupStorageClass: "cold-storage",
      };
      // Every given value is kept; the settings not given keep their defaults.
      assert.deepStrictEqual(resolveArgs("a".repeat(52), args), { ...resolveArgs("a".repeat(52)), ...args });
    });

    it("keeps metrics false with serviceMonitor unset, and accepts the semiSyncTimeoutMs boundaries 100 and 3600000", function () {
      const resolved = resolveArgs("db", { metrics: false });
      assert.strictEqual(resolved.metrics, false);
      assert.strictEqual(resolved.serviceMonitor, false);
      assert.strictEqual(resolveArgs("db", { semiSyncTimeoutMs: 100 }).semiSyncTimeoutMs, 100);
      assert.strictEqual(resolveArgs("db", { semiSyncTimeoutMs: 3_600_000 }).semiSyncTimeoutMs, 3_600_000);
    });

    it("accepts distinct Secrets: an existingSecret named <name>-credentials, a tlsSecret named <name>-tls, a tlsSecret named <name>-credentials beside an existingSecret", function () {
      assert.strictEqual(resolveArgs("db", { existingSecret: "db-credentials" }).existingSecret, "db-credentials");
      assert.strictEqual(resolveArgs("db", { tlsSecret: "db-tls" }).tlsSecret, "db-tls");
      // With an existingSecret nothing generates "db-credentials", so nothing overwrites the user's TLS Secret.
      const resolved = resolveArgs("db", { existingSecret: "mine", tlsSecret: "db-credentials" });
      assert.deepStrictEqual([resolved.existingSecret, resolved.tlsSecret], ["mine", "db-credentials"]);
      assert.doesNotThrow(() => resolveArgs("db", { existingSecret: "db-tls", tlsSecret: "corp-tls" }));
    });

    it("takes the client selectors as label maps", function () {
      const resolved = resolveArgs("db", {
        clientPodSelector: { app: "shop", tier: "web" },
        clientNamespaceSelector: { "kubernetes.io/metadata.name": "shop" },
      });
      assert.deepStrictEqual(resolved.clientPodSelector, { app: "shop", tier: "web" });
      assert.deepStrictEqual(resolved.clientNamespaceSelector, { "kubernetes.io/metadata.name": "shop" });
    });

    it("exposes the same defaults it applies", function () {
      const resolved = resolveArgs("db");
      for (const [key, value] of Object.entries(DEFAULTS))
        assert.strictEqual(resolved[key as keyof typeof resolved], value, key);
    });

    it("accepts semiSync false with failover false, and the failoverLeaseSeconds boundaries 5 and 120", function () {
      const off = resolveArgs("db", { semiSync: false, failover: false });
      assert.deepStrictEqual([off.semiSync, off.failover], [false, false]);
      assert.strictEqual(resolveArgs("db").failover, true);
      assert.strictEqual(resolveArgs("db").failoverLeaseSeconds, 10);
      assert.strictEqual(resolveArgs("db", { failoverLeaseSeconds: 5 }).failoverLeaseSeconds, 5);
      assert.strictEqual(resolveArgs("db", { failoverLeaseSeconds: 120 }).failoverLeaseSeconds, 120);
    });

    it("accepts the boundaries: 1 replica, 1Mi of storage, 256Mi of memory", function () {
      assert.doesNotThrow(() =>
        resolveArgs("db", {
          replicas: 1,
          storageSize: "1Mi",
          memoryRequest: "256Mi",
          memoryLimit: "256Mi",
          maxReadLagSeconds: 1,
          backupParallelism: 1,
        }),
      );
    });
  });

  describe("invalid settings, one at a time", function () {
    it("covers at least 30 invalid configurations, including every security and production setting", function () {
      assert.ok(INVALID.length >= 30, `${INVALID.length} cases`);
      for (const setting of [
        "primaryOrdinal",
        "requireTls",
        "networkPolicy",
        "clientPodSelector",
        "clientNamespaceSelector",
        "tlsSecret",
        "passwordRotation",
        "spreadAcrossZones",
        "hardSpread",
        "priorityClassName",
        "tolerations",
        "semiSync",
        "semiSyncTimeoutMs",
        "failover",
        "failoverLeaseSeconds",
        "metrics",
        "exporterImage",
        "serviceMonitor",
        "existingSecret",
      ]) {
        assert.ok(
          INVALID.some(([s]) => s === setting),
          setting,
        );
      }
    });

    for (const [setting, args, name, accepted] of INVALID) {
      it(`rejects ${describeCase(setting, args, name)}, naming "${setting}" and what it accepts`, function () {
        const error = errorFor(name, args);
        assert.strictEqual(error.name, "MySqlClusterConfigError");
        assert.strictEqual(
          error.problems.length,
          1,
          `expected exactly one problem, got: ${error.problems.join(" | ")}`,
        );
        const [problem] = error.problems;
        assert.ok(problem.startsWith(`setting "${setting}": got `), problem);
        assert.match(problem, /; expected /);
        assert.match(problem, accepted);
        assert.ok(error.message.includes(problem), "the message lists the problem");
      });
    }

    for (const [description, tolerations] of TOLERATIONS_THE_API_REFUSES) {
      it(`rejects tolerations with ${description}, naming "tolerations" (the API server would refuse the StatefulSet)`, function () {
        const error = errorFor("db", { tolerations: JSON.parse(tolerations) });
        assert.deepStrictEqual(
          error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]),
          ["tolerations"],
        );
        assert.match(error.problems[0], /^setting "tolerations": got \[.*\]; expected a JSON array of tolerations/);
      });

      it(`rejects tolerations with ${description} from the stack, showing the JSON as written`, function () {
        const { name, args } = argsFromConfig((key) => (key === "tolerations" ? tolerations : undefined));
        const error = errorFor(name, args);
        assert.deepStrictEqual(
          error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]),
          ["tolerations"],
        );
        assert.ok(
          error.problems[0].startsWith(`setting "tolerations": got ${JSON.stringify(tolerations)}; expected `),
          error.problems[0],
        );
      });
    }

    it("shows the rejected value in the message", function () {
      assert.match(errorFor("db", { storageSize: "10GB" }).message, /got "10GB"/);
      assert.match(errorFor("db", { replicas: 100 }).message, /got 100/);
    });
  });

  describe("primaryOrdinal", function () {
    it("accepts every ordinal from 0 to replicas-1", function () {
      for (const replicas of [1, 3, 99]) {
        for (const primaryOrdinal of [0, Math.floor((replicas - 1) / 2), replicas - 1]) {
          assert.strictEqual(
            resolveArgs("db", { replicas, primaryOrdinal }).primaryOrdinal,
            primaryOrdinal,
            `${primaryOrdinal} of ${replicas}`,
          );
        }
      }
    });

    it("says how to scale down past the primary when replicas would drop to or below it", function () {
      const error = errorFor("db", { replicas: 2, primaryOrdinal: 2 });
      assert.deepStrictEqual(
        error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]),
        ["primaryOrdinal"],
      );
      assert.match(
        error.problems[0],
        /^setting "primaryOrdinal": got 2; expected .*switch it to a lower ordinal first/,
      );
    });

    it("blames only replicas, not the default primaryOrdinal, when replicas itself is invalid", function () {
      for (const replicas of [0, -1, 2.5, 100, "abc" as never]) {
        const error = errorFor("db", { replicas });
        assert.deepStrictEqual(
          error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]),
          ["replicas"],
          error.message,
        );
      }
    });
  });

  describe("several invalid settings at once", function () {
    it("lists every bad setting in one error", function () {
      const error = errorFor("My_DB", {
        replicas: 0,
        storageSize: "abc",
        flavor: "postgres" as never,
        appUser: "root",
        clusterDomain: "bad domain",
        requireTls: "yes" as never,
        networkPolicy: 1 as never,
        clientPodSelector: { app: "a b" },
        clientNamespaceSelector: { "": "x" },
        tlsSecret: "Bad_Secret",
        passwordRotation: -1,
        semiSyncTimeoutMs: 50,
        metrics: "yes" as never,
        exporterImage: "a b",
        priorityClassName: "Bad_Name",
        tolerations: [{}],
        hardSpread: "x" as never,
      });
      const settings = error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]);
      for (const setting of [
        "name",
        "replicas",
        "storageSize",
        "flavor",
        "appUser",
        "clusterDomain",
        "requireTls",
        "networkPolicy",
        "clientPodSelector",
        "clientNamespaceSelector",
        "tlsSecret",
        "passwordRotation",
        "semiSyncTimeoutMs",
        "metrics",
        "exporterImage",
        "priorityClassName",
        "tolerations",
        "hardSpread",
      ]) {
        assert.ok(settings.includes(setting), `${setting} not reported: ${error.message}`);
        assert.ok(error.message.includes(`setting "${setting}"`), `${setting} missing from the message`);
      }
      assert.match(error.message, /^Invalid MySqlCluster settings:\n {2}- /);
      assert.strictEqual(error.message.split("\n  - ").length - 1, error.problems.length);
    });
  });
});

describe("new MySqlCluster with invalid settings (Pulumi mocks)", function () {
  let mocks: MockRecorder;
  let MySqlCluster: typeof import("../../../components/mysql-cluster").MySqlCluster;

  before(async function () {
    mocks = await installMocks();
    ({ MySqlCluster } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster"));
  });

  for (const [setting, args, name] of INVALID) {
    it(`throws for ${describeCase(setting, args, name)} before registering any Kubernetes object, password or guard`, async function () {
      mocks.reset();
      assert.throws(
        () => new MySqlCluster(name, args),
        (e: unknown) => e instanceof MySqlClusterConfigError && e.message.includes(`setting "${setting}"`),
      );
      await settle();
      const children = mocks.resources.filter((r) => r.type !== "mysql-cluster:index:MySqlCluster");
      assert.deepStrictEqual(
        children.map((r) => `${r.type}/${r.name}`),
        [],
      );
    });
  }

  describe("RESERVED_USERS", function () {
    it("holds every user the scripts and config files log in as or create, so appUser cannot take one", function () {
      const dir = path.join(__dirname, "../../../components/mysql-cluster");
      const files = [
        ...fs.readdirSync(path.join(dir, "scripts")).map((f) => path.join(dir, "scripts", f)),
        ...fs
          .readdirSync(dir)
          .filter((f) => f.endsWith(".ts"))
          .map((f) => path.join(dir, f)),
        ...fs.readdirSync(path.join(dir, "builders")).map((f) => path.join(dir, "builders", f)),
      ];
      const patterns = [
        /--user[= ]["']?([A-Za-z_][A-Za-z0-9_.]*)/g,
        /\buser\s*=\s*['"]?([A-Za-z_][A-Za-z0-9_.]*)/g,
        /'([A-Za-z_][A-Za-z0-9_.]*)'@'/g,
        /(?:MASTER|SOURCE)_USER\s*=\s*'([A-Za-z_][A-Za-z0-9_.]*)'/g,
        /\s-u\s*([A-Za-z_][A-Za-z0-9_.]*)/g,
      ];
      const used = new Set<string>();
      for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        for (const pattern of patterns) for (const m of text.matchAll(pattern)) used.add(m[1].toLowerCase());
      }
      assert.ok(used.has("probe") && used.has("exporter") && used.has("root"), [...used].join(", "));
      assert.deepStrictEqual([...used].filter((u) => !RESERVED_USERS.includes(u)).sort(), []);
    });
  });
});
