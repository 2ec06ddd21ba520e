// resolveArgs: the defaults, and one clear MySqlClusterConfigError for bad
// input that names each bad setting and says what it accepts.

import * as assert from "assert";
import { DEFAULTS, MySqlClusterArgs, MySqlClusterConfigError, parseLabelSelector, resolveArgs } from "../../../components/mysql-cluster/args";
import { installMocks, MockRecorder, settle } from "../pulumi-mocks";

function errorFor(name: string, args: MySqlClusterArgs): MySqlClusterConfigError {
  try {
    resolveArgs(name, args);
  } catch (error) {
    assert.ok(error instanceof MySqlClusterConfigError, `expected a MySqlClusterConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`resolveArgs(${JSON.stringify(name)}, ${JSON.stringify(args)}) accepted invalid settings`);
}

// [setting, args, name, words the message must contain to say what is accepted]
const INVALID: [string, MySqlClusterArgs, string, RegExp][] = [
  ["replicas", { replicas: 0 }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: -1 }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: 2.5 }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: "abc" as never }, "db", /whole number from 1 to 99/],
  ["replicas", { replicas: 100 }, "db", /whole number from 1 to 99/],
  ["storageSize", { storageSize: "10GB" }, "db", /Kubernetes quantity/],
  ["storageSize", { storageSize: "abc" }, "db", /Kubernetes quantity/],
  ["storageSize", { storageSize: "0" }, "db", /at least 1Mi/],
  ["name", {}, "My_DB", /DNS label of at most 52 characters/],
  ["name", {}, "a".repeat(53), /at most 52 characters/],
  ["name", {}, "1abc", /starting with a letter/],
  ["namespace", { namespace: "Bad_NS" }, "db", /DNS label/],
  ["flavor", { flavor: "postgres" as never }, "db", /"mysql", "mariadb"/],
  ["appUser", { appUser: "shop" }, "db", /appDatabase to be set/],
  ["appUser", { appUser: "root", appDatabase: "shop" }, "db", /other than the cluster's own users/],
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
  ["image", { image: "has space" }, "db", /image reference without spaces/],
  ["clusterDomain", { clusterDomain: "bad domain" }, "db", /DNS domain/],
  ["requireTls", { requireTls: "yes" as never }, "db", /true or false/],
  ["requireTls", { requireTls: "false" as never }, "db", /true or false/],
  ["networkPolicy", { networkPolicy: 1 as never }, "db", /true or false/],
  ["networkPolicy", { networkPolicy: "off" as never }, "db", /true or false/],
  ["clientPodSelector", { clientPodSelector: "app" }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: "a=b=c" }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: "=x" }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: "app=shop," }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: "app=has space" }, "db", /"key=value" pairs separated by commas/],
  ["clientPodSelector", { clientPodSelector: "" }, "db", /"key=value" pairs separated by commas/],
  ["clientNamespaceSelector", { clientNamespaceSelector: "bad key!=v" }, "db", /"key=value" pairs separated by commas/],
  ["clientNamespaceSelector", { clientNamespaceSelector: `team=${"v".repeat(64)}` }, "db", /"key=value" pairs separated by commas/],
  ["tlsSecret", { tlsSecret: "Bad_Secret" }, "db", /Secret with tls.crt, tls.key and ca.crt/],
  ["passwordRotation", { passwordRotation: -1 }, "db", /whole number from 0 up/],
  ["passwordRotation", { passwordRotation: 1.5 }, "db", /whole number from 0 up/],
  ["passwordRotation", { passwordRotation: "1" as never }, "db", /whole number from 0 up/],
];

function describeCase(setting: string, args: MySqlClusterArgs, name: string): string {
  return setting === "name" ? `name ${JSON.stringify(name.length > 20 ? `<${name.length} characters>` : name)}` : JSON.stringify(args);
}

describe("resolveArgs", function () {
  describe("defaults", function () {
    it("applies every default for a bare name", function () {
      assert.deepStrictEqual(resolveArgs("mysql"), {
        name: "mysql",
        namespace: "default",
        replicas: 3,
        flavor: "mysql",
        image: "mysql:8.4",
        backupImage: "percona/percona-xtrabackup:8.4",
        storageSize: "10Gi",
        storageClass: undefined,
        storageAccessMode: "ReadWriteOnce",
        cpuRequest: "500m",
        cpuLimit: undefined,
        memoryRequest: "1Gi",
        memoryLimit: "1Gi",
        appDatabase: undefined,
        appUser: undefined,
        existingSecret: undefined,
        clusterDomain: "cluster.local",
        maxReadLagSeconds: 10,
        backupParallelism: 4,
        requireTls: true,
        tlsSecret: undefined,
        networkPolicy: true,
        clientPodSelector: undefined,
        clientNamespaceSelector: undefined,
        passwordRotation: 0,
      });
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
        passwordRotation: 12,
      };
      assert.deepStrictEqual(resolveArgs("a".repeat(52), args), { name: "a".repeat(52), ...args, clientPodSelector: undefined, clientNamespaceSelector: undefined });
    });

    it("parses the client selectors into label maps", function () {
      const resolved = resolveArgs("db", { clientPodSelector: "app=shop, tier=web", clientNamespaceSelector: "kubernetes.io/metadata.name=shop" });
      assert.deepStrictEqual(resolved.clientPodSelector, { app: "shop", tier: "web" });
      assert.deepStrictEqual(resolved.clientNamespaceSelector, { "kubernetes.io/metadata.name": "shop" });
    });

    it("exposes the same defaults it applies", function () {
      const resolved = resolveArgs("db");
      for (const [key, value] of Object.entries(DEFAULTS)) assert.strictEqual(resolved[key as keyof typeof resolved], value, key);
    });

    it("accepts the boundaries: 1 replica, 1Mi of storage, 256Mi of memory", function () {
      assert.doesNotThrow(() => resolveArgs("db", { replicas: 1, storageSize: "1Mi", memoryRequest: "256Mi", memoryLimit: "256Mi", maxReadLagSeconds: 1, backupParallelism: 1 }));
    });
  });

  describe("parseLabelSelector", function () {
    const valid: [string, Record<string, string>][] = [
      ["app=shop", { app: "shop" }],
      ["app=shop,tier=web", { app: "shop", tier: "web" }],
      ["app=shop, tier=web", { app: "shop", tier: "web" }],
      ["example.com/team=payments", { "example.com/team": "payments" }],
      ["app=", { app: "" }],
      ["a.b_c-d=V.1_x-Y", { "a.b_c-d": "V.1_x-Y" }],
    ];
    for (const [text, labels] of valid) {
      it(`reads ${JSON.stringify(text)} as ${JSON.stringify(labels)}`, function () {
        assert.deepStrictEqual(parseLabelSelector(text), labels);
      });
    }

    for (const text of ["", "app", "a=b=c", "=x", "app=shop,", ",app=shop", "bad key!=v", "app=has space", "-app=x", "app=-x", `${"k".repeat(64)}=v`, `k=${"v".repeat(64)}`, "Bad_Prefix.com/app=x"]) {
      it(`rejects ${JSON.stringify(text.length > 30 ? `${text.slice(0, 12)}...` : text)}`, function () {
        assert.strictEqual(parseLabelSelector(text), undefined);
      });
    }
  });

  describe("invalid settings, one at a time", function () {
    it("covers at least 30 invalid configurations, including every new security setting", function () {
      assert.ok(INVALID.length >= 30, `${INVALID.length} cases`);
      for (const setting of ["requireTls", "networkPolicy", "clientPodSelector", "clientNamespaceSelector", "tlsSecret", "passwordRotation"]) {
        assert.ok(INVALID.some(([s]) => s === setting), setting);
      }
    });


    for (const [setting, args, name, accepted] of INVALID) {
      it(`rejects ${describeCase(setting, args, name)}, naming "${setting}" and what it accepts`, function () {
        const error = errorFor(name, args);
        assert.strictEqual(error.name, "MySqlClusterConfigError");
        assert.strictEqual(error.problems.length, 1, `expected exactly one problem, got: ${error.problems.join(" | ")}`);
        const [problem] = error.problems;
        assert.ok(problem.startsWith(`setting "${setting}": got `), problem);
        assert.match(problem, /; expected /);
        assert.match(problem, accepted);
        assert.ok(error.message.includes(problem), "the message lists the problem");
      });
    }

    it("shows the rejected value in the message", function () {
      assert.match(errorFor("db", { storageSize: "10GB" }).message, /got "10GB"/);
      assert.match(errorFor("db", { replicas: 100 }).message, /got 100/);
    });
  });

  describe("several invalid settings at once", function () {
    it("lists every bad setting in one error", function () {
      const error = errorFor("My_DB", {
        replicas: 0, storageSize: "abc", flavor: "postgres" as never, appUser: "root", clusterDomain: "bad domain",
        requireTls: "yes" as never, networkPolicy: 1 as never, clientPodSelector: "app", clientNamespaceSelector: "=x", tlsSecret: "Bad_Secret", passwordRotation: -1,
      });
      const settings = error.problems.map((p) => /^setting "([^"]+)"/.exec(p)?.[1]);
      for (const setting of ["name", "replicas", "storageSize", "flavor", "appUser", "clusterDomain", "requireTls", "networkPolicy", "clientPodSelector", "clientNamespaceSelector", "tlsSecret", "passwordRotation"]) {
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
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ MySqlCluster } = require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster"));
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
      assert.deepStrictEqual(children.map((r) => `${r.type}/${r.name}`), []);
    });
  }
});
