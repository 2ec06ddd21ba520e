// The check `npm run local` and LocalCluster.up() make before starting
// anything: can this host stand in for every image the objects' pods run? A
// missing stand-in binary would otherwise only show up much later, as a pod
// failing with "command not found".
import { hostPackagesMissing } from "./images";
import { K8sObject, ObjectStore } from "./k8s";

/**
 * What this host lacks to stand in for the images the objects' pods (the
 * StatefulSet's and the CronJobs') run, as one message naming the Debian
 * packages to install; undefined when nothing is missing. `hostPath` is where
 * binaries are looked up (default: the runner's own PATH, sh.ts HOST_PATH).
 */
export function hostProblem(objects: K8sObject[], hostPath?: string): string | undefined {
  const store = new ObjectStore(objects);
  const specs = [
    ...store.ofKind("StatefulSet").map((s) => s.spec?.template?.spec),
    ...store.ofKind("CronJob").map((c) => c.spec?.jobTemplate?.spec?.template?.spec),
  ];
  const images = specs.flatMap((s) =>
    [...(s?.initContainers ?? []), ...(s?.containers ?? [])].map((c: K8sObject) => String(c.image ?? "")),
  );
  const missing = hostPackagesMissing(images, hostPath);
  if (!missing.length) return undefined;
  const pkgs = missing.map((m) => /^Debian package (\S+)/.exec(m)?.[1]).filter(Boolean);
  return (
    `this host cannot stand in for the pods' images; missing:\n  ${missing.join("\n  ")}` +
    (pkgs.length ? `\ninstall with: apt-get install -y ${pkgs.join(" ")}` : "")
  );
}
