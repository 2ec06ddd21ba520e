// Certificates for the local API server, made with the openssl CLI the way
// kubeadm lays them out: a self-signed CA "kubernetes" and a serving
// certificate with CN kube-apiserver whose SANs are the in-cluster names of the
// API Service plus the listen IP (kubeadm: cmd/kubeadm/app/phases/certs,
// KubeadmCertAPIServer; docs: kubernetes.io/docs/setup/best-practices/certificates/).
// Keys stay in a private temporary directory that the server removes on close.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const execFileP = promisify(execFile);

/** The DNS names a pod may use for the API Service (kubeadm's apiserver certificate SANs). */
export const API_SERVER_DNS_NAMES = [
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];

export interface CaFiles {
  certPath: string;
  keyPath: string;
}

async function openssl(args: string[]): Promise<void> {
  await execFileP("openssl", args, { env: { PATH: "/usr/bin:/bin:/usr/local/bin" } });
}

/** A self-signed CA (CN `cn`) in `dir`, as `<name>.crt` / `<name>.key`. */
export async function generateCa(dir: string, name = "ca", cn = "kubernetes"): Promise<CaFiles> {
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,digitalSignature,keyEncipherment",
  ]);
  fs.chmodSync(keyPath, 0o600);
  return { certPath, keyPath };
}

/** A serving certificate signed by `ca` for the API Service names and `ip`. */
export async function generateServingCert(
  dir: string,
  ca: CaFiles,
  ip: string,
): Promise<{ certPath: string; keyPath: string }> {
  const keyPath = path.join(dir, "apiserver.key");
  const csrPath = path.join(dir, "apiserver.csr");
  const certPath = path.join(dir, "apiserver.crt");
  const extPath = path.join(dir, "apiserver.ext");
  const sans = [...API_SERVER_DNS_NAMES.map((n) => `DNS:${n}`), `IP:${ip}`].join(",");
  fs.writeFileSync(
    extPath,
    `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
  );
  await openssl([
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    csrPath,
    "-subj",
    "/CN=kube-apiserver",
  ]);
  fs.chmodSync(keyPath, 0o600);
  await openssl([
    "x509",
    "-req",
    "-in",
    csrPath,
    "-CA",
    ca.certPath,
    "-CAkey",
    ca.keyPath,
    "-CAcreateserial",
    "-out",
    certPath,
    "-days",
    "2",
    "-extfile",
    extPath,
  ]);
  return { certPath, keyPath };
}
