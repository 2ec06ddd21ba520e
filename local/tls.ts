// Test certificates for clusters run locally: what @pulumi/tls generates in a
// real deployment (a CA and one server+client certificate covering every pod's
// DNS name), made here with the host's openssl so no Pulumi engine is needed.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ResolvedArgs } from "../components/mysql-cluster/args";
import { TlsMaterial } from "../components/mysql-cluster/builders/tls-secret";
import { certificateDnsNames } from "../components/mysql-cluster/names";

/** A certificate and its private key (PKCS#8 PEM, mode 0600) as files. */
export interface CertificateFiles {
  certPath: string;
  keyPath: string;
}

export interface CertificateSpec {
  /** File stem in the directory: `<name>.crt`, `<name>.key`. */
  name: string;
  /** The subject's common name. */
  cn: string;
  /** ECDSA P-256 as @pulumi/tls makes the cluster's; RSA 2048 as kubeadm makes the API server's. */
  key: "ec-p256" | "rsa-2048";
  days: number;
  /** The CA that signs it; without one the certificate is a self-signed CA. */
  ca?: CertificateFiles;
  /** subjectAltName entries, "DNS:<name>" or "IP:<address>". */
  sans?: string[];
  /** extendedKeyUsage of a signed certificate, e.g. "serverAuth,clientAuth". */
  extendedKeyUsage?: string;
}

/** The host's openssl, found on the system's own PATH whatever the caller's is. */
function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], env: { PATH: "/usr/bin:/bin:/usr/local/bin" } });
}

/**
 * The one certificate maker of the local tools: a fresh key and a certificate in
 * `dir`, either a self-signed CA or a certificate `spec.ca` signs. Key usages are
 * what the real issuers set (critical, as Go's x509 writes them): a CA signs
 * certificates and CRLs (@pulumi/tls `cert_signing`, `crl_signing`,
 * `digital_signature`); a signed certificate does digital signatures and key
 * encipherment for its extended usages.
 */
export function makeCertificate(dir: string, spec: CertificateSpec): CertificateFiles {
  const keyPath = path.join(dir, `${spec.name}.key`);
  const certPath = path.join(dir, `${spec.name}.crt`);
  const keyOptions =
    spec.key === "ec-p256"
      ? ["EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
      : ["RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
  // genpkey writes PKCS#8, which both servers and Node's TLS read.
  openssl(["genpkey", "-algorithm", ...keyOptions, "-out", keyPath]);
  fs.chmodSync(keyPath, 0o600);
  const subject = ["-key", keyPath, "-subj", `/CN=${spec.cn}`];
  if (!spec.ca) {
    openssl([
      "req",
      "-x509",
      "-new",
      ...subject,
      "-days",
      String(spec.days),
      "-out",
      certPath,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ]);
    return { certPath, keyPath };
  }
  const csrPath = path.join(dir, `${spec.name}.csr`);
  const extPath = path.join(dir, `${spec.name}.ext`);
  fs.writeFileSync(
    extPath,
    [
      ...(spec.sans?.length ? [`subjectAltName=${spec.sans.join(",")}`] : []),
      ...(spec.extendedKeyUsage ? [`extendedKeyUsage=${spec.extendedKeyUsage}`] : []),
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "",
    ].join("\n"),
  );
  openssl(["req", "-new", ...subject, "-out", csrPath]);
  openssl([
    "x509",
    "-req",
    "-in",
    csrPath,
    "-CA",
    spec.ca.certPath,
    "-CAkey",
    spec.ca.keyPath,
    "-CAcreateserial",
    "-days",
    String(spec.days),
    "-extfile",
    extPath,
    "-out",
    certPath,
  ]);
  return { certPath, keyPath };
}

/** A CA and a certificate for the cluster `args` describes; `subject` names the CA so two sets differ. */
export function testCertificates(
  args: Pick<ResolvedArgs, "name" | "namespace" | "clusterDomain">,
  subject = "test",
): TlsMaterial<string> {
  return sharedCaCertificates(args, subject).cluster;
}

/**
 * A shared CA (a company CA, cert-manager's issuer) and two certificates it
 * signed for client and server use: the cluster's, and another workload's
 * ("intruder"), which the CA alone cannot tell from a member.
 */
export function sharedCaCertificates(
  args: Pick<ResolvedArgs, "name" | "namespace" | "clusterDomain">,
  subject = "test",
): { cluster: TlsMaterial<string>; intruder: TlsMaterial<string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mysql-cluster-tls-"));
  try {
    const days = 30;
    const extendedKeyUsage = "serverAuth,clientAuth";
    const ca = makeCertificate(dir, { name: "ca", cn: `${args.name} ${subject} CA`, key: "ec-p256", days });
    const cluster = makeCertificate(dir, {
      name: "tls",
      cn: `${args.name}.${args.namespace}.svc.${args.clusterDomain}`,
      key: "ec-p256",
      days,
      ca,
      sans: certificateDnsNames(args).map((n) => `DNS:${n}`),
      extendedKeyUsage,
    });
    const intruder = makeCertificate(dir, {
      name: "other",
      cn: "another-workload",
      key: "ec-p256",
      days,
      ca,
      extendedKeyUsage,
    });
    const read = (file: string) => fs.readFileSync(file, "utf8");
    return {
      cluster: { cert: read(cluster.certPath), key: read(cluster.keyPath), ca: read(ca.certPath) },
      intruder: { cert: read(intruder.certPath), key: read(intruder.keyPath), ca: read(ca.certPath) },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
