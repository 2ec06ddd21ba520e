// Certificates for the local API server, laid out the way kubeadm lays them out:
// a self-signed CA "kubernetes" and a serving certificate with CN kube-apiserver
// whose SANs are the in-cluster names of the API Service plus the listen IP
// (kubeadm: cmd/kubeadm/app/phases/certs, KubeadmCertAPIServer; docs:
// kubernetes.io/docs/setup/best-practices/certificates/), both RSA 2048 as
// kubeadm's are. Made by local/tls.ts's one certificate maker; keys stay in a
// private temporary directory that the server removes on close.
import { CertificateFiles, makeCertificate } from "../tls";

/** The DNS names a pod may use for the API Service (kubeadm's apiserver certificate SANs). */
export const API_SERVER_DNS_NAMES = [
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];

export type CaFiles = CertificateFiles;

/** Short-lived: a local API server lives as long as its cluster. */
const DAYS = 2;

/** A self-signed CA (CN `cn`) in `dir`, as `<name>.crt` / `<name>.key`. */
export async function generateCa(dir: string, name = "ca", cn = "kubernetes"): Promise<CaFiles> {
  return makeCertificate(dir, { name, cn, key: "rsa-2048", days: DAYS });
}

/** A serving certificate signed by `ca` for the API Service names and `ip`. */
export async function generateServingCert(dir: string, ca: CaFiles, ip: string): Promise<CertificateFiles> {
  return makeCertificate(dir, {
    name: "apiserver",
    cn: "kube-apiserver",
    key: "rsa-2048",
    days: DAYS,
    ca,
    sans: [...API_SERVER_DNS_NAMES.map((n) => `DNS:${n}`), `IP:${ip}`],
    extendedKeyUsage: "serverAuth",
  });
}
