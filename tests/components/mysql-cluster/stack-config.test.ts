// argsFromConfig: the stack's text values parsed into the Args the component
// takes (numbers, booleans, "k=v,..." label maps, JSON tolerations; what does
// not parse is passed on as written for validation to name), unknown keys
// refused, and STACK_SETTINGS kept in step with Pulumi.yaml (the settings the
// CLI accepts), Pulumi.dev.yaml (the example stack) and the README's table.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { resolveArgs, MySqlClusterConfigError } from "../../../components/mysql-cluster/args";
import {
  argsFromConfig,
  closestSetting,
  configKeyProblems,
  parseLabelSelector,
  parseTolerations,
  PROJECT,
  PROVIDER_NAMESPACES,
  STACK_SETTINGS,
} from "../../../components/mysql-cluster/stack-config";
import { SECRET_KEYS } from "../../../components/mysql-cluster/names";
import { readStackConfig } from "../../../tools/stack-file";
import { ROOT } from "../../support/paths";
import { stackArgs } from "../../support/stack";

function fromMap(values: Record<string, string>) {
  return argsFromConfig((key) => values[key]);
}

describe("argsFromConfig", function () {
  it('uses the name "mysql" and no args when nothing is set', function () {
    assert.deepStrictEqual(fromMap({}), { name: "mysql", args: {} });
  });

  it("takes the cluster name from clusterName and passes the other strings through", function () {
    const { name, args } = fromMap({
      clusterName: "orders",
      flavor: "mariadb",
      storageSize: "20Gi",
      namespace: "db",
      appDatabase: "shop",
      appUser: "shop",
      existingSecret: "s",
    });
    assert.strictEqual(name, "orders");
    assert.deepStrictEqual(args, {
      flavor: "mariadb",
      storageSize: "20Gi",
      namespace: "db",
      appDatabase: "shop",
      appUser: "shop",
      existingSecret: "s",
    });
    assert.ok(!("clusterName" in args));
  });

  it("parses the integer settings into numbers", function () {
    const { args } = fromMap({ replicas: "5", maxReadLagSeconds: "30", backupParallelism: "8", passwordRotation: "2" });
    assert.strictEqual(args.replicas, 5);
    assert.strictEqual(args.maxReadLagSeconds, 30);
    assert.strictEqual(args.backupParallelism, 8);
    assert.strictEqual(args.passwordRotation, 2);
  });

  it("parses primaryOrdinal into a number, and validation reports one that names no pod by name", function () {
    assert.deepStrictEqual(fromMap({ replicas: "3", primaryOrdinal: "2" }).args, { replicas: 3, primaryOrdinal: 2 });
    const { name, args } = fromMap({ replicas: "3", primaryOrdinal: "3" });
    assert.throws(
      () => resolveArgs(name, args),
      (e: unknown) =>
        e instanceof MySqlClusterConfigError &&
        e.problems.length === 1 &&
        e.problems[0].startsWith('setting "primaryOrdinal": got 3; expected '),
    );
    assert.strictEqual(STACK_SETTINGS.find((s) => s.key === "primaryOrdinal")?.type, "integer");
  });

  it('parses "true" and "false" into booleans for the boolean settings', function () {
    assert.deepStrictEqual(fromMap({ requireTls: "false", networkPolicy: "false" }).args, {
      requireTls: false,
      networkPolicy: false,
    });
    assert.deepStrictEqual(fromMap({ requireTls: "true", networkPolicy: " true " }).args, {
      requireTls: true,
      networkPolicy: true,
    });
  });

  for (const [key, raw] of [
    ["requireTls", "yes"],
    ["networkPolicy", "1"],
    ["requireTls", "TRUE"],
    ["networkPolicy", "off"],
  ]) {
    it(`hands ${key}=${JSON.stringify(raw)} to validation as it is, which reports it by name`, function () {
      const { name, args } = fromMap({ [key]: raw });
      assert.strictEqual((args as Record<string, unknown>)[key], raw);
      assert.throws(
        () => resolveArgs(name, args),
        (e: unknown) =>
          e instanceof MySqlClusterConfigError &&
          e.message.includes(`setting "${key}": got ${JSON.stringify(raw)}; expected true or false`),
      );
    });
  }

  it("parses the selectors into the label maps the component takes, and passes tlsSecret through", function () {
    const { name, args } = fromMap({
      clientPodSelector: "app=shop, tier=web",
      clientNamespaceSelector: "team=web",
      tlsSecret: "corp-tls",
    });
    assert.deepStrictEqual(args, {
      clientPodSelector: { app: "shop", tier: "web" },
      clientNamespaceSelector: { team: "web" },
      tlsSecret: "corp-tls",
    });
    const resolved = resolveArgs(name, args);
    assert.deepStrictEqual(resolved.clientPodSelector, { app: "shop", tier: "web" });
    assert.deepStrictEqual(resolved.clientNamespaceSelector, { team: "web" });
  });

  it("passes a selector that does not parse on as written, for validation to name", function () {
    for (const raw of ["app", "app=shop,app=web", " app=shop"]) {
      const { name, args } = fromMap({ clientPodSelector: raw });
      assert.strictEqual(args.clientPodSelector as unknown, raw);
      assert.throws(
        () => resolveArgs(name, args),
        (e: unknown) =>
          e instanceof MySqlClusterConfigError &&
          e.problems.length === 1 &&
          e.problems[0].startsWith(
            `setting "clientPodSelector": got ${JSON.stringify(raw)}; expected labels as "key=value" pairs`,
          ),
      );
    }
  });

  it("reports a negative or fractional passwordRotation by name", function () {
    for (const raw of ["-1", "1.5"]) {
      const { name, args } = fromMap({ passwordRotation: raw });
      assert.throws(
        () => resolveArgs(name, args),
        new RegExp(`setting "passwordRotation": got ${raw.replace(".", "\\.")}; expected a whole number from 0 up`),
      );
    }
  });

  it("declares the types the parsing relies on", function () {
    const types = Object.fromEntries(STACK_SETTINGS.map((s) => [s.key, s.type]));
    assert.deepStrictEqual(
      {
        requireTls: types.requireTls,
        networkPolicy: types.networkPolicy,
        passwordRotation: types.passwordRotation,
        tlsSecret: types.tlsSecret,
        clientPodSelector: types.clientPodSelector,
        clientNamespaceSelector: types.clientNamespaceSelector,
      },
      {
        requireTls: "boolean",
        networkPolicy: "boolean",
        passwordRotation: "integer",
        tlsSecret: "string",
        clientPodSelector: "string",
        clientNamespaceSelector: "string",
      },
    );
  });

  it("parses the production settings: booleans, the integer semiSyncTimeoutMs, tolerations from JSON, priorityClassName / exporterImage as strings", function () {
    const tolerations = '[{"key":"dedicated","operator":"Equal","value":"db","effect":"NoSchedule"}]';
    const { name, args } = fromMap({
      spreadAcrossZones: "true",
      hardSpread: "false",
      semiSync: "false",
      failover: "false",
      failoverLeaseSeconds: "30",
      semiSyncTimeoutMs: "2500",
      metrics: "true",
      serviceMonitor: "true",
      priorityClassName: "db-critical",
      tolerations,
      exporterImage: "prom/mysqld-exporter:v0.16.0",
    });
    assert.deepStrictEqual(args, {
      spreadAcrossZones: true,
      hardSpread: false,
      semiSync: false,
      failover: false,
      failoverLeaseSeconds: 30,
      semiSyncTimeoutMs: 2500,
      metrics: true,
      serviceMonitor: true,
      priorityClassName: "db-critical",
      tolerations: JSON.parse(tolerations),
      exporterImage: "prom/mysqld-exporter:v0.16.0",
    });
    assert.deepStrictEqual(resolveArgs(name, args).tolerations, JSON.parse(tolerations));
    assert.strictEqual(fromMap({ tolerations: "not json" }).args.tolerations as unknown, "not json");
    const types = Object.fromEntries(STACK_SETTINGS.map((s) => [s.key, s.type]));
    assert.deepStrictEqual(
      [
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
      ].map((k) => types[k]),
      [
        "boolean",
        "boolean",
        "string",
        "string",
        "boolean",
        "integer",
        "boolean",
        "integer",
        "boolean",
        "string",
        "boolean",
      ],
    );
  });

  for (const [key, raw, accepted] of [
    ["semiSyncTimeoutMs", "abc", /whole number of milliseconds/],
    ["semiSyncTimeoutMs", "50", /whole number of milliseconds/],
    ["failover", "yes", /true or false/],
    ["failoverLeaseSeconds", "4", /whole number of seconds from 5 to 120/],
    ["metrics", "yes", /true or false/],
    ["hardSpread", "x", /true or false/],
  ] as const) {
    it(`reports ${key}=${JSON.stringify(raw)} from stack config by name`, function () {
      const { name, args } = fromMap({ [key]: raw });
      assert.throws(
        () => resolveArgs(name, args),
        (e: unknown) =>
          e instanceof MySqlClusterConfigError &&
          e.problems.length === 1 &&
          e.problems[0].startsWith(`setting "${key}": got `) &&
          accepted.test(e.problems[0]),
      );
    });
  }

  it("reports semiSync=false with failover on (its default) as one problem naming failover, and accepts it with failover=false", function () {
    for (const map of [{ semiSync: "false" }, { semiSync: "false", failover: "true" }] as Record<string, string>[]) {
      const { name, args } = fromMap(map);
      assert.throws(
        () => resolveArgs(name, args),
        (e: unknown) =>
          e instanceof MySqlClusterConfigError &&
          e.problems.length === 1 &&
          e.problems[0].startsWith('setting "failover": got true; expected ') &&
          /semiSync to be true too \(or failover false\)/.test(e.problems[0]),
        JSON.stringify(map),
      );
    }
    const { name, args } = fromMap({ semiSync: "false", failover: "false" });
    assert.deepStrictEqual([resolveArgs(name, args).semiSync, resolveArgs(name, args).failover], [false, false]);
  });

  it("treats an empty string as unset", function () {
    assert.deepStrictEqual(fromMap({ replicas: "", storageClass: "" }).args, {});
  });

  it("hands a non-numeric replicas string to validation, which reports it by name", function () {
    const { name, args } = fromMap({ replicas: "three" });
    assert.strictEqual(args.replicas as unknown, "three");
    assert.throws(
      () => resolveArgs(name, args),
      (e: unknown) =>
        e instanceof MySqlClusterConfigError &&
        /setting "replicas": got "three"; expected a whole number/.test(e.message),
    );
  });

  it("reports a fractional replicas value by name", function () {
    const { name, args } = fromMap({ replicas: "2.5" });
    assert.throws(() => resolveArgs(name, args), /setting "replicas": got 2.5/);
  });

  it("reads only STACK_SETTINGS through `get`; given the stack's keys, it refuses the others", function () {
    assert.deepStrictEqual(fromMap({ unknownSetting: "x" } as Record<string, string>).args, {});
    assert.throws(
      () => argsFromConfig(() => undefined, ["mysql-cluster:unknownSetting"]),
      /setting "unknownSetting": not a setting of this stack/,
    );
  });

  it('parses serviceMonitorLabels from "k=v,..." into the map the component takes, and passes a bad one on for validation to name', function () {
    assert.deepStrictEqual(fromMap({ serviceMonitorLabels: "release=kps,team=db" }).args, {
      serviceMonitorLabels: { release: "kps", team: "db" },
    });
    const { name, args } = fromMap({ serviceMonitor: "true", serviceMonitorLabels: "release" });
    assert.throws(
      () => resolveArgs(name, args),
      /setting "serviceMonitorLabels": got "release"; expected labels as "key=value" pairs/,
    );
  });

  it("lists every problem of a stack in one error: unknown keys first, then bad values, the name called clusterName", function () {
    const values: Record<string, string> = { clusterName: "Bad_Name", replicas: "many" };
    assert.throws(
      () =>
        argsFromConfig(
          (key) => values[key],
          [
            "mysql-cluster:clusterName",
            "mysql-cluster:replicas",
            "mysql-cluster:replica",
            "mysql:storageSize",
            "gcp:project",
          ],
        ),
      (e: unknown) =>
        e instanceof MySqlClusterConfigError &&
        e.problems.length === 4 &&
        e.problems[0].startsWith('setting "replica": not a setting of this stack; did you mean "replicas"?') &&
        e.problems[1].startsWith('setting "mysql:storageSize": its namespace "mysql" is not this project\'s') &&
        e.problems[2].startsWith('setting "clusterName": got "Bad_Name"') &&
        e.problems[3].startsWith('setting "replicas": got "many"'),
    );
  });

  // A real stack carries other programs' keys whenever it imports a Pulumi ESC
  // environment (its pulumiConfig reaches every importing stack), e.g. a shared
  // "aws:region": refusing those would fail `pulumi up` for a stack that did
  // nothing wrong. https://www.pulumi.com/docs/esc/integrations/infrastructure/pulumi-iac/
  it("leaves keys under other programs' namespaces alone", function () {
    const keys = [
      "mysql-cluster:replicas",
      "aws:region",
      "gcp:project",
      "azure-native:location",
      "datadog:apiKey",
      "my-app:image",
      "my-app:namespace",
    ];
    assert.deepStrictEqual(argsFromConfig((key) => (({ replicas: "3" }) as Record<string, string>)[key], keys).args, {
      replicas: 3,
    });
  });

  // pulumi.Config reads "<project>:<key>" with the project's name from
  // Pulumi.yaml; a project renamed there must still accept its own keys, and
  // refuse the ones left under the old name, which Pulumi does not rewrite.
  it("takes the project's name from Pulumi.yaml, as pulumi.getProject() gives it", function () {
    const values: Record<string, string> = { replicas: "5" };
    assert.deepStrictEqual(
      argsFromConfig((key) => values[key], ["my-db:replicas", "my-db:flavor", "kubernetes:context"], "my-db").args,
      { replicas: 5 },
    );
    assert.throws(
      () => argsFromConfig((key) => values[key], ["my-db:replicas", "mysql-cluster:storageSize"], "my-db"),
      /setting "mysql-cluster:storageSize": its namespace "mysql-cluster" is not this project's \("my-db:<setting>"\).*did you mean "my-db:storageSize"\?/,
    );
    assert.throws(
      () => argsFromConfig((key) => values[key], ["my-db:replica"], "my-db"),
      /setting "replica": not a setting of this stack; did you mean "replicas"\?/,
    );
  });

  it("accepts a stack of declared settings and provider keys", function () {
    const values: Record<string, string> = { replicas: "5", flavor: "mariadb" };
    const keys = ["mysql-cluster:replicas", "mysql-cluster:flavor", ...PROVIDER_NAMESPACES.map((n) => `${n}:anything`)];
    assert.deepStrictEqual(argsFromConfig((key) => values[key], keys).args, { replicas: 5, flavor: "mariadb" });
  });
});

