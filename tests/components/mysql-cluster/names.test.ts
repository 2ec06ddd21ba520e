// The names of the write Service and the topology ConfigMap, the write
// endpoint, and the certificate's DNS names covering the write Service.

import * as assert from "assert";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { certificateDnsNames, clusterNames, endpoints } from "../../../components/mysql-cluster/names";

describe("clusterNames", function () {
  it("names the write Service <name>-write and the topology ConfigMap <name>-topology", function () {
    const names = clusterNames(resolveArgs("orders"));
    assert.strictEqual(names.writeService, "orders-write");
    assert.strictEqual(names.topologyConfigMap, "orders-topology");
    assert.notStrictEqual(names.writeService, names.readService);
    assert.ok(
      !names.topologyConfigMap.startsWith(`${names.configMapPrefix}-`),
      "the topology ConfigMap looks like a scripts ConfigMap",
    );
  });
});

describe("endpoints", function () {
  it("gives the write Service's fully qualified DNS name as the write endpoint, not a pod's", function () {
    const args = resolveArgs("orders", { namespace: "shop", clusterDomain: "k8s.example" });
    assert.strictEqual(endpoints(args).write, "orders-write.shop.svc.k8s.example");
    assert.strictEqual(endpoints(args).write, `${clusterNames(args).writeService}.shop.svc.k8s.example`);
    assert.strictEqual(endpoints(args).read, "orders-read.shop.svc.k8s.example");
  });

  it("gives the same write endpoint whatever primaryOrdinal is", function () {
    const at = (primaryOrdinal: number) => endpoints(resolveArgs("orders", { replicas: 3, primaryOrdinal })).write;
    assert.strictEqual(at(2), at(0));
  });
});

describe("certificateDnsNames", function () {
  it("covers the write Service with the same suffixes as the read Service", function () {
    const dnsNames = certificateDnsNames(resolveArgs("orders", { namespace: "shop" }));
    const suffixes = ["", ".shop", ".shop.svc", ".shop.svc.cluster.local"];
    for (const suffix of suffixes) {
      assert.ok(
        dnsNames.includes(`orders-write${suffix}`),
        `orders-write${suffix} is not among ${dnsNames.join(", ")}`,
      );
      assert.ok(dnsNames.includes(`orders-read${suffix}`), `orders-read${suffix} is not among ${dnsNames.join(", ")}`);
    }
    assert.deepStrictEqual(
      dnsNames.filter((n) => n.startsWith("orders-write")).map((n) => n.slice("orders-write".length)),
      dnsNames.filter((n) => n.startsWith("orders-read")).map((n) => n.slice("orders-read".length)),
    );
  });

  it("covers the write endpoint exactly", function () {
    const args = resolveArgs("orders", { namespace: "shop", clusterDomain: "k8s.example" });
    assert.ok(certificateDnsNames(args).includes(endpoints(args).write));
  });
});
