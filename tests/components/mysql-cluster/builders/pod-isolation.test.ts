// What each container of a database pod can read (issue 14, holes 5 and 7):
// root's option file on a memory-backed volume only init-data and the sidecar
// mount; the exporter's login on one shared only by its writers and the
// exporter; clone-data with only the Secret keys it reads; the service-account
// token (the failover agent's) in the sidecar alone, in no other container and
// not in the backup Job; and the exporter reachable only through the sidecar's
// GET-/metrics-only port.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { MySqlClusterArgs, resolveArgs } from "../../../../components/mysql-cluster/args";
import { buildBackupCronJob } from "../../../../components/mysql-cluster/builders/backup";
import { MOUNTS } from "../../../../components/mysql-cluster/builders/pod-parts";
import { buildStatefulSet } from "../../../../components/mysql-cluster/builders/statefulset";
import { clusterNames } from "../../../../components/mysql-cluster/names";
import { AnyObject } from "../../../support/objects";
import { SCRIPTS_DIR } from "../../../support/paths";
import { libValues } from "../../../support/sandbox";

const LIB = fs.readFileSync(path.join(SCRIPTS_DIR, "lib.sh"), "utf8");

function pod(args: MySqlClusterArgs = {}): AnyObject {
  const resolved = resolveArgs("db", args);
  return (buildStatefulSet(resolved, clusterNames(resolved), "db-config-0123456789") as AnyObject).spec.template.spec;
}
const containers = (spec: AnyObject): AnyObject[] => [...spec.initContainers, ...spec.containers];
const mounting = (spec: AnyObject, volume: string) =>
  containers(spec)
    .filter((c) => (c.volumeMounts ?? []).some((m: AnyObject) => m.name === volume))
    .map((c) => c.name);
const libPath = (name: string) => libValues([name])[name];

