// settingChangeProblems and creationProblems: what the settings guard
// refuses at preview, and what it lets through (first deploy, unchanged
// settings, storage growth, a switchover).

import * as assert from "assert";
import {
  creationProblems,
  GuardedSettings,
  settingChangeProblems,
} from "../../../components/mysql-cluster/guarded-settings";

const deployed: GuardedSettings = {
  flavor: "mariadb",
  storageClass: "",
  storageAccessMode: "ReadWriteOnce",
  storageSize: "10Gi",
  existingSecret: "",
  tlsSecret: "",
  namespace: "databases",
  primaryOrdinal: 0,
  replicas: 3,
};

describe("settingChangeProblems", function () {
  it("allows the first deploy (no previous settings)", function () {
    assert.deepStrictEqual(settingChangeProblems({}, deployed), []);
    assert.deepStrictEqual(
      settingChangeProblems({}, { ...deployed, storageClass: "fast", existingSecret: "s", tlsSecret: "t" }),
      [],
    );
  });

  it("allows a deploy with unchanged settings", function () {
    assert.deepStrictEqual(settingChangeProblems({ ...deployed }, deployed), []);
  });

  const refused: [keyof GuardedSettings, string, RegExp][] = [
    ["flavor", "mysql", /logical dump into a new cluster/],
    ["storageClass", "fast-ssd", /new cluster on the new class/],
    ["storageAccessMode", "ReadWriteOncePod", /create a new cluster/],
    ["existingSecret", "my-passwords", /change the passwords in the Secret instead/],
    ["tlsSecret", "corp-db-tls", /clients and replicas trust the current CA/],
    ["namespace", "other", /new cluster in the new namespace/],
  ];
  for (const [key, to, advice] of refused) {
    it(`refuses a change of ${key}, naming it and saying what to do instead`, function () {
      const problems = settingChangeProblems(deployed, { ...deployed, [key]: to });
      assert.strictEqual(problems.length, 1, problems.join("\n"));
      const [problem] = problems;
      assert.ok(problem.startsWith(`setting "${key}" cannot change on a running cluster`), problem);
      assert.ok(problem.includes(`from ${JSON.stringify(deployed[key])} to ${JSON.stringify(to)}`), problem);
      assert.match(problem, advice);
      assert.ok(problem.includes(`Set it back to ${JSON.stringify(deployed[key])}`), problem);
    });
  }

  it("refuses unsetting an existingSecret that was set", function () {
    const problems = settingChangeProblems({ ...deployed, existingSecret: "my-passwords" }, deployed);
    assert.strictEqual(problems.length, 1);
    assert.match(problems[0], /^setting "existingSecret"/);
  });

  it("refuses unsetting a tlsSecret that was set (going back to a generated CA)", function () {
    const problems = settingChangeProblems({ ...deployed, tlsSecret: "corp-db-tls" }, deployed);
    assert.strictEqual(problems.length, 1);
    assert.ok(
      problems[0].startsWith('setting "tlsSecret" cannot change on a running cluster (from "corp-db-tls" to "")'),
      problems[0],
    );
  });

  it("allows a state written before tlsSecret existed (no previous tlsSecret)", function () {
    const { tlsSecret: _tlsSecret, ...older } = deployed;
    assert.deepStrictEqual(settingChangeProblems(older, deployed), []);
  });

  it("lists every refused change at once", function () {
    const problems = settingChangeProblems(deployed, {
      ...deployed,
      flavor: "mysql",
      tlsSecret: "corp-db-tls",
      namespace: "other",
      storageSize: "5Gi",
    });
    assert.deepStrictEqual(
      problems.map((p) => /^setting "(\w+)"/.exec(p)?.[1]),
      ["flavor", "tlsSecret", "namespace", "storageSize"],
    );
  });

  it("allows storage to grow", function () {
    assert.deepStrictEqual(settingChangeProblems(deployed, { ...deployed, storageSize: "20Gi" }), []);
    assert.deepStrictEqual(settingChangeProblems(deployed, { ...deployed, storageSize: "1Ti" }), []);
  });

  it("treats the same size in other units as no change", function () {
    assert.deepStrictEqual(settingChangeProblems(deployed, { ...deployed, storageSize: "10240Mi" }), []);
  });

  it("allows primaryOrdinal to change on a running cluster (a planned switchover), and back", function () {
    assert.deepStrictEqual(settingChangeProblems(deployed, { ...deployed, primaryOrdinal: 2 }), []);
    assert.deepStrictEqual(settingChangeProblems({ ...deployed, primaryOrdinal: 2 }, deployed), []);
  });

  it("refuses a switchover that scales the old primary away in the same update, saying to switch first", function () {
    const problems = settingChangeProblems(
      { ...deployed, primaryOrdinal: 2 },
      { ...deployed, primaryOrdinal: 0, replicas: 2 },
    );
    assert.strictEqual(problems.length, 1);
    assert.match(problems[0], /"primaryOrdinal" and "replicas"/);
    assert.match(problems[0], /with the new primaryOrdinal first, then lower replicas/);
  });

  it("allows a switchover that keeps the old primary's pod, and scaling down once the primary has moved", function () {
    assert.deepStrictEqual(
      settingChangeProblems({ ...deployed, primaryOrdinal: 2 }, { ...deployed, primaryOrdinal: 0, replicas: 3 }),
      [],
    );
    assert.deepStrictEqual(
      settingChangeProblems(
        { ...deployed, primaryOrdinal: 0, replicas: 3 },
        { ...deployed, primaryOrdinal: 0, replicas: 1 },
      ),
      [],
    );
  });

  it("allows a state written before primaryOrdinal existed (no previous primaryOrdinal)", function () {
    const { primaryOrdinal: _primaryOrdinal, ...older } = deployed;
    assert.deepStrictEqual(settingChangeProblems(older, { ...deployed, primaryOrdinal: 1 }), []);
  });

  it("refuses storage shrinking, naming storageSize and the smallest size allowed", function () {
    const problems = settingChangeProblems(deployed, { ...deployed, storageSize: "5Gi" });
    assert.strictEqual(problems.length, 1);
    assert.ok(problems[0].startsWith('setting "storageSize" can only grow (from "10Gi" to "5Gi")'), problems[0]);
    assert.match(problems[0], /Set it to "10Gi" or more/);
  });

  it("refuses a shrink hidden by a unit change", function () {
    assert.strictEqual(settingChangeProblems(deployed, { ...deployed, storageSize: "10000M" }).length, 1);
  });
});

