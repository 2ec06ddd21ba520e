// The local tools' one certificate maker (local/tls.ts) and its two callers:
// the cluster's test certificates (what @pulumi/tls makes in a deployment) and
// the local API server's (kubeadm's layout). Checked with Node's X.509 parser
// and a real TLS handshake, so a certificate a server or client would refuse fails here.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { AddressInfo } from "net";
import { makeCertificate, sharedCaCertificates } from "../../local/tls";
import { API_SERVER_DNS_NAMES, generateCa, generateServingCert } from "../../local/api-server/tls";
import { certificateDnsNames } from "../../components/mysql-cluster/names";

const cluster = { name: "db", namespace: "shop", clusterDomain: "cluster.local" };

/** Whether a client trusting `ca` completes a handshake with a server presenting cert/key as `servername`. */
async function handshake(material: { cert: string; key: string }, ca: string, servername: string): Promise<string> {
  const server = tls.createServer({ cert: material.cert, key: material.key }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port, ca, servername }, () => {
        socket.end();
        resolve("ok");
      });
      socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
  } finally {
    server.close();
  }
}

describe("local/tls certificates", function () {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-test-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("makes a self-signed CA that may sign certificates, with a PKCS#8 key only its owner reads", function () {
    const ca = makeCertificate(dir, { name: "ca", cn: "test CA", key: "ec-p256", days: 30 });
    const cert = new crypto.X509Certificate(fs.readFileSync(ca.certPath));
    assert.strictEqual(cert.ca, true);
    assert.strictEqual(cert.subject, "CN=test CA");
    assert.ok(cert.checkIssued(cert), "self-signed");
    const key = fs.readFileSync(ca.keyPath, "utf8");
    assert.match(key, /^-----BEGIN PRIVATE KEY-----/);
    assert.strictEqual(crypto.createPrivateKey(key).asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.strictEqual(fs.statSync(ca.keyPath).mode & 0o777, 0o600);
  });

  it("signs a certificate for its names and usages with the given CA", function () {
    const ca = makeCertificate(dir, { name: "ca", cn: "test CA", key: "rsa-2048", days: 2 });
    const leaf = makeCertificate(dir, {
      name: "leaf",
      cn: "leaf",
      key: "rsa-2048",
      days: 2,
      ca,
      sans: ["DNS:a.example", "IP:10.0.0.1"],
      extendedKeyUsage: "serverAuth",
    });
    const caCert = new crypto.X509Certificate(fs.readFileSync(ca.certPath));
    const cert = new crypto.X509Certificate(fs.readFileSync(leaf.certPath));
    assert.strictEqual(cert.ca, false);
    assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey), "signed by the CA");
    assert.strictEqual(cert.checkHost("a.example"), "a.example");
    assert.strictEqual(cert.checkHost("b.example"), undefined);
    assert.strictEqual(cert.checkIP("10.0.0.1"), "10.0.0.1");
    assert.deepStrictEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]); // serverAuth only
    assert.strictEqual(
      crypto.createPrivateKey(fs.readFileSync(leaf.keyPath)).asymmetricKeyDetails?.modulusLength,
      2048,
    );
    const validDays = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86400e3;
    assert.strictEqual(Math.round(validDays), 2);
  });

  it("gives the cluster a certificate for every pod's name, for server and client use, that a client verifies", async function () {
    const { cluster: material, intruder } = sharedCaCertificates(cluster, "unit");
    const cert = new crypto.X509Certificate(material.cert);
    assert.strictEqual(new crypto.X509Certificate(material.ca).subject, "CN=db unit CA");
    for (const name of certificateDnsNames(cluster)) assert.strictEqual(cert.checkHost(name), name);
    assert.deepStrictEqual([...(cert.keyUsage ?? [])].sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert.strictEqual(await handshake(material, material.ca, "db-0.db.shop.svc.cluster.local"), "ok");
    // The other workload's certificate comes from the same CA but names none of the cluster's pods.
    const other = new crypto.X509Certificate(intruder.cert);
    assert.ok(other.checkIssued(new crypto.X509Certificate(material.ca)));
    assert.strictEqual(
      await handshake(intruder, material.ca, "db-0.db.shop.svc.cluster.local"),
      "ERR_TLS_CERT_ALTNAME_INVALID",
    );
    // Another set has another CA: neither trusts the other's certificates.
    const second = sharedCaCertificates(cluster, "second").cluster;
    assert.strictEqual(
      await handshake(material, second.ca, "db-0.db.shop.svc.cluster.local"),
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    );
  });

  it("lays out the API server's CA and serving certificate as kubeadm does", async function () {
    const ca = await generateCa(dir);
    const serving = await generateServingCert(dir, ca, "10.200.0.1");
    const caCert = new crypto.X509Certificate(fs.readFileSync(ca.certPath));
    const cert = new crypto.X509Certificate(fs.readFileSync(serving.certPath));
    assert.strictEqual(caCert.subject, "CN=kubernetes");
    assert.strictEqual(cert.subject, "CN=kube-apiserver");
    assert.ok(cert.checkIssued(caCert));
    for (const name of API_SERVER_DNS_NAMES) assert.strictEqual(cert.checkHost(name), name);
    assert.strictEqual(cert.checkIP("10.200.0.1"), "10.200.0.1");
    const material = { cert: fs.readFileSync(serving.certPath, "utf8"), key: fs.readFileSync(serving.keyPath, "utf8") };
    assert.strictEqual(await handshake(material, fs.readFileSync(ca.certPath, "utf8"), "kubernetes.default.svc"), "ok");
  });
});
