// The NetworkPolicy (on by default): it selects exactly the cluster's pods;
// the backup port admits only the cluster's own pods; the database port
// admits those and the clients named by clientPodSelector /
// clientNamespaceSelector; with metrics (the default) any pod may reach the
// metrics port 9104, and only that port; nothing else. Checked on the rendered object and
// against the Kubernetes schema (kubernetes-models networking/v1).

import * as assert from "assert";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { MySqlClusterArgs, resolveArgs } from "../../../components/mysql-cluster/args";
import { objectsByKey, renderCluster, renderObjects } from "../../../components/mysql-cluster/render";
import { AnyObject } from "../../support/objects";

const MYSQL_PORT = 3306;
const BACKUP_PORT = 3307;
const METRICS_PORT = 9104;

function render(args: MySqlClusterArgs = {}, name = "db") {
  const manifests = objectsByKey(renderCluster(resolveArgs(name, { namespace: "data", ...args })));
  return {
    policy: manifests.networkPolicy as AnyObject | undefined,
    sts: manifests.statefulSet as AnyObject,
    services: [manifests.headlessService, manifests.readService, manifests.metricsService].filter(
      Boolean,
    ) as AnyObject[],
  };
}

/** Does a label selector ({matchLabels}) select a set of labels? */
function selects(selector: AnyObject | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  return Object.entries<string>(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

interface Peer {
  namespace: string;
  namespaceLabels: Record<string, string>;
  podLabels: Record<string, string>;
}

/**
 * Whether the policy admits a connection from `peer` on `port`, with the
 * NetworkPolicy semantics: a peer with only podSelector means pods in the
 * policy's namespace; with namespaceSelector, pods in matching namespaces
 * (both in one peer: both must match).
 */
function admits(policy: AnyObject, peer: Peer, port: number): boolean {
  return policy.spec.ingress.some(
    (rule: AnyObject) =>
      rule.ports.some((p: AnyObject) => p.port === port && p.protocol === "TCP") &&
      rule.from.some((from: AnyObject) => {
        const namespaceOk = from.namespaceSelector
          ? selects(from.namespaceSelector, peer.namespaceLabels)
          : peer.namespace === policy.metadata.namespace;
        return namespaceOk && selects(from.podSelector, peer.podLabels);
      }),
  );
}

function validate(policy: AnyObject): void {
  try {
    new NetworkPolicy(policy as never).validate();
  } catch (error) {
    assert.fail(`NetworkPolicy ${policy.metadata.name} does not validate: ${String(error)}`);
  }
}

describe("NetworkPolicy", function () {
  describe("by default (no client selectors)", function () {
    const { policy, sts, services } = render();

    it("is rendered, named after the cluster, in its namespace", function () {
      assert.ok(policy, "no NetworkPolicy by default");
      assert.strictEqual(policy.metadata.name, "db");
      assert.strictEqual(policy.metadata.namespace, "data");
      assert.deepStrictEqual(policy.metadata.labels, sts.metadata.labels);
    });

    it("validates against the networking.k8s.io/v1 schema", function () {
      validate(policy!);
    });

    it("selects exactly the StatefulSet's pods (the same selector)", function () {
      assert.deepStrictEqual(policy!.spec.podSelector, { matchLabels: sts.spec.selector.matchLabels });
      assert.ok(selects(policy!.spec.podSelector, sts.spec.template.metadata.labels));
      // Another cluster in the namespace differs in the instance label and is not selected.
      const other = render({}, "other").sts.spec.template.metadata.labels;
      assert.ok(!selects(policy!.spec.podSelector, other), "the policy selects another cluster's pods");
    });

    it("restricts ingress only", function () {
      assert.deepStrictEqual(policy!.spec.policyTypes, ["Ingress"]);
      assert.ok(!("egress" in policy!.spec));
    });

    it("has exactly two rules: the cluster's own pods on the database and backup ports, any pod on the metrics port 9104", function () {
      assert.deepStrictEqual(policy!.spec.ingress, [
        {
          from: [{ podSelector: { matchLabels: sts.spec.selector.matchLabels } }],
          ports: [
            { protocol: "TCP", port: MYSQL_PORT },
            { protocol: "TCP", port: BACKUP_PORT },
          ],
        },
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: METRICS_PORT }] },
      ]);
    });

    it("admits any pod, in any namespace, to the metrics port 9104 only: never to the database or backup port", function () {
      const metricsRules = policy!.spec.ingress.filter((r: AnyObject) =>
        r.ports.some((p: AnyObject) => p.port === METRICS_PORT),
      );
      assert.strictEqual(metricsRules.length, 1);
      assert.deepStrictEqual(metricsRules[0].ports, [{ protocol: "TCP", port: METRICS_PORT }]);
      const prometheus: Peer = {
        namespace: "monitoring",
        namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" },
        podLabels: { app: "prometheus" },
      };
      const neighbour: Peer = { namespace: "data", namespaceLabels: {}, podLabels: { app: "shop" } };
      for (const peer of [prometheus, neighbour]) {
        assert.ok(admits(policy!, peer, METRICS_PORT), `${peer.namespace}/${peer.podLabels.app} cannot scrape`);
        assert.ok(
          !admits(policy!, peer, MYSQL_PORT),
          `${peer.namespace}/${peer.podLabels.app} reaches the database port`,
        );
        assert.ok(
          !admits(policy!, peer, BACKUP_PORT),
          `${peer.namespace}/${peer.podLabels.app} reaches the backup port`,
        );
      }
    });

    it("covers the ports the Services and containers expose, and no other", function () {
      const policyPorts = new Set(
        policy!.spec.ingress.flatMap((r: AnyObject) => r.ports.map((p: AnyObject) => p.port)),
      );
      const containerPorts = [...sts.spec.template.spec.containers].flatMap((c: AnyObject) =>
        (c.ports ?? []).map((p: AnyObject) => p.containerPort),
      );
      const servicePorts = services.flatMap((s) => s.spec.ports.map((p: AnyObject) => p.port));
      assert.deepStrictEqual([...policyPorts].sort(), [...new Set([...containerPorts, ...servicePorts])].sort());
    });

    it("admits a member pod on both ports, and no other pod on either (the metrics port aside)", function () {
      const member: Peer = { namespace: "data", namespaceLabels: {}, podLabels: sts.spec.template.metadata.labels };
      assert.ok(admits(policy!, member, MYSQL_PORT));
      assert.ok(admits(policy!, member, BACKUP_PORT));
      const stranger: Peer = { namespace: "data", namespaceLabels: {}, podLabels: { app: "shop" } };
      assert.ok(!admits(policy!, stranger, MYSQL_PORT));
      assert.ok(!admits(policy!, stranger, BACKUP_PORT));
      // A pod with the cluster's labels in another namespace is not a member.
      assert.ok(!admits(policy!, { ...member, namespace: "elsewhere" }, MYSQL_PORT));
    });
  });

  describe("with clientPodSelector only", function () {
    const { policy, sts } = render({ clientPodSelector: { app: "shop", tier: "web" } });

    it("adds one rule for those pods in the cluster's namespace, on the database port only", function () {
      assert.strictEqual(policy!.spec.ingress.length, 3);
      assert.deepStrictEqual(policy!.spec.ingress[1], {
        from: [{ podSelector: { matchLabels: { app: "shop", tier: "web" } } }],
        ports: [{ protocol: "TCP", port: MYSQL_PORT }],
      });
      validate(policy!);
    });

    it("admits matching client pods to the database port but never to the backup port", function () {
      const client: Peer = {
        namespace: "data",
        namespaceLabels: {},
        podLabels: { app: "shop", tier: "web", extra: "x" },
      };
      assert.ok(admits(policy!, client, MYSQL_PORT));
      assert.ok(!admits(policy!, client, BACKUP_PORT));
    });

    it("refuses pods matching only part of the selector, or in another namespace", function () {
      assert.ok(!admits(policy!, { namespace: "data", namespaceLabels: {}, podLabels: { app: "shop" } }, MYSQL_PORT));
      assert.ok(
        !admits(
          policy!,
          { namespace: "shop", namespaceLabels: {}, podLabels: { app: "shop", tier: "web" } },
          MYSQL_PORT,
        ),
      );
    });

    it("keeps the backup port for the cluster's own pods", function () {
      const backupRules = policy!.spec.ingress.filter((r: AnyObject) =>
        r.ports.some((p: AnyObject) => p.port === BACKUP_PORT),
      );
      assert.deepStrictEqual(
        backupRules.map((r: AnyObject) => r.from),
        [[{ podSelector: { matchLabels: sts.spec.selector.matchLabels } }]],
      );
    });
  });

  describe("with clientNamespaceSelector only", function () {
    const { policy } = render({ clientNamespaceSelector: { "kubernetes.io/metadata.name": "shop" } });

    it("admits every pod of the matching namespaces to the database port only", function () {
      assert.deepStrictEqual(policy!.spec.ingress[1], {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } }],
        ports: [{ protocol: "TCP", port: MYSQL_PORT }],
      });
      validate(policy!);
      const client: Peer = {
        namespace: "shop",
        namespaceLabels: { "kubernetes.io/metadata.name": "shop" },
        podLabels: { anything: "x" },
      };
      assert.ok(admits(policy!, client, MYSQL_PORT));
      assert.ok(!admits(policy!, client, BACKUP_PORT));
      assert.ok(
        !admits(
          policy!,
          { namespace: "web", namespaceLabels: { "kubernetes.io/metadata.name": "web" }, podLabels: {} },
          MYSQL_PORT,
        ),
      );
    });
  });

  describe("with both selectors", function () {
    const { policy } = render({ clientPodSelector: { app: "shop" }, clientNamespaceSelector: { team: "web" } });

    it("puts both in one peer, so a client must match both (pods so labelled in such namespaces)", function () {
      assert.deepStrictEqual(policy!.spec.ingress[1].from, [
        { podSelector: { matchLabels: { app: "shop" } }, namespaceSelector: { matchLabels: { team: "web" } } },
      ]);
      validate(policy!);
      const inTeam = { namespace: "shop", namespaceLabels: { team: "web" } };
      assert.ok(admits(policy!, { ...inTeam, podLabels: { app: "shop" } }, MYSQL_PORT));
      assert.ok(
        !admits(policy!, { ...inTeam, podLabels: { app: "other" } }, MYSQL_PORT),
        "a non-client pod in a client namespace is admitted",
      );
      assert.ok(
        !admits(policy!, { namespace: "x", namespaceLabels: { team: "ops" }, podLabels: { app: "shop" } }, MYSQL_PORT),
        "a client pod elsewhere is admitted",
      );
      assert.ok(!admits(policy!, { ...inTeam, podLabels: { app: "shop" } }, BACKUP_PORT));
    });
  });

  describe("with metrics false", function () {
    const { policy, sts } = render({ metrics: false, clientPodSelector: { app: "shop" } });

    it("has no metrics rule: no pod reaches port 9104, and the other rules are unchanged", function () {
      assert.ok(!policy!.spec.ingress.some((r: AnyObject) => r.ports.some((p: AnyObject) => p.port === METRICS_PORT)));
      assert.deepStrictEqual(
        policy!.spec.ingress,
        render({ clientPodSelector: { app: "shop" } }).policy!.spec.ingress.slice(0, 2),
      );
      assert.ok(
        !admits(
          policy!,
          { namespace: "monitoring", namespaceLabels: {}, podLabels: { app: "prometheus" } },
          METRICS_PORT,
        ),
      );
      validate(policy!);
    });

    it("still covers exactly the ports the Services and containers expose (no 9104 anywhere)", function () {
      const containerPorts = (sts.spec.template.spec.containers as AnyObject[]).flatMap((c) =>
        (c.ports ?? []).map((p: AnyObject) => p.containerPort),
      );
      assert.ok(!containerPorts.includes(METRICS_PORT));
      const policyPorts = new Set(
        policy!.spec.ingress.flatMap((r: AnyObject) => r.ports.map((p: AnyObject) => p.port)),
      );
      assert.deepStrictEqual([...policyPorts].sort(), [MYSQL_PORT, BACKUP_PORT]);
    });
  });

  describe("with networkPolicy false", function () {
    it("renders no NetworkPolicy, and refuses client selectors without it", function () {
      assert.strictEqual(render({ networkPolicy: false }).policy, undefined);
      // A client selector without the policy would restrict nothing: refused (args.test.ts), not silently dropped.
      assert.throws(
        () => render({ networkPolicy: false, clientPodSelector: { app: "shop" } }),
        /setting "clientPodSelector": got \{\\"app\\":\\"shop\\"\}; expected unset when networkPolicy is false/,
      );
      const kinds = renderObjects(resolveArgs("db", { networkPolicy: false })).map((o) => (o as AnyObject).kind);
      assert.ok(!kinds.includes("NetworkPolicy"), kinds.join(", "));
    });
  });

  it("renders the policy with networkPolicy true as by default", function () {
    assert.deepStrictEqual(render({ networkPolicy: true }).policy, render().policy);
  });
});