describe('parseLabelSelector (the stack\'s "k=v,..." labels)', function () {
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

  for (const text of [
    "",
    "app",
    "a=b=c",
    "=x",
    "app=shop,",
    ",app=shop",
    "bad key!=v",
    "app=has space",
    "-app=x",
    "app=-x",
    `${"k".repeat(64)}=v`,
    `k=${"v".repeat(64)}`,
    "Bad_Prefix.com/app=x",
    " app=shop",
    "app=shop ",
    "app=shop,app=web",
  ]) {
    it(`rejects ${JSON.stringify(text.length > 30 ? `${text.slice(0, 12)}...` : text)}`, function () {
      assert.strictEqual(parseLabelSelector(text), undefined);
    });
  }
});

describe("parseTolerations (the stack's JSON tolerations)", function () {
  const valid: [string, Record<string, unknown>[]][] = [
    ["[]", []],
    [
      '[{"key":"dedicated","operator":"Equal","value":"db","effect":"NoSchedule"}]',
      [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
    ],
    ['[{"key":"dedicated","value":"db"}]', [{ key: "dedicated", value: "db" }]],
    ['[{"operator":"Exists"}]', [{ operator: "Exists" }]],
    [
      '[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":30}]',
      [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }],
    ],
    [
      '[{"key":"a","operator":"Exists","effect":"PreferNoSchedule"},{"key":"b","operator":"Exists"}]',
      [
        { key: "a", operator: "Exists", effect: "PreferNoSchedule" },
        { key: "b", operator: "Exists" },
      ],
    ],
  ];
  for (const [text, tolerations] of valid) {
    it(`reads ${text.length > 60 ? `${text.slice(0, 57)}...` : text} as that array`, function () {
      assert.deepStrictEqual(parseTolerations(text), tolerations);
    });
  }

  for (const text of [
    "",
    "not json",
    "{}",
    "null",
    "1",
    '"[]"',
    "[1]",
    "[null]",
    "[[]]",
    '[{"key":"a","color":"red"}]',
    '[{"key":"a","operator":"In"}]',
    '[{"key":"a","operator":"exists"}]',
    '[{"key":"a","operator":"Exists","effect":"NoRun"}]',
  ]) {
    it(`rejects ${JSON.stringify(text)}`, function () {
      assert.strictEqual(parseTolerations(text), undefined);
    });
  }
});
describe("configKeyProblems and closestSetting", function () {
  it("suggests the setting a near-miss key meant, and nothing for a far one", function () {
    assert.deepStrictEqual(
      [
        "replica",
        "Replicas",
        "AppDatabase",
        "storagesize",
        "tlssecret",
        "clientPodSelektor",
        "backupRetension",
        "colour",
        "x",
      ].map(closestSetting),
      [
        "replicas",
        "replicas",
        "appDatabase",
        "storageSize",
        "tlsSecret",
        "clientPodSelector",
        "backupRetention",
        undefined,
        undefined,
      ],
    );
  });

  it("accepts every declared setting in the project's namespace, and a key without a namespace as the project's", function () {
    assert.deepStrictEqual(configKeyProblems(STACK_SETTINGS.map((s) => `${PROJECT}:${s.key}`)), []);
    assert.deepStrictEqual(configKeyProblems(["replicas"]), []);
  });
});

