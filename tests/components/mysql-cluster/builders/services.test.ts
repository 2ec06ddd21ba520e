// buildWriteService: the write endpoint selects the primary pod only, by the
// role label the pods' failover agents set (never by pod name, so it follows a
// failover without `pulumi up`), and no pod is created carrying that label.

import * as assert from "assert";
import { MySqlClusterArgs, resolveArgs } from "../../../../components/mysql-cluster/args";
import {
  buildReadService,
  buildWriteService,
  POD_NAME_LABEL,
} from "../../../../components/mysql-cluster/builders/services";
import { buildStatefulSet } from "../../../../components/mysql-cluster/builders/statefulset";
import { FAILOVER_MARKS } from "../../../../components/mysql-cluster/contract";
import { clusterNames } from "../../../../components/mysql-cluster/names";
import { renderObjects } from "../../../../components/mysql-cluster/render";
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

  it("selects the cluster's pods labelled primary by their failover agent (the role label), never a pod by name", function () {
    const { service, names } = writeService("db");
    assert.strictEqual(FAILOVER_MARKS.roleLabel, "mysql-cluster/role");
    assert.deepStrictEqual(service.spec.selector, { ...names.selectorLabels, [FAILOVER_MARKS.roleLabel]: "primary" });
    // A pod-name selector would need a `pulumi up` to follow a failover.
    assert.ok(!(POD_NAME_LABEL in service.spec.selector));
  });

  it("does not change when primaryOrdinal changes: the agents move the role label, not the stack", function () {
    const selectors = [0, 1, 4].map(
      (primaryOrdinal) => writeService("orders", { replicas: 5, primaryOrdinal }).service.spec.selector,
    );
    for (const selector of selectors) assert.deepStrictEqual(selector, selectors[0]);
    const before = writeService("db", { replicas: 3, primaryOrdinal: 0 }).service;
    const after = writeService("db", { replicas: 3, primaryOrdinal: 2 }).service;
    assert.deepStrictEqual(after, before);
  });

  it("selects no pod as created: no pod template carries the role label (a new pod joins only once its agent labels it)", function () {
    for (const args of [{}, { replicas: 5, primaryOrdinal: 3 }, { failover: false }, { flavor: "mariadb" as const }]) {
      const resolved = resolveArgs("db", args);
      const names = clusterNames(resolved);
      const sts = buildStatefulSet(resolved, names, "db-config") as AnyObject;
      const templates: AnyObject[] = [sts.spec.template];
      assert.ok(!(FAILOVER_MARKS.roleLabel in (sts.spec.template.metadata.labels ?? {})), JSON.stringify(args));
      assert.ok(!(FAILOVER_MARKS.roleLabel in sts.spec.selector.matchLabels), JSON.stringify(args));
      // Nor any other object the component renders (the backup Job's pods included).
      const all = renderObjects(resolveArgs("db", { ...args, backupSchedule: "@daily" })) as AnyObject[];
      for (const o of all) {
        if (o.kind === "CronJob") templates.push(o.spec.jobTemplate.spec.template);
        if (o.kind === "StatefulSet") templates.push(o.spec.template);
      }
      for (const t of templates)
        assert.ok(!JSON.stringify(t.metadata ?? {}).includes(FAILOVER_MARKS.roleLabel), JSON.stringify(args));
    }
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
