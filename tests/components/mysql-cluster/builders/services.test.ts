// buildWriteService: the write endpoint selects the primary pod only, by the
// pod-name label the StatefulSet controller sets, and follows primaryOrdinal.

import * as assert from "assert";
import { MySqlClusterArgs, resolveArgs } from "../../../../components/mysql-cluster/args";
import {
  buildReadService,
  buildWriteService,
  POD_NAME_LABEL,
} from "../../../../components/mysql-cluster/builders/services";
import { clusterNames } from "../../../../components/mysql-cluster/names";
import { AnyObject } from "../../../support/objects";

function writeService(name: string, args: MySqlClusterArgs = {}) {
  const resolved = resolveArgs(name, args);
  return { service: buildWriteService(resolved, clusterNames(resolved)) as AnyObject, names: clusterNames(resolved) };
}

describe("buildWriteService", function () {
  it("is a ClusterIP Service named <name>-write on the mysql port, in the cluster's namespace", function () {
    const { service, names } = writeService("db", { namespace: "data" });
    assert.deepStrictEqual(service.metadata, { name: "db-write", namespace: "data", labels: names.labels });
    assert.strictEqual(service.spec.type, "ClusterIP");
    assert.deepStrictEqual(service.spec.ports, [{ name: "mysql", port: 3306, targetPort: "mysql" }]);
  });

  it("selects the cluster's pods and, by the StatefulSet controller's pod-name label, only pod <name>-0 by default", function () {
    const { service, names } = writeService("db");
    assert.strictEqual(POD_NAME_LABEL, "statefulset.kubernetes.io/pod-name");
    assert.deepStrictEqual(service.spec.selector, { ...names.selectorLabels, [POD_NAME_LABEL]: "db-0" });
  });

  it("selects pod <name>-<primaryOrdinal>, moving to the new primary when primaryOrdinal changes", function () {
    for (const primaryOrdinal of [0, 1, 4]) {
      const { service, names } = writeService("orders", { replicas: 5, primaryOrdinal });
      assert.deepStrictEqual(service.spec.selector, {
        ...names.selectorLabels,
        [POD_NAME_LABEL]: `orders-${primaryOrdinal}`,
      });
    }
  });

  it("changes only the pod-name label of its selector when primaryOrdinal changes", function () {
    const before = writeService("db", { replicas: 3, primaryOrdinal: 0 }).service;
    const after = writeService("db", { replicas: 3, primaryOrdinal: 2 }).service;
    assert.deepStrictEqual(
      { ...after, spec: { ...after.spec, selector: { ...after.spec.selector, [POD_NAME_LABEL]: "db-0" } } },
      before,
    );
  });

  it("routes to ready pods only (no publishNotReadyAddresses): the primary is ready only while it takes writes", function () {
    assert.strictEqual(writeService("db").service.spec.publishNotReadyAddresses ?? false, false);
  });

  it("does not share the read Service's name or selector", function () {
    const resolved = resolveArgs("db");
    const read = buildReadService(resolved, clusterNames(resolved)) as AnyObject;
    const { service } = writeService("db");
    assert.notStrictEqual(service.metadata.name, read.metadata.name);
    assert.notDeepStrictEqual(service.spec.selector, read.spec.selector);
  });
});
