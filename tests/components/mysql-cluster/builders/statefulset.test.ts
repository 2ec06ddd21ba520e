// buildStatefulSet and the topology: the ConfigMap naming the primary is
// mounted read-only into the steps that read it, and primaryOrdinal appears
// nowhere in the spec, so a switchover rolls no pod.

import * as assert from "assert";
import { MySqlClusterArgs, resolveArgs } from "../../../../components/mysql-cluster/args";
import { buildStatefulSet } from "../../../../components/mysql-cluster/builders/statefulset";
import { clusterNames } from "../../../../components/mysql-cluster/names";
import { AnyObject } from "../../../support/objects";
import { libValues } from "../../../support/sandbox";

function statefulSet(name: string, args: MySqlClusterArgs = {}): AnyObject {
  const resolved = resolveArgs(name, args);
  return buildStatefulSet(resolved, clusterNames(resolved), `${name}-config-0123456789`) as AnyObject;
}

function containers(sts: AnyObject): AnyObject[] {
  return [...sts.spec.template.spec.initContainers, ...sts.spec.template.spec.containers];
}

describe("buildStatefulSet and the topology", function () {
  it("defines the volume topology from the ConfigMap <name>-topology, files readable by all (0444)", function () {
    const volumes: AnyObject[] = statefulSet("db").spec.template.spec.volumes;
    assert.deepStrictEqual(
      volumes.filter((v) => v.name === "topology"),
      [{ name: "topology", configMap: { name: "db-topology", defaultMode: 0o444 } }],
    );
  });

  it("mounts it in init-config, clone-data, init-data and the sidecar, and not in the server or the exporter", function () {
    const sts = statefulSet("db", { metrics: true });
    const mounting = containers(sts)
      .filter((c) => (c.volumeMounts ?? []).some((m: AnyObject) => m.name === "topology"))
      .map((c) => c.name);
    assert.deepStrictEqual(mounting, ["init-config", "clone-data", "init-data", "sidecar"]);
    assert.deepStrictEqual(
      containers(sts).map((c) => c.name),
      ["init-config", "clone-data", "init-data", "mysql", "sidecar", "exporter"],
    );
  });

  it("mounts it read-only where the scripts read it (lib.sh TOPOLOGY_DIR)", function () {
    const { TOPOLOGY_DIR } = libValues(["TOPOLOGY_DIR"]);
    const mounts = containers(statefulSet("db")).flatMap((c) =>
      (c.volumeMounts ?? []).filter((m: AnyObject) => m.name === "topology"),
    );
    assert.strictEqual(mounts.length, 4);
    for (const mount of mounts)
      assert.deepStrictEqual(mount, { name: "topology", mountPath: TOPOLOGY_DIR, readOnly: true });
  });

  it("renders the same StatefulSet whatever primaryOrdinal is, so a switchover rolls no pod", function () {
    const first = statefulSet("db", { replicas: 3, primaryOrdinal: 0 });
    for (const primaryOrdinal of [1, 2])
      assert.deepStrictEqual(
        statefulSet("db", { replicas: 3, primaryOrdinal }),
        first,
        `primaryOrdinal ${primaryOrdinal}`,
      );
  });
});
