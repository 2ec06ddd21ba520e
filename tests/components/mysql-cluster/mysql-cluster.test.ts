// MySqlCluster under Pulumi mocks: which resources it registers, how they
// refer to each other (names, labels, volumes, scripts, secret keys), what it
// outputs, and that passwords only ever travel through the Secret.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { MySqlClusterArgs } from "../../../components/mysql-cluster";
import { containsSecret, installMocks, isSecret, MockRecorder, mockPassword, RecordedResource, settle, valueOf } from "../pulumi-mocks";

type Cluster = import("../../../components/mysql-cluster").MySqlCluster;
type AnyObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SCRIPTS_DIR = path.join(__dirname, "../../../components/mysql-cluster/scripts");

const T = {
  component: "mysql-cluster:index:MySqlCluster",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  service: "kubernetes:core/v1:Service",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  password: "random:index/randomPassword:RandomPassword",
  pvcPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
  guard: "pulumi-nodejs:dynamic:Resource",
};

/** The constants lib.sh declares as `readonly NAME=value`, with $VAR references expanded. */
function libShConstants(): Record<string, string> {
  const text = fs.readFileSync(path.join(SCRIPTS_DIR, "lib.sh"), "utf8");
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^readonly ([A-Z_]+)=(\S+)/gm)) {
    values[match[1]] = match[2].replace(/\$\{?([A-Z_]+)\}?/g, (_, v: string) => values[v] ?? "");
  }
  return values;
}

function allContainers(sts: AnyObject): AnyObject[] {
  const pod = sts.spec.template.spec;
  return [...(pod.initContainers ?? []), ...pod.containers];
}

