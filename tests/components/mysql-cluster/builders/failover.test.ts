// builders/failover.ts: the Lease the pods' failover agents hold and the least
// privilege they get to use it. The Role names exactly the one Lease, the
// StatefulSet and the pods 0..replicas-1 (resourceNames), and may only create
// Events; the RoleBinding binds it to the agents' ServiceAccount alone; the
// Lease carries the stack's switchover request and the lease duration.

import * as assert from "assert";
import { Lease } from "kubernetes-models/coordination.k8s.io/v1/Lease";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { MySqlClusterArgs, resolveArgs } from "../../../../components/mysql-cluster/args";
import {
  buildLease,
  buildRole,
  buildRoleBinding,
  buildServiceAccount,
  failoverEnv,
  serviceAccountVolume,
  TOKEN_EXPIRATION_SECONDS,
} from "../../../../components/mysql-cluster/builders/failover";
import { FAILOVER_MARKS, FILES } from "../../../../components/mysql-cluster/contract";
import { clusterNames } from "../../../../components/mysql-cluster/names";
import { AnyObject } from "../../../support/objects";

function built(args: MySqlClusterArgs = {}, name = "db") {
  const resolved = resolveArgs(name, args);
  const names = clusterNames(resolved);
  return {
    resolved,
    names,
    lease: buildLease(resolved, names) as AnyObject,
    account: buildServiceAccount(resolved, names) as AnyObject,
    role: buildRole(resolved, names) as AnyObject,
    binding: buildRoleBinding(resolved, names) as AnyObject,
  };
}

/** What the Role allows, as "group/resource[/name] verb" strings (an unnamed rule: every object of the resource). */
function grants(role: AnyObject): string[] {
  const out: string[] = [];
  for (const rule of role.rules as AnyObject[])
    for (const group of rule.apiGroups)
      for (const resource of rule.resources)
        for (const verb of rule.verbs)
          for (const name of rule.resourceNames ?? ["*"]) out.push(`${group}/${resource}/${name} ${verb}`);
  return out.sort();
}

