// The cluster's own CA and the certificate every pod presents, generated with
// @pulumi/tls so they live (encrypted) in the stack's state. The certificate
// covers every pod's and the read Service's DNS names, and serves as both
// server and client certificate (the backup stream is mutual TLS).

import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ResolvedArgs } from "./args";
import { TlsMaterial } from "./builders/tls-secret";
import { certificateDnsNames } from "./names";

const YEAR_HOURS = 24 * 365;

export function generateCertificates(args: ResolvedArgs, parent: pulumi.Resource): TlsMaterial<pulumi.Output<string>> {
  const opts = { parent };
  const caKey = new tls.PrivateKey(`${args.name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
  const ca = new tls.SelfSignedCert(
    `${args.name}-ca`,
    {
      privateKeyPem: caKey.privateKeyPem,
      subject: { commonName: `${args.name} cluster CA`, organization: "mysql-cluster" },
      isCaCertificate: true,
      validityPeriodHours: 10 * YEAR_HOURS,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    },
    opts,
  );
  const serverKey = new tls.PrivateKey(`${args.name}-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
  const request = new tls.CertRequest(
    `${args.name}-tls-request`,
    {
      privateKeyPem: serverKey.privateKeyPem,
      subject: {
        commonName: `${args.name}.${args.namespace}.svc.${args.clusterDomain}`,
        organization: "mysql-cluster",
      },
      dnsNames: certificateDnsNames(args),
    },
    opts,
  );
  const cert = new tls.LocallySignedCert(
    `${args.name}-tls`,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: 2 * YEAR_HOURS,
      // `pulumi up` within 30 days of expiry issues a new one; pods pick it up on their next restart.
      earlyRenewalHours: 30 * 24,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    },
    opts,
  );
  return {
    cert: cert.certPem,
    key: pulumi.secret(serverKey.privateKeyPem),
    // Certificates are public; only the key is a secret.
    ca: ca.certPem,
  };
}
