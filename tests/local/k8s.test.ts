// The runner reads quantities with the component's one parser: a claim is sized,
// and the downward API's resourceFieldRef answered, exactly as the API server
// would read the rendered value; what the API server refuses, the runner refuses.
import * as assert from "assert";
import * as os from "os";
import { quantityValue, resourceFieldValue } from "../../local/k8s";
import { claimRequestBytes } from "../../local/volumes";

describe("local/k8s quantities", function () {
  it("reads every suffix the API server accepts, in base units", function () {
    assert.strictEqual(quantityValue("512Mi"), 512 * 2 ** 20);
    assert.strictEqual(quantityValue("10Gi"), 10 * 2 ** 30);
    assert.strictEqual(quantityValue("500G"), 500e9);
    assert.strictEqual(quantityValue("500m"), 0.5);
    assert.strictEqual(quantityValue("1e10"), 1e10);
    assert.strictEqual(quantityValue(".5Ki"), 512);
  });

  it("passes a bare number through and an absent value as undefined", function () {
    assert.strictEqual(quantityValue(3), 3);
    assert.strictEqual(quantityValue(undefined), undefined);
  });

  it("refuses what the API server refuses, naming the value", function () {
    // Spaces are not trimmed (ParseQuantity does not), and "GB" is no suffix.
    for (const bad of ["10GB", "10Gi ", " 1", "lots", "1.2.3"])
      assert.throws(() => quantityValue(bad), new RegExp(`cannot parse quantity "${bad.replace(".", "\\.")}`), bad);
  });

  it("sizes a claim from its request, rounded up to whole bytes", function () {
    const claim = (storage?: string) => ({
      metadata: { name: "data-mysql-0" },
      spec: { resources: { requests: { storage } } },
    });
    assert.strictEqual(claimRequestBytes(claim("64Mi")), 64 * 2 ** 20);
    assert.strictEqual(claimRequestBytes(claim("1500m")), 2);
    assert.throws(() => claimRequestBytes(claim()), /data-mysql-0: no spec.resources.requests.storage/);
    assert.throws(() => claimRequestBytes(claim("64 Mi")), /cannot parse quantity/);
  });

  it("answers resourceFieldRef as the kubelet does: divided, rounded up, the node's capacity without a limit", function () {
    const container = { resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1536Mi" } } };
    assert.strictEqual(resourceFieldValue(container, "limits.memory"), String(1536 * 2 ** 20));
    assert.strictEqual(resourceFieldValue(container, "limits.memory", "1Mi"), "1536");
    assert.strictEqual(resourceFieldValue(container, "requests.memory", "1Gi"), "1");
    assert.strictEqual(resourceFieldValue(container, "requests.cpu", "1"), "1");
    assert.strictEqual(resourceFieldValue(container, "requests.cpu", "1m"), "500");
    assert.strictEqual(resourceFieldValue(container, "limits.cpu"), String(os.cpus().length));
  });
});
