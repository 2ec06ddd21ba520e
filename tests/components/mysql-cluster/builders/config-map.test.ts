// buildTopologyConfigMap and buildConfigMap: the primary's ordinal lives in a
// ConfigMap of its own with a fixed name, so a switchover changes neither the
// scripts ConfigMap (whose name is a hash of its content) nor the pod template.

import * as assert from "assert";
import { MySqlClusterArgs, resolveArgs } from "../../../../components/mysql-cluster/args";
import { buildConfigMap, buildTopologyConfigMap } from "../../../../components/mysql-cluster/builders/config-map";
import { clusterNames } from "../../../../components/mysql-cluster/names";

function build(name: string, args: MySqlClusterArgs = {}) {
  const resolved = resolveArgs(name, args);
  const names = clusterNames(resolved);
  return { topology: buildTopologyConfigMap(resolved, names), scripts: buildConfigMap(resolved, names), names };
}

describe("buildTopologyConfigMap", function () {
  it("is the ConfigMap <name>-topology in the cluster's namespace with the cluster's labels", function () {
    const { topology, names } = build("db", { namespace: "data" });
    assert.deepStrictEqual(topology.metadata, { name: "db-topology", namespace: "data", labels: names.labels });
    assert.strictEqual(names.topologyConfigMap, "db-topology");
  });

  it('holds exactly one key, primary-ordinal: "0" by default', function () {
    assert.deepStrictEqual(build("db").topology.data, { "primary-ordinal": "0" });
  });

  it("holds primaryOrdinal as a decimal string", function () {
    for (const primaryOrdinal of [1, 2, 98]) {
      assert.deepStrictEqual(build("db", { replicas: 99, primaryOrdinal }).topology.data, {
        "primary-ordinal": String(primaryOrdinal),
      });
    }
  });

  it("keeps its fixed name when primaryOrdinal changes (no content hash)", function () {
    assert.strictEqual(build("db", { primaryOrdinal: 2 }).topology.metadata.name, build("db").topology.metadata.name);
  });
});

describe("buildConfigMap", function () {
  it("keeps its content and so its hashed name when only primaryOrdinal changes", function () {
    const before = build("db", { replicas: 3, primaryOrdinal: 0 }).scripts;
    const after = build("db", { replicas: 3, primaryOrdinal: 2 }).scripts;
    assert.match(before.metadata.name, /^db-config-[0-9a-f]{10}$/);
    assert.strictEqual(after.metadata.name, before.metadata.name);
    assert.deepStrictEqual(after.data, before.data);
  });

  it("holds no topology: no primary-ordinal key", function () {
    assert.ok(!("primary-ordinal" in build("db", { replicas: 3, primaryOrdinal: 1 }).scripts.data));
  });
});