describe("creationProblems", function () {
  it("accepts a new cluster whose primary is ordinal 0", function () {
    assert.deepStrictEqual(creationProblems(deployed), []);
    assert.deepStrictEqual(
      creationProblems({ ...deployed, flavor: "mysql", storageClass: "fast", existingSecret: "s", tlsSecret: "t" }),
      [],
    );
  });

  for (const primaryOrdinal of [1, 2, 98]) {
    it(`refuses a new cluster whose primary is ordinal ${primaryOrdinal}, naming primaryOrdinal, the value and what to do instead`, function () {
      const problems = creationProblems({ ...deployed, primaryOrdinal });
      assert.strictEqual(problems.length, 1, problems.join("\n"));
      const [problem] = problems;
      assert.ok(
        problem.startsWith(`setting "primaryOrdinal" must be 0 when the cluster is created (got ${primaryOrdinal})`),
        problem,
      );
      assert.match(problem, /Create the cluster with 0, then change primaryOrdinal for a switchover/);
    });
  }
});

describe("the settings guard's diff (guardProvider.diff)", function () {
  const { guardProvider } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../../components/mysql-cluster/settings-guard") as typeof import("../../../components/mysql-cluster/settings-guard");
  const withCode = (settings: GuardedSettings, code: string) =>
    ({ ...settings, __provider: code }) as unknown as GuardedSettings;

  it("reports no change when only __provider (the dynamic provider's serialized code) differs, so a code change shows no update", async function () {
    const result = await guardProvider.diff!(
      "immutable-settings",
      withCode(deployed, "exports.handler = 1"),
      withCode(deployed, "exports.handler = 2"),
    );
    assert.strictEqual(result.changes, false);
  });

  it("reports a change of a setting it guards", async function () {
    const result = await guardProvider.diff!(
      "immutable-settings",
      withCode(deployed, "a"),
      withCode({ ...deployed, replicas: 4 }, "a"),
    );
    assert.strictEqual(result.changes, true);
  });

  it("throws, naming the setting, for a change it refuses", async function () {
    await assert.rejects(
      guardProvider.diff!("immutable-settings", deployed, { ...deployed, flavor: "mysql" }),
      /setting "flavor" cannot change on a running cluster/,
    );
  });
});