describe("MySqlCluster component (Pulumi mocks)", function () {
  let mocks: MockRecorder;
  let MySqlCluster: typeof import("../../../components/mysql-cluster").MySqlCluster;

  before(async function () {
    mocks = await installMocks();
    // Imported only once the mocks are in place.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ MySqlCluster } = require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster"));
  });

  /** Builds a cluster from scratch and waits until every resource reached the mocks. */
  async function deploy(name: string, args: MySqlClusterArgs = {}): Promise<Cluster> {
    mocks.reset();
    const cluster = new MySqlCluster(name, args);
    await valueOf(cluster.urn);
    await Promise.all([valueOf(cluster.writeEndpoint), valueOf(cluster.readEndpoint), valueOf(cluster.secretName)]);
    await settle();
    return cluster;
  }

  const inputs = (r: RecordedResource) => r.inputs as AnyObject;
  const statefulSet = () => inputs(mocks.one(T.statefulSet));
  const configMap = () => inputs(mocks.one(T.configMap));
  const services = () => mocks.ofType(T.service).map(inputs);
  const headless = () => services().find((s) => s.spec.clusterIP === "None")!;
  const readService = () => services().find((s) => s.spec.clusterIP !== "None")!;

  describe("with generated passwords and an application user", function () {
    let cluster: Cluster;
    before(async function () {
      cluster = await deploy("shopdb", { namespace: "shop", replicas: 3, appDatabase: "shop", appUser: "shop" });
    });

    it("registers the Secret, ConfigMap, two Services, StatefulSet, passwords, a PVC patch per pod and the settings guard", function () {
      assert.strictEqual(mocks.ofType(T.secret).length, 1);
      assert.strictEqual(mocks.ofType(T.configMap).length, 1);
      assert.strictEqual(mocks.ofType(T.service).length, 2);
      assert.strictEqual(mocks.ofType(T.statefulSet).length, 1);
      assert.deepStrictEqual(
        mocks.ofType(T.password).map((r) => r.name).sort(),
        ["shopdb-app-password", "shopdb-backup-password", "shopdb-monitor-password", "shopdb-replication-password", "shopdb-root-password"],
      );
      assert.deepStrictEqual(mocks.ofType(T.pvcPatch).map((r) => r.name).sort(), ["shopdb-data-0", "shopdb-data-1", "shopdb-data-2"]);
      assert.deepStrictEqual(mocks.ofType(T.guard).map((r) => r.name), ["shopdb-settings-guard"]);
    });

    it("parents every resource to the component", async function () {
      const componentUrn = await valueOf(cluster.urn);
      const children = mocks.resources.filter((r) => r.type !== T.component);
      assert.strictEqual(children.length, 1 + 1 + 2 + 1 + 5 + 3 + 1);
      for (const child of children) assert.strictEqual(child.parent, componentUrn, `${child.type} ${child.name} is not parented to the component`);
    });

    it("names every Kubernetes object deterministically from the cluster name", function () {
      assert.strictEqual(inputs(mocks.one(T.secret)).metadata.name, "shopdb-credentials");
      assert.strictEqual(statefulSet().metadata.name, "shopdb");
      assert.strictEqual(headless().metadata.name, "shopdb");
      assert.strictEqual(readService().metadata.name, "shopdb-read");
      assert.match(configMap().metadata.name, /^shopdb-config-[0-9a-f]{10}$/);
      for (const r of mocks.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
        assert.strictEqual(inputs(r).metadata.namespace, "shop", `${r.type} ${r.name} namespace`);
      }
    });

    it("renders the same names again for the same settings", async function () {
      const first = mocks.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => `${r.type}/${inputs(r).metadata.name}`).sort();
      await deploy("shopdb", { namespace: "shop", replicas: 3, appDatabase: "shop", appUser: "shop" });
      const second = mocks.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => `${r.type}/${inputs(r).metadata.name}`).sort();
      assert.deepStrictEqual(second, first);
    });

    it("patches each pod's claim data-<sts>-<ordinal> to the storage size and keeps the patches on delete", function () {
      const patches = mocks.ofType(T.pvcPatch).sort((a, b) => a.name.localeCompare(b.name));
      assert.deepStrictEqual(patches.map((p) => inputs(p).metadata.name), ["data-shopdb-0", "data-shopdb-1", "data-shopdb-2"]);
      const claimTemplate = statefulSet().spec.volumeClaimTemplates[0].metadata.name;
      for (const p of patches) {
        assert.ok(inputs(p).metadata.name.startsWith(`${claimTemplate}-shopdb-`));
        assert.strictEqual(inputs(p).spec.resources.requests.storage, "10Gi");
        assert.strictEqual(p.retainOnDelete, true, `${p.name} retainOnDelete`);
      }
    });

    it("selects its pods with a subset of the pod template labels", function () {
      const sts = statefulSet();
      const podLabels: Record<string, string> = sts.spec.template.metadata.labels;
      const selector: Record<string, string> = sts.spec.selector.matchLabels;
      assert.ok(Object.keys(selector).length > 0);
      for (const [k, v] of Object.entries(selector)) assert.strictEqual(podLabels[k], v, `selector ${k}`);
    });

    it("has both Services select the StatefulSet's pods", function () {
      const podLabels: Record<string, string> = statefulSet().spec.template.metadata.labels;
      for (const svc of services()) {
        assert.ok(Object.keys(svc.spec.selector).length > 0, `${svc.metadata.name} selects something`);
        for (const [k, v] of Object.entries<string>(svc.spec.selector)) assert.strictEqual(podLabels[k], v, `${svc.metadata.name} selector ${k}`);
      }
    });

    it("uses the headless Service as the StatefulSet's serviceName and publishes not-ready pods", function () {
      assert.strictEqual(headless().metadata.name, statefulSet().spec.serviceName);
      assert.strictEqual(headless().spec.publishNotReadyAddresses, true);
      assert.strictEqual(readService().spec.publishNotReadyAddresses ?? false, false);
    });

    it("targets named container ports that exist from both Services", function () {
      const portNames = new Set(allContainers(statefulSet()).flatMap((c) => (c.ports ?? []).map((p: AnyObject) => p.name)));
      for (const svc of services()) {
        for (const port of svc.spec.ports) assert.ok(portNames.has(port.targetPort), `${svc.metadata.name} targets port ${port.targetPort}`);
      }
    });

    it("mounts only volumes it defines, at the paths lib.sh uses", function () {
      const sts = statefulSet();
      const defined = new Set<string>([
        ...sts.spec.template.spec.volumes.map((v: AnyObject) => v.name),
        ...sts.spec.volumeClaimTemplates.map((v: AnyObject) => v.metadata.name),
      ]);
      const mountPaths = new Map<string, string>();
      for (const container of allContainers(sts)) {
        for (const mount of container.volumeMounts ?? []) {
          assert.ok(defined.has(mount.name), `${container.name} mounts undefined volume ${mount.name}`);
          mountPaths.set(mount.name, mount.mountPath);
        }
      }
      const lib = libShConstants();
      assert.strictEqual(lib.DATA_ROOT, "/var/lib/mysql");
      assert.strictEqual(mountPaths.get(sts.spec.volumeClaimTemplates[0].metadata.name), lib.DATA_ROOT);
      assert.strictEqual(path.posix.dirname(lib.SOCKET), "/run/mysqld");
      assert.strictEqual(mountPaths.get("run"), path.posix.dirname(lib.SOCKET));
      assert.strictEqual(path.posix.dirname(lib.CONF), "/etc/mysql-cluster");
      assert.strictEqual(mountPaths.get("conf"), path.posix.dirname(lib.CONF));
      assert.strictEqual(lib.SCRIPTS, "/scripts");
      assert.strictEqual(mountPaths.get("scripts"), lib.SCRIPTS);
    });

    it("points the scripts volume at the ConfigMap it creates", function () {
      const volume = statefulSet().spec.template.spec.volumes.find((v: AnyObject) => v.name === "scripts");
      assert.strictEqual(volume.configMap.name, configMap().metadata.name);
    });

    it("configures the server with the data directory and socket lib.sh uses", function () {
      const lib = libShConstants();
      const cnf: string = configMap().data["server.cnf"];
      assert.match(cnf, new RegExp(`^datadir = ${lib.DATADIR}$`, "m"));
      assert.match(cnf, new RegExp(`^socket = ${lib.SOCKET}$`, "m"));
    });

    it("ships every script a container or probe runs, and the three server configuration files, in the ConfigMap", function () {
      const data: Record<string, string> = configMap().data;
      const referenced = new Set<string>();
      for (const container of allContainers(statefulSet())) {
        const commands = [container.command, ...["startupProbe", "livenessProbe", "readinessProbe"].map((p) => container[p]?.exec?.command)];
        for (const command of commands.filter(Boolean) as string[][]) {
          for (const word of command) {
            const match = /^\/scripts\/(.+)$/.exec(word);
            if (match) referenced.add(match[1]);
          }
        }
      }
      assert.ok(referenced.size >= 6, `scripts referenced: ${[...referenced].join(", ")}`);
      for (const file of referenced) assert.ok(file in data, `${file} is run but not in the ConfigMap`);
      // Scripts the scripts run or source are there too.
      for (const [file, text] of Object.entries(data).filter(([f]) => f.endsWith(".sh"))) {
        for (const match of text.matchAll(/\$SCRIPTS\/([\w.-]+\.(?:sh|cnf))/g)) assert.ok(match[1] in data, `${file} uses ${match[1]}`);
      }
      for (const cnf of ["server.cnf", "primary.cnf", "replica.cnf"]) assert.ok(cnf in data, `${cnf} missing`);
      for (const file of fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh"))) {
        assert.strictEqual(data[file], fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8"), `${file} differs from the source file`);
      }
    });

    it("refers only to the Secret it creates, and only to keys that Secret holds", function () {
      const secret = inputs(mocks.one(T.secret));
      const keys = Object.keys(secret.stringData);
      const refs = allContainers(statefulSet()).flatMap((c) => (c.env ?? []).filter((e: AnyObject) => e.valueFrom?.secretKeyRef).map((e: AnyObject) => e.valueFrom.secretKeyRef));
      assert.ok(refs.length > 0);
      for (const ref of refs) {
        assert.strictEqual(ref.name, secret.metadata.name);
        assert.ok(keys.includes(ref.key), `secret key ${ref.key} is not in the Secret (${keys.join(", ")})`);
      }
    });

    it("fills the Secret with the generated passwords, sent as a Pulumi secret", function () {
      const secret = mocks.one(T.secret);
      assert.deepStrictEqual(inputs(secret).stringData, {
        "root-password": mockPassword("shopdb-root-password"),
        "replication-password": mockPassword("shopdb-replication-password"),
        "backup-password": mockPassword("shopdb-backup-password"),
        "monitor-password": mockPassword("shopdb-monitor-password"),
        "app-password": mockPassword("shopdb-app-password"),
      });
      assert.ok(containsSecret(secret.rawInputs.stringData), "stringData is not marked secret");
    });

    it("generates 32-character passwords of letters and digits", function () {
      for (const r of mocks.ofType(T.password)) {
        assert.strictEqual(inputs(r).length, 32);
        assert.strictEqual(inputs(r).special, false);
      }
    });

    it("puts no password value into the ConfigMap, StatefulSet or Services", function () {
      const passwords = mocks.ofType(T.password).map((r) => mockPassword(r.name));
      for (const r of [...mocks.ofType(T.configMap), ...mocks.ofType(T.statefulSet), ...mocks.ofType(T.service), ...mocks.ofType(T.pvcPatch), ...mocks.ofType(T.guard)]) {
        const text = JSON.stringify(r.inputs);
        for (const pw of passwords) assert.ok(!text.includes(pw), `${r.type} ${r.name} contains ${pw}`);
        assert.ok(!/pw-/.test(text), `${r.type} ${r.name} contains a password`);
      }
    });

    it("probes by running /scripts/probe.sh, with no password on the command line", function () {
      const mysql = statefulSet().spec.template.spec.containers.find((c: AnyObject) => c.name === "mysql");
      for (const [probe, mode] of [["startupProbe", "startup"], ["livenessProbe", "liveness"], ["readinessProbe", "readiness"]]) {
        const p = mysql[probe];
        assert.ok(p?.exec, `${probe} is not an exec probe`);
        assert.ok(!p.httpGet && !p.tcpSocket, `${probe} is not exec-only`);
        assert.deepStrictEqual(p.exec.command, ["bash", "/scripts/probe.sh", mode]);
        assert.ok(!/pw-|password/i.test(JSON.stringify(p)), `${probe} mentions a password`);
      }
    });

    it("outputs the primary's pod DNS name as writeEndpoint and the read Service's as readEndpoint, on port 3306", async function () {
      assert.strictEqual(await valueOf(cluster.writeEndpoint), "shopdb-0.shopdb.shop.svc.cluster.local");
      assert.strictEqual(await valueOf(cluster.readEndpoint), "shopdb-read.shop.svc.cluster.local");
      assert.strictEqual(await valueOf(cluster.port), 3306);
      assert.strictEqual(await valueOf(cluster.secretName), "shopdb-credentials");
      assert.strictEqual(await valueOf(cluster.namespace), "shop");
      assert.strictEqual(await valueOf(cluster.appDatabase), "shop");
      assert.strictEqual(await valueOf(cluster.appUser), "shop");
    });

    it("outputs the app and root passwords as Pulumi secrets", async function () {
      assert.strictEqual(await isSecret(cluster.appPassword), true);
      assert.strictEqual(await isSecret(cluster.rootPassword), true);
      assert.strictEqual(await valueOf(cluster.appPassword), mockPassword("shopdb-app-password"));
      assert.strictEqual(await valueOf(cluster.rootPassword), mockPassword("shopdb-root-password"));
      assert.strictEqual(await isSecret(cluster.writeEndpoint), false);
    });

    it("ignores changes to volumeClaimTemplates so a size change never replaces the StatefulSet", function () {
      assert.deepStrictEqual(mocks.one(T.statefulSet).ignoreChanges, ["spec.volumeClaimTemplates"]);
    });

    it("creates the StatefulSet after its ConfigMap, headless Service and Secret", function () {
      const deps = mocks.one(T.statefulSet).dependencies;
      for (const type of [T.configMap, T.secret]) assert.ok(deps.includes(mocks.one(type).urn), `StatefulSet does not depend on ${type}`);
      assert.ok(deps.includes(mocks.ofType(T.service).find((s) => inputs(s).spec.clusterIP === "None")!.urn), "StatefulSet does not depend on the headless Service");
    });

    it("hands the settings that cannot change in place to the settings guard", function () {
      const guard = inputs(mocks.one(T.guard));
      assert.deepStrictEqual(
        { flavor: guard.flavor, storageClass: guard.storageClass, storageAccessMode: guard.storageAccessMode, storageSize: guard.storageSize, existingSecret: guard.existingSecret, namespace: guard.namespace },
        { flavor: "mysql", storageClass: "", storageAccessMode: "ReadWriteOnce", storageSize: "10Gi", existingSecret: "", namespace: "shop" },
      );
    });
  });

  describe("without an application user", function () {
    let cluster: Cluster;
    before(async function () {
      cluster = await deploy("plain", { replicas: 1 });
    });

    it("generates no app password and leaves the app outputs undefined", async function () {
      assert.ok(!mocks.ofType(T.password).some((r) => r.name.endsWith("app-password")));
      assert.ok(!("app-password" in inputs(mocks.one(T.secret)).stringData));
      assert.strictEqual(await valueOf(cluster.appUser), undefined);
      assert.strictEqual(await valueOf(cluster.appPassword), undefined);
      assert.ok(!JSON.stringify(statefulSet()).includes("APP_PASSWORD"));
    });

    it("patches a single claim for a single pod and uses the default namespace", async function () {
      assert.deepStrictEqual(mocks.ofType(T.pvcPatch).map((p) => inputs(p).metadata.name), ["data-plain-0"]);
      assert.strictEqual(await valueOf(cluster.writeEndpoint), "plain-0.plain.default.svc.cluster.local");
    });
  });

  describe("with an existingSecret", function () {
    let cluster: Cluster;
    before(async function () {
      cluster = await deploy("ext", { existingSecret: "my-db-passwords", appDatabase: "app", appUser: "app", clusterDomain: "k8s.example" });
    });

    it("creates no Secret and generates no password", function () {
      assert.strictEqual(mocks.ofType(T.secret).length, 0);
      assert.strictEqual(mocks.ofType(T.password).length, 0);
    });

    it("reads every password from the existing Secret", function () {
      const refs = allContainers(statefulSet()).flatMap((c) => (c.env ?? []).filter((e: AnyObject) => e.valueFrom?.secretKeyRef).map((e: AnyObject) => e.valueFrom.secretKeyRef));
      assert.ok(refs.length > 0);
      for (const ref of refs) assert.strictEqual(ref.name, "my-db-passwords");
      assert.ok(refs.some((r: AnyObject) => r.key === "app-password"));
    });

    it("outputs the existing Secret's name, no password values, and endpoints in the configured domain", async function () {
      assert.strictEqual(await valueOf(cluster.secretName), "my-db-passwords");
      assert.strictEqual(await valueOf(cluster.appPassword), undefined);
      assert.strictEqual(await valueOf(cluster.rootPassword), undefined);
      assert.strictEqual(await valueOf(cluster.writeEndpoint), "ext-0.ext.default.svc.k8s.example");
      assert.strictEqual(await valueOf(cluster.readEndpoint), "ext-read.default.svc.k8s.example");
    });

    it("tells the settings guard about the existing Secret", function () {
      assert.strictEqual(inputs(mocks.one(T.guard)).existingSecret, "my-db-passwords");
    });
  });

  describe("when the ConfigMap's content changes", function () {
    it("renames the ConfigMap (content hash) and points the StatefulSet at the new name", async function () {
      await deploy("hashy", { memoryLimit: "2Gi" });
      const before = configMap().metadata.name;
      const beforeVolume = statefulSet().spec.template.spec.volumes.find((v: AnyObject) => v.name === "scripts").configMap.name;
      await deploy("hashy", { memoryLimit: "4Gi" });
      const after = configMap().metadata.name;
      const afterVolume = statefulSet().spec.template.spec.volumes.find((v: AnyObject) => v.name === "scripts").configMap.name;
      assert.notStrictEqual(after, before);
      assert.strictEqual(beforeVolume, before);
      assert.strictEqual(afterVolume, after);
      assert.match(configMap().data["server.cnf"], /^innodb_buffer_pool_size = 2147483648$/m);
    });

    it("keeps the ConfigMap name when only the replica count changes", async function () {
      await deploy("stable", { replicas: 2 });
      const before = configMap().metadata.name;
      await deploy("stable", { replicas: 5 });
      assert.strictEqual(configMap().metadata.name, before);
      assert.strictEqual(statefulSet().spec.replicas, 5);
      assert.strictEqual(mocks.ofType(T.pvcPatch).length, 5);
    });
  });

  describe("with invalid settings", function () {
    it("throws a MySqlClusterConfigError naming the setting and registers no child resource", async function () {
      mocks.reset();
      assert.throws(() => new MySqlCluster("bad", { replicas: 0 }), (e: Error) => e.name === "MySqlClusterConfigError" && /setting "replicas"/.test(e.message));
      await settle();
      assert.deepStrictEqual(mocks.resources.filter((r) => r.type !== T.component).map((r) => `${r.type}/${r.name}`), []);
    });

    // Validation runs before super(), so not even the component reaches the engine.
    it("registers nothing at all, not even the component, for invalid settings", async function () {
      mocks.reset();
      assert.throws(() => new MySqlCluster("bad", { storageSize: "abc", flavor: "postgres" as never }), /setting "storageSize"/);
      await settle();
      assert.deepStrictEqual(mocks.resources.map((r) => `${r.type}/${r.name}`), []);
    });
  });
});