describe("what each container of a database pod can read", function () {
  it("keeps root's option file (ROOT_CNF) on a memory-backed volume mounted only into init-data and the sidecar", function () {
    assert.strictEqual(libPath("PRIVATE_DIR"), MOUNTS.private);
    assert.strictEqual(libPath("ROOT_CNF"), `${MOUNTS.private}/root.cnf`);
    const spec = pod({ metrics: true });
    assert.deepStrictEqual(
      spec.volumes.find((v: AnyObject) => v.name === "private"),
      { name: "private", emptyDir: { medium: "Memory" } },
    );
    assert.deepStrictEqual(mounting(spec, "private"), ["init-data", "sidecar"]);
  });

  it("keeps the exporter's login on a memory-backed volume of init-data, the sidecar (its writers) and the exporter only", function () {
    assert.strictEqual(libPath("EXPORTER_DIR"), MOUNTS["exporter-login"]);
    assert.strictEqual(path.posix.dirname(libPath("EXPORTER_CNF")), libPath("EXPORTER_DIR"));
    const spec = pod({ metrics: true });
    assert.deepStrictEqual(
      spec.volumes.find((v: AnyObject) => v.name === "exporter-login"),
      { name: "exporter-login", emptyDir: { medium: "Memory" } },
    );
    assert.deepStrictEqual(mounting(spec, "exporter-login"), ["init-data", "sidecar", "exporter"]);
    assert.deepStrictEqual(mounting(pod({ metrics: false }), "exporter-login"), []);
  });

  it("keeps no password file on the volume the server container shares (run holds the socket and the verdict)", function () {
    for (const name of ["ROOT_CNF", "EXPORTER_CNF"])
      assert.ok(!libPath(name).startsWith(`${MOUNTS.run}/`), `${name} is on the run volume`);
    assert.doesNotMatch(LIB, /mktemp "\$RUN_DIR/, "a private option file is made on the shared run volume");
    const server = pod({ metrics: true }).containers.find((c: AnyObject) => c.name === "mysql");
    assert.deepStrictEqual(
      server.volumeMounts.map((m: AnyObject) => m.name).filter((n: string) => /secret|private|login/.test(n)),
      [],
    );
  });

  it("gives clone-data only the Secret keys it reads (monitor, backup), as its own projected volume", function () {
    const spec = pod();
    const clone = spec.initContainers.find((c: AnyObject) => c.name === "clone-data");
    const mount = clone.volumeMounts.find((m: AnyObject) => m.mountPath === MOUNTS.secrets);
    assert.deepStrictEqual(mount, { name: "clone-secrets", mountPath: "/etc/mysql-secrets", readOnly: true });
    const volume = spec.volumes.find((v: AnyObject) => v.name === "clone-secrets");
    assert.deepStrictEqual(
      volume.secret.items.map((i: AnyObject) => i.key),
      ["monitor-password", "backup-password"],
    );
    assert.ok(!clone.volumeMounts.some((m: AnyObject) => m.name === "secrets"), "clone-data mounts every password");
  });

  it("mounts the agents' service-account token into the sidecar only: no init container, server, exporter or backup Job has it", function () {
    for (const args of [{}, { metrics: false }, { failover: false }, { flavor: "mariadb" as const, replicas: 5 }]) {
      const where = JSON.stringify(args);
      const spec = pod(args);
      // No token where the kubelet would put one by default: it is mounted explicitly, below.
      assert.strictEqual(spec.automountServiceAccountToken, false, where);
      assert.strictEqual(spec.serviceAccountName, "db-agent", where);
      const tokenVolumes = (spec.volumes as AnyObject[])
        .filter((v) => (v.projected?.sources ?? []).some((s: AnyObject) => s.serviceAccountToken))
        .map((v) => v.name);
      assert.deepStrictEqual(tokenVolumes, ["api-credentials"], where);
      assert.deepStrictEqual(mounting(spec, "api-credentials"), ["sidecar"], where);
      const sidecar = spec.containers.find((c: AnyObject) => c.name === "sidecar");
      assert.deepStrictEqual(
        sidecar.volumeMounts.find((m: AnyObject) => m.name === "api-credentials"),
        { name: "api-credentials", mountPath: MOUNTS["api-credentials"], readOnly: true },
        where,
      );
      // Nor does any other container reach the token's directory through another volume.
      for (const c of containers(spec).filter((x) => x.name !== "sidecar"))
        for (const m of c.volumeMounts ?? [])
          assert.ok(!String(m.mountPath).startsWith(MOUNTS["api-credentials"]), `${c.name} ${m.mountPath} ${where}`);
    }
    const resolved = resolveArgs("db", { backupSchedule: "@daily" });
    const job = (buildBackupCronJob(resolved, clusterNames(resolved), "db-config-0123456789") as AnyObject).spec
      .jobTemplate.spec.template.spec;
    assert.strictEqual(job.automountServiceAccountToken, false);
    assert.strictEqual(job.serviceAccountName, undefined, "the backup Job runs as the agents' service account");
    assert.ok(!JSON.stringify(job).includes("serviceAccountToken"), "the backup Job mounts a token");
    assert.ok(!JSON.stringify(job).includes("api-credentials"), "the backup Job mounts the API credentials");
  });

  it("runs the exporter on the pod's loopback; the metrics port is the sidecar's", function () {
    const spec = pod({ metrics: true });
    const exporter = spec.containers.find((c: AnyObject) => c.name === "exporter");
    // lib.sh's reload_exporter and serve-metrics.sh reach the exporter at EXPORTER_LOCAL_PORT; the sidecar serves METRICS_PORT.
    assert.ok(
      exporter.command.includes(`--web.listen-address=127.0.0.1:${libPath("EXPORTER_LOCAL_PORT")}`),
      exporter.command.join(" "),
    );
    assert.strictEqual(exporter.ports, undefined);
    const sidecar = spec.containers.find((c: AnyObject) => c.name === "sidecar");
    assert.ok(
      sidecar.ports.some((p: AnyObject) => p.name === "metrics" && p.containerPort === Number(libPath("METRICS_PORT"))),
    );
  });
});
