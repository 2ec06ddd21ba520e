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

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
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
    openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
    openssl(dir, [
      "req",
      "-x509",
      "-new",
      "-key",
      "ca.key",
      "-subj",
      `/CN=${args.name} ${subject} CA`,
      "-days",
      "30",
      "-out",
      "ca.crt",
    ]);
    openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tls.key"]);
    openssl(dir, [
      "req",
      "-new",
      "-key",
      "tls.key",
      "-subj",
      `/CN=${args.name}.${args.namespace}.svc.${args.clusterDomain}`,
      "-out",
      "tls.csr",
    ]);
    fs.writeFileSync(
      path.join(dir, "ext.cnf"),
      [
        `subjectAltName=${certificateDnsNames(args)
          .map((n) => `DNS:${n}`)
          .join(",")}`,
        "extendedKeyUsage=serverAuth,clientAuth",
        "keyUsage=digitalSignature,keyEncipherment",
        "",
      ].join("\n"),
    );
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      "tls.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "30",
      "-extfile",
      "ext.cnf",
      "-out",
      "tls.crt",
    ]);
    // PKCS#8, as @pulumi/tls writes it and the servers expect.
    openssl(dir, ["pkcs8", "-topk8", "-nocrypt", "-in", "tls.key", "-out", "tls.pk8"]);
    openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "other.key"]);
    openssl(dir, ["req", "-new", "-key", "other.key", "-subj", "/CN=another-workload", "-out", "other.csr"]);
    fs.writeFileSync(
      path.join(dir, "other.cnf"),
      "extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n",
    );
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      "other.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "30",
      "-extfile",
      "other.cnf",
      "-out",
      "other.crt",
    ]);
    openssl(dir, ["pkcs8", "-topk8", "-nocrypt", "-in", "other.key", "-out", "other.pk8"]);
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    return {
      cluster: { cert: read("tls.crt"), key: read("tls.pk8"), ca: read("ca.crt") },
      intruder: { cert: read("other.crt"), key: read("other.pk8"), ca: read("ca.crt") },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