describe("the failover objects (builders/failover.ts)", function () {
  it("validate against the Kubernetes schema, in the cluster's namespace with its labels", function () {
    const { lease, account, role, binding, names } = built({ namespace: "data" });
    new Lease(lease as never).validate();
    new ServiceAccount(account as never).validate();
    new Role(role as never).validate();
    new RoleBinding(binding as never).validate();
    for (const o of [lease, account, role, binding]) {
      assert.strictEqual(o.metadata.namespace, "data", o.kind);
      assert.deepStrictEqual(o.metadata.labels, names.labels, o.kind);
    }
    assert.strictEqual(lease.metadata.name, "db-primary");
    for (const o of [account, role, binding]) assert.strictEqual(o.metadata.name, "db-agent", o.kind);
  });

  it("scope the Role by resourceNames to the one Lease, the StatefulSet and exactly the pods 0..replicas-1; Events create only", function () {
    for (const replicas of [1, 3, 5]) {
      const { role } = built({ replicas }, "orders");
      const pods = Array.from({ length: replicas }, (_, i) => `orders-${i}`);
      assert.deepStrictEqual(
        grants(role),
        [
          "/events/* create",
          ...pods.map((p) => `/pods/${p} patch`),
          "apps/statefulsets/orders get",
          "coordination.k8s.io/leases/orders-primary get",
          "coordination.k8s.io/leases/orders-primary patch",
        ].sort(),
        `replicas ${replicas}`,
      );
    }
  });

  it("never grant list, watch, delete, create (but Events) or a wildcard, nor a pod beyond the replicas", function () {
    const { role } = built({ replicas: 3 });
    for (const rule of role.rules as AnyObject[]) {
      for (const field of ["apiGroups", "resources", "verbs", "resourceNames"])
        assert.ok(!(rule[field] ?? []).includes("*"), `${field} wildcard in ${JSON.stringify(rule)}`);
      for (const verb of ["list", "watch", "delete", "deletecollection", "update", "escalate", "bind", "impersonate"])
        assert.ok(!rule.verbs.includes(verb), `${verb} in ${JSON.stringify(rule)}`);
      if (rule.resources.includes("events")) assert.deepStrictEqual(rule.verbs, ["create"]);
      else assert.ok(rule.resourceNames?.length > 0, `unnamed rule ${JSON.stringify(rule)}`);
    }
    assert.ok(!grants(role).some((g) => g.includes("/pods/db-3")));
  });

  it("bind the Role to the agents' ServiceAccount in the cluster's namespace, and nothing else", function () {
    const { binding, account, role } = built({ namespace: "data" });
    assert.deepStrictEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: role.metadata.name,
    });
    assert.deepStrictEqual(binding.subjects, [
      { kind: "ServiceAccount", name: account.metadata.name, namespace: "data" },
    ]);
  });

  it("give the ServiceAccount no automatically mounted token (only the sidecar mounts one, explicitly)", function () {
    assert.strictEqual(built().account.automountServiceAccountToken, false);
  });

  it("annotate the Lease with the stack's primary, <sts>-<primaryOrdinal>, and set leaseDurationSeconds to failoverLeaseSeconds", function () {
    assert.strictEqual(FAILOVER_MARKS.switchoverRequest, "mysql-cluster/switchover-to");
    for (const [args, pod, seconds] of [
      [{}, "db-0", 10],
      [{ replicas: 5, primaryOrdinal: 3 }, "db-3", 10],
      [{ replicas: 3, primaryOrdinal: 2, failoverLeaseSeconds: 30 }, "db-2", 30],
    ] as [MySqlClusterArgs, string, number][]) {
      const { lease } = built(args);
      assert.deepStrictEqual(lease.metadata.annotations, { "mysql-cluster/switchover-to": pod }, pod);
      assert.deepStrictEqual(lease.spec, { leaseDurationSeconds: seconds }, pod);
    }
  });

  it("leave the Lease's holder and times to the agents: the component never writes them", function () {
    const { spec } = built({ replicas: 3, primaryOrdinal: 1 }).lease;
    for (const field of ["holderIdentity", "acquireTime", "renewTime", "leaseTransitions"])
      assert.ok(!(field in spec), field);
  });

  it("project a bound token that expires, the cluster CA and the namespace at the contract's file names", function () {
    const volume = serviceAccountVolume() as AnyObject;
    assert.strictEqual(volume.name, "api-credentials");
    const [token, ca, ns] = volume.projected.sources;
    assert.deepStrictEqual(token, {
      serviceAccountToken: { path: FILES.apiToken, expirationSeconds: TOKEN_EXPIRATION_SECONDS },
    });
    // The kubelet refuses an expiration under 10 minutes (ServiceAccountTokenProjection.expirationSeconds).
    assert.ok(TOKEN_EXPIRATION_SECONDS >= 600);
    assert.deepStrictEqual(ca.configMap, { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: FILES.apiCa }] });
    assert.deepStrictEqual(ns.downwardAPI.items, [
      { path: FILES.apiNamespace, fieldRef: { fieldPath: "metadata.namespace" } },
    ]);
    // Readable by the pod's group only (fsGroup), like the other credentials.
    assert.strictEqual(volume.projected.defaultMode, 0o440);
  });

  it("tell the agent the Lease, its duration and whether to fail over", function () {
    const { resolved, names } = built({ failover: false, failoverLeaseSeconds: 20 });
    assert.deepStrictEqual(failoverEnv(resolved, names), [
      { name: "LEASE_NAME", value: "db-primary" },
      { name: "LEASE_SECONDS", value: "20" },
      { name: "FAILOVER", value: "false" },
    ]);
    const defaults = built();
    assert.deepStrictEqual(
      failoverEnv(defaults.resolved, defaults.names).map((e) => e.value),
      ["db-primary", "10", "true"],
    );
  });
});