describe("readStackConfig (npm run render) on a stack file with keys the program does not read", function () {
  let root: string;
  before(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  });
  after(function () {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const stackFile = (text: string) => fs.writeFileSync(path.join(root, "Pulumi.bad.yaml"), text);

  it("refuses a misspelt key with the program's error, as `pulumi preview` would", function () {
    stackFile("config:\n  mysql-cluster:replica: 5\n  mysql-cluster:storageSize: 20Gi\n");
    assert.throws(
      () => readStackConfig(root, "bad"),
      /setting "replica": not a setting of this stack; did you mean "replicas"\?/,
    );
  });

  it("refuses a key under another namespace, and a bad value, in one error", function () {
    stackFile('config:\n  mysql:replicas: 5\n  mysql-cluster:storageSize: "10Gi "\n');
    assert.throws(
      () => readStackConfig(root, "bad"),
      (e: unknown) =>
        e instanceof MySqlClusterConfigError &&
        e.problems.length === 2 &&
        /setting "mysql:replicas"/.test(e.problems[0]) &&
        /setting "storageSize": got "10Gi "/.test(e.problems[1]),
    );
  });

  it("reads a stack with provider keys and structured values as the CLI passes them", function () {
    stackFile(
      "config:\n  kubernetes:context: prod\n  mysql-cluster:replicas: 5\n  mysql-cluster:serviceMonitor: true\n  mysql-cluster:serviceMonitorLabels: release=kps\n",
    );
    const values = readStackConfig(root, "bad");
    assert.deepStrictEqual(
      [values.replicas, values.serviceMonitorLabels, values["kubernetes:context"]],
      ["5", "release=kps", undefined],
    );
  });
});

// What Pulumi.yaml declares is checked against the schema in tests/tools (pulumi-yaml, settings-files).
describe("Pulumi.yaml", function () {
  it("has defaults that resolve without error", function () {
    const { name, args } = stackArgs("no-such-stack");
    assert.doesNotThrow(() => resolveArgs(name, args));
  });
});

describe("Pulumi.dev.yaml", function () {
  const stack = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));

  it("sets only settings the project declares", function () {
    for (const key of Object.keys(stack.config)) {
      const [namespace, setting] = key.split(":");
      assert.strictEqual(namespace, "mysql-cluster", key);
      assert.ok(
        STACK_SETTINGS.some((s) => s.key === setting),
        `${key} is not a declared setting`,
      );
    }
  });

  it("resolves without error to 3 replicas", function () {
    const { name, args } = stackArgs("dev");
    const resolved = resolveArgs(name, args);
    assert.strictEqual(resolved.replicas, 3);
    assert.strictEqual(resolved.flavor, "mariadb");
    assert.strictEqual(resolved.namespace, "default");
    assert.strictEqual(resolved.appDatabase, "shop");
    assert.strictEqual(resolved.appUser, "shop");
  });

  it("admits the example app's pods (app.kubernetes.io/name=shop) through the NetworkPolicy, with TLS required", function () {
    const { name, args } = stackArgs("dev");
    const resolved = resolveArgs(name, args);
    assert.deepStrictEqual(resolved.clientPodSelector, { "app.kubernetes.io/name": "shop" });
    assert.strictEqual(resolved.networkPolicy, true);
    assert.strictEqual(resolved.requireTls, true);
  });
});

describe("README.md on existingSecret", function () {
  it("names every key an existingSecret must hold, exporter-password (metrics, on by default) included", function () {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const paragraph = /^An `existingSecret` must hold[\s\S]*?(?=\n\n)/m.exec(readme);
    assert.ok(paragraph, "README.md does not say what an existingSecret must hold");
    const named = [...paragraph[0].matchAll(/`([a-z]+-password)`/g)].map((m) => m[1]).sort();
    assert.deepStrictEqual(named, Object.values(SECRET_KEYS).sort());
  });
});
