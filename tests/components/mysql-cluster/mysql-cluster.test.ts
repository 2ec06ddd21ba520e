// MySqlCluster under Pulumi mocks: which resources it registers, how they
// refer to each other (names, labels, volumes, scripts, Secrets), the CA and
// certificate it generates, what it outputs, and that passwords and the TLS
// key only ever travel through their Secrets.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { MySqlClusterArgs } from "../../../components/mysql-cluster";
import { POD_NAME_LABEL } from "../../../components/mysql-cluster/builders/services";
import { FAILOVER_MARKS } from "../../../components/mysql-cluster/contract";
import {
  containsSecret,
  deployFresh,
  installMocks,
  isSecret,
  mockCertificate,
  MockRecorder,
  mockPassword,
  mockPrivateKey,
  RecordedResource,
  settle,
  valueOf,
} from "../../support/pulumi-mocks";
import { renderCluster } from "../../../components/mysql-cluster/render";
import { AnyObject } from "../../support/objects";
import { SCRIPTS_DIR } from "../../support/paths";
import { libValues } from "../../support/sandbox";

type Cluster = import("../../../components/mysql-cluster").MySqlCluster;

const T = {
  component: "mysql-cluster:index:MySqlCluster",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  service: "kubernetes:core/v1:Service",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  password: "random:index/randomPassword:RandomPassword",
  pvcPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  disruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
  serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  lease: "kubernetes:coordination.k8s.io/v1:Lease",
  guard: "pulumi-nodejs:dynamic:Resource",
  privateKey: "tls:index/privateKey:PrivateKey",
  selfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  certRequest: "tls:index/certRequest:CertRequest",
  locallySignedCert: "tls:index/locallySignedCert:LocallySignedCert",
};

const TLS_TYPES = [T.privateKey, T.selfSignedCert, T.certRequest, T.locallySignedCert];

/** The paths lib.sh and the contract.sh it sources give the scripts, as a pod script sees them. */
function libPaths(): Record<string, string> {
  return libValues(["DATA_ROOT", "DATADIR", "SOCKET", "CONF", "SCRIPTS", "TOPOLOGY_DIR", "SECRETS_DIR", "TLS_DIR"]);
}

function allContainers(sts: AnyObject): AnyObject[] {
  const pod = sts.spec.template.spec;
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** The pod's volumes backed by a Secret, by volume name. */
function secretVolumes(sts: AnyObject): Record<string, AnyObject> {
  const volumes: AnyObject[] = sts.spec.template.spec.volumes;
  return Object.fromEntries(volumes.filter((v) => v.secret).map((v) => [v.name, v.secret]));
}

/** Names of the containers that mount volume `volume`. */
function containersMounting(sts: AnyObject, volume: string): string[] {
  return allContainers(sts)
    .filter((c) => (c.volumeMounts ?? []).some((m: AnyObject) => m.name === volume))
    .map((c) => c.name);
}

/** Every secretKeyRef anywhere in an object. */
function secretKeyRefs(value: unknown): AnyObject[] {
  if (Array.isArray(value)) return value.flatMap(secretKeyRefs);
  if (value && typeof value === "object") {
    const record = value as AnyObject;
    return [...(record.secretKeyRef ? [record.secretKeyRef] : []), ...Object.values(record).flatMap(secretKeyRefs)];
  }
  return [];
}

describe("MySqlCluster component (Pulumi mocks)", function () {
  let mocks: MockRecorder;
  let MySqlCluster: typeof import("../../../components/mysql-cluster").MySqlCluster;

  before(async function () {
    mocks = await installMocks();
    // Imported only once the mocks are in place.
    ({ MySqlCluster } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster"));
  });

  /** Name of the cluster deploy() built last. */
  let deployed = "";

  /** Builds a cluster from scratch and waits until every resource reached the mocks. */
  async function deploy(name: string, args: MySqlClusterArgs = {}): Promise<Cluster> {
    deployed = name;
    return deployFresh(
      mocks,
      () => new MySqlCluster(name, args),
      (c) => [c.writeEndpoint, c.readEndpoint, c.secretName],
    );
  }

  const inputs = (r: RecordedResource) => r.inputs as AnyObject;
  const statefulSet = () => inputs(mocks.one(T.statefulSet));
  /** The ConfigMap of scripts and server configuration: "<name>-config-<hash>". */
  const configMapResource = () => {
    const found = mocks.ofType(T.configMap).filter((r) => inputs(r).metadata.name.startsWith(`${deployed}-config-`));
    assert.strictEqual(
      found.length,
      1,
      `scripts ConfigMaps of ${deployed}: ${found.map((r) => inputs(r).metadata.name).join(", ")}`,
    );
    return found[0];
  };
  const configMap = () => inputs(configMapResource());
  /** The ConfigMap naming the primary's ordinal: "<name>-topology". */
  const topologyResource = () => {
    const found = mocks.ofType(T.configMap).filter((r) => inputs(r).metadata.name === `${deployed}-topology`);
    assert.strictEqual(found.length, 1, `topology ConfigMaps of ${deployed}`);
    return found[0];
  };
  const topology = () => inputs(topologyResource());
  const services = () => mocks.ofType(T.service).map(inputs);
  const headless = () => services().find((s) => s.spec.clusterIP === "None")!;
  const readService = () => services().find((s) => s.metadata.name.endsWith("-read"))!;
  const writeService = () => services().find((s) => s.metadata.name.endsWith("-write"))!;
  const metricsService = () => services().find((s) => s.metadata.name.endsWith("-metrics"));
  const secretNamed = (name: string) => mocks.ofType(T.secret).find((r) => inputs(r).metadata.name === name);
  const credentialsSecret = (cluster = "shopdb") => secretNamed(`${cluster}-credentials`)!;
  const tlsSecret = (cluster = "shopdb") => secretNamed(`${cluster}-tls`)!;

  describe("with generated passwords and an application user", function () {
    let cluster: Cluster;
    before(async function () {
      cluster = await deploy("shopdb", { namespace: "shop", replicas: 3, appDatabase: "shop", appUser: "shop" });
    });

    it("registers the credentials and TLS Secrets, the scripts and topology ConfigMaps, four Services (headless, write, read, metrics), NetworkPolicy, PodDisruptionBudget, StatefulSet, passwords, CA and certificate, a PVC patch per pod and the settings guard, and no ServiceMonitor", function () {
      assert.deepStrictEqual(
        mocks
          .ofType(T.secret)
          .map((r) => inputs(r).metadata.name)
          .sort(),
        ["shopdb-credentials", "shopdb-tls"],
      );
      assert.strictEqual(mocks.ofType(T.networkPolicy).length, 1);
      assert.deepStrictEqual(
        mocks.ofType(T.disruptionBudget).map((r) => r.name),
        ["shopdb-disruption-budget"],
      );
      assert.deepStrictEqual(
        mocks.ofType(T.serviceMonitor).map((r) => r.name),
        [],
      );
      assert.deepStrictEqual(
        mocks
          .ofType(T.privateKey)
          .map((r) => r.name)
          .sort(),
        ["shopdb-ca-key", "shopdb-tls-key"],
      );
      assert.deepStrictEqual(
        mocks.ofType(T.selfSignedCert).map((r) => r.name),
        ["shopdb-ca"],
      );
      assert.deepStrictEqual(
        mocks.ofType(T.certRequest).map((r) => r.name),
        ["shopdb-tls-request"],
      );
      assert.deepStrictEqual(
        mocks.ofType(T.locallySignedCert).map((r) => r.name),
        ["shopdb-tls"],
      );
      assert.deepStrictEqual(
        mocks
          .ofType(T.configMap)
          .map((r) => inputs(r).metadata.name.replace(/-[0-9a-f]{10}$/, "-<hash>"))
          .sort(),
        ["shopdb-config-<hash>", "shopdb-topology"],
      );
      assert.deepStrictEqual(
        mocks
          .ofType(T.service)
          .map((r) => inputs(r).metadata.name)
          .sort(),
        ["shopdb", "shopdb-metrics", "shopdb-read", "shopdb-write"],
      );
      assert.strictEqual(mocks.ofType(T.statefulSet).length, 1);
      assert.deepStrictEqual(
        mocks
          .ofType(T.password)
          .map((r) => r.name)
          .sort(),
        [
          "shopdb-app-password",
          "shopdb-backup-password",
          "shopdb-exporter-password",
          "shopdb-monitor-password",
          "shopdb-replication-password",
          "shopdb-root-password",
        ],
      );
      assert.deepStrictEqual(
        mocks
          .ofType(T.pvcPatch)
          .map((r) => r.name)
          .sort(),
        ["shopdb-data-0", "shopdb-data-1", "shopdb-data-2"],
      );
      assert.deepStrictEqual(
        mocks.ofType(T.guard).map((r) => r.name),
        ["shopdb-settings-guard"],
      );
      // The failover agents' Lease and least privilege, under the Pulumi names existing stacks will hold.
      assert.deepStrictEqual(
        [T.serviceAccount, T.role, T.roleBinding, T.lease].map((type) =>
          mocks.ofType(type).map((r) => `${r.name} ${inputs(r).metadata.name}`),
        ),
        [
          ["shopdb-agent shopdb-agent"],
          ["shopdb-agent-role shopdb-agent"],
          ["shopdb-agent-role-binding shopdb-agent"],
          ["shopdb-lease shopdb-primary"],
        ],
      );
    });

    it("parents every resource to the component", async function () {
      const componentUrn = await valueOf(cluster.urn);
      const children = mocks.resources.filter((r) => r.type !== T.component);
      // One Kubernetes resource per render-list entry, and beside them 6 passwords, the guard, 2 keys, CA, request, certificate.
      const kubernetes = children.filter((r) => r.type.startsWith("kubernetes:"));
      assert.strictEqual(kubernetes.length, renderCluster(cluster.args).resources.length);
      assert.strictEqual(children.length - kubernetes.length, 6 + 1 + 5);
      for (const child of children)
        assert.strictEqual(child.parent, componentUrn, `${child.type} ${child.name} is not parented to the component`);
    });

    it("names every Kubernetes object deterministically from the cluster name", function () {
      assert.ok(credentialsSecret(), "no Secret shopdb-credentials");
      assert.ok(tlsSecret(), "no Secret shopdb-tls");
      assert.strictEqual(inputs(mocks.one(T.networkPolicy)).metadata.name, "shopdb");
      assert.strictEqual(statefulSet().metadata.name, "shopdb");
      assert.strictEqual(headless().metadata.name, "shopdb");
      assert.strictEqual(readService().metadata.name, "shopdb-read");
      assert.strictEqual(writeService().metadata.name, "shopdb-write");
      assert.strictEqual(metricsService()?.metadata.name, "shopdb-metrics");
      assert.strictEqual(inputs(mocks.one(T.disruptionBudget)).metadata.name, "shopdb");
      assert.match(configMap().metadata.name, /^shopdb-config-[0-9a-f]{10}$/);
      assert.strictEqual(topology().metadata.name, "shopdb-topology");
      for (const r of mocks.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
        assert.strictEqual(inputs(r).metadata.namespace, "shop", `${r.type} ${r.name} namespace`);
      }
    });

    it("renders the same names again for the same settings", async function () {
      const first = mocks.resources
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => `${r.type}/${inputs(r).metadata.name}`)
        .sort();
      await deploy("shopdb", { namespace: "shop", replicas: 3, appDatabase: "shop", appUser: "shop" });
      const second = mocks.resources
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => `${r.type}/${inputs(r).metadata.name}`)
        .sort();
      assert.deepStrictEqual(second, first);
    });

    it("patches each pod's claim data-<sts>-<ordinal> to the storage size and keeps the patches on delete", function () {
      const patches = mocks.ofType(T.pvcPatch).sort((a, b) => a.name.localeCompare(b.name));
      assert.deepStrictEqual(
        patches.map((p) => inputs(p).metadata.name),
        ["data-shopdb-0", "data-shopdb-1", "data-shopdb-2"],
      );
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

    it("has every Service (headless, write, read, metrics) select the StatefulSet's pods, the write Service also by the role label the primary's failover agent sets", function () {
      const podLabels: Record<string, string> = statefulSet().spec.template.metadata.labels;
      const selectorLabels: Record<string, string> = statefulSet().spec.selector.matchLabels;
      for (const svc of services()) {
        const { [FAILOVER_MARKS.roleLabel]: role, ...labels } = svc.spec.selector as Record<string, string>;
        assert.ok(Object.keys(labels).length > 0, `${svc.metadata.name} selects something`);
        for (const [k, v] of Object.entries<string>(labels))
          assert.strictEqual(podLabels[k], v, `${svc.metadata.name} selector ${k}`);
        assert.strictEqual(
          role !== undefined,
          svc.metadata.name === "shopdb-write",
          `${svc.metadata.name} selects by role: ${role}`,
        );
        assert.ok(!(POD_NAME_LABEL in svc.spec.selector), `${svc.metadata.name} selects by pod name`);
      }
      assert.deepStrictEqual(writeService().spec.selector, {
        ...selectorLabels,
        [FAILOVER_MARKS.roleLabel]: "primary",
      });
      // A new pod is in the write Service only once its agent labels it primary.
      assert.ok(!(FAILOVER_MARKS.roleLabel in podLabels));
    });

    it("uses the headless Service as the StatefulSet's serviceName and publishes not-ready pods", function () {
      assert.strictEqual(headless().metadata.name, statefulSet().spec.serviceName);
      assert.strictEqual(headless().spec.publishNotReadyAddresses, true);
      assert.strictEqual(readService().spec.publishNotReadyAddresses ?? false, false);
    });

    it("targets named container ports that exist from every Service", function () {
      const portNames = new Set(
        allContainers(statefulSet()).flatMap((c) => (c.ports ?? []).map((p: AnyObject) => p.name)),
      );
      for (const svc of services()) {
        for (const port of svc.spec.ports)
          assert.ok(portNames.has(port.targetPort), `${svc.metadata.name} targets port ${port.targetPort}`);
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
      const lib = libPaths();
      assert.strictEqual(mountPaths.get(sts.spec.volumeClaimTemplates[0].metadata.name), lib.DATA_ROOT);
      assert.strictEqual(mountPaths.get("run"), path.posix.dirname(lib.SOCKET));
      assert.strictEqual(mountPaths.get("conf"), path.posix.dirname(lib.CONF));
      assert.strictEqual(mountPaths.get("scripts"), lib.SCRIPTS);
      assert.strictEqual(mountPaths.get("topology"), lib.TOPOLOGY_DIR);
    });

    it("points the scripts volume at the ConfigMap it creates", function () {
      const volume = statefulSet().spec.template.spec.volumes.find((v: AnyObject) => v.name === "scripts");
      assert.strictEqual(volume.configMap.name, configMap().metadata.name);
    });

    it("configures the server with the data directory and socket lib.sh uses", function () {
      const lib = libPaths();
      const cnf: string = configMap().data["server.cnf"];
      assert.match(cnf, new RegExp(`^datadir = ${lib.DATADIR}$`, "m"));
      assert.match(cnf, new RegExp(`^socket = ${lib.SOCKET}$`, "m"));
    });

    it("ships every script a container or probe runs, and the server configuration files server.cnf and start-read-only.cnf, in the ConfigMap", function () {
      const data: Record<string, string> = configMap().data;
      const referenced = new Set<string>();
      for (const container of allContainers(statefulSet())) {
        const commands = [
          container.command,
          ...["startupProbe", "livenessProbe", "readinessProbe"].map((p) => container[p]?.exec?.command),
        ];
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
        for (const match of text.matchAll(/\$SCRIPTS\/([\w.-]+\.(?:sh|cnf))/g))
          assert.ok(match[1] in data, `${file} uses ${match[1]}`);
      }
      assert.deepStrictEqual(
        Object.keys(data)
          .filter((f) => f.endsWith(".cnf"))
          .sort(),
        ["server.cnf", "start-read-only.cnf"],
      );
      for (const file of fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh"))) {
        assert.strictEqual(
          data[file],
          fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8"),
          `${file} differs from the source file`,
        );
      }
    });

    it("mounts only the credentials and TLS Secrets it creates, as read-only files with mode 0440, and takes no value from a Secret by secretKeyRef", function () {
      const sts = statefulSet();
      assert.deepStrictEqual(secretVolumes(sts), {
        secrets: { secretName: inputs(credentialsSecret()).metadata.name, defaultMode: 0o440 },
        // clone-data's own projection: only the keys it reads.
        "clone-secrets": {
          secretName: inputs(credentialsSecret()).metadata.name,
          defaultMode: 0o440,
          items: [
            { key: "monitor-password", path: "monitor-password" },
            { key: "backup-password", path: "backup-password" },
          ],
          optional: true,
        },
        tls: { secretName: inputs(tlsSecret()).metadata.name, defaultMode: 0o440 },
      });
      for (const container of allContainers(sts)) {
        for (const mount of (container.volumeMounts ?? []).filter((m: AnyObject) => m.name in secretVolumes(sts))) {
          assert.strictEqual(mount.readOnly, true, `${container.name} mounts ${mount.name} writable`);
        }
      }
      assert.deepStrictEqual(secretKeyRefs(sts), []);
    });

    it("mounts the passwords in clone-data, init-data and the sidecar only, never in the server container", function () {
      const sts = statefulSet();
      assert.deepStrictEqual(containersMounting(sts, "secrets").sort(), ["init-data", "sidecar"]);
      assert.deepStrictEqual(containersMounting(sts, "clone-secrets"), ["clone-data"]);
      assert.ok(!containersMounting(sts, "secrets").includes("mysql"));
      const lib = libPaths();
      const mount = allContainers(sts)
        .flatMap((c) => c.volumeMounts ?? [])
        .find((m: AnyObject) => m.name === "secrets");
      assert.strictEqual(mount.mountPath, lib.SECRETS_DIR);
    });

    it("mounts the TLS Secret in clone-data, init-data, the server and the sidecar, where lib.sh and server.cnf look for it", function () {
      const sts = statefulSet();
      assert.deepStrictEqual(containersMounting(sts, "tls").sort(), ["clone-data", "init-data", "mysql", "sidecar"]);
      const lib = libPaths();
      const mount = allContainers(sts)
        .flatMap((c) => c.volumeMounts ?? [])
        .find((m: AnyObject) => m.name === "tls");
      assert.strictEqual(mount.mountPath, lib.TLS_DIR);
      const cnf: string = configMap().data["server.cnf"];
      assert.match(cnf, new RegExp(`^ssl_cert = ${lib.TLS_DIR}/tls.crt$`, "m"));
      assert.match(cnf, new RegExp(`^ssl_key = ${lib.TLS_DIR}/tls.key$`, "m"));
      assert.match(cnf, new RegExp(`^ssl_ca = ${lib.TLS_DIR}/ca.crt$`, "m"));
    });

    it("mounts the topology ConfigMap <name>-topology read-only where lib.sh reads it, in init-config, clone-data, init-data and the sidecar only", function () {
      const sts = statefulSet();
      const volume = sts.spec.template.spec.volumes.find((v: AnyObject) => v.name === "topology");
      assert.deepStrictEqual(volume, {
        name: "topology",
        configMap: { name: topology().metadata.name, defaultMode: 0o444 },
      });
      assert.strictEqual(volume.configMap.name, "shopdb-topology");
      assert.deepStrictEqual(containersMounting(sts, "topology").sort(), [
        "clone-data",
        "init-config",
        "init-data",
        "sidecar",
      ]);
      for (const container of ["mysql", "exporter"])
        assert.ok(!containersMounting(sts, "topology").includes(container), `${container} mounts the topology`);
      const lib = libPaths();
      for (const mount of allContainers(sts).flatMap((c) =>
        (c.volumeMounts ?? []).filter((m: AnyObject) => m.name === "topology"),
      )) {
        assert.deepStrictEqual(mount, { name: "topology", mountPath: lib.TOPOLOGY_DIR, readOnly: true });
      }
    });

    it("puts no password into any container's environment", function () {
      for (const container of allContainers(statefulSet())) {
        for (const e of container.env ?? []) {
          assert.ok(!/PASSWORD/.test(e.name), `${container.name} has env ${e.name}`);
          assert.ok(
            !("valueFrom" in e) || !e.valueFrom.secretKeyRef,
            `${container.name} env ${e.name} comes from a Secret`,
          );
        }
      }
    });

    it("fills the credentials Secret with the generated passwords, sent as a Pulumi secret", function () {
      const secret = credentialsSecret();
      assert.deepStrictEqual(inputs(secret).stringData, {
        "root-password": mockPassword("shopdb-root-password"),
        "replication-password": mockPassword("shopdb-replication-password"),
        "backup-password": mockPassword("shopdb-backup-password"),
        "monitor-password": mockPassword("shopdb-monitor-password"),
        "exporter-password": mockPassword("shopdb-exporter-password"),
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

    it("puts no password or private key into any resource but the Secrets: ConfigMaps, StatefulSet, Services, NetworkPolicy, PodDisruptionBudget, PVC patches, the agents' objects, the guard", function () {
      const secrets = [
        ...mocks.ofType(T.password).map((r) => mockPassword(r.name)),
        ...mocks.ofType(T.privateKey).map((r) => mockPrivateKey(r.name)),
      ];
      assert.strictEqual(secrets.length, 8);
      // Every Kubernetes resource but the Secrets and their Patches, and the guard: a new object is checked too.
      const others = mocks.resources.filter(
        (r) => (r.type.startsWith("kubernetes:") && !/:Secret(Patch)?$/.test(r.type)) || r.type === T.guard,
      );
      for (const type of [T.configMap, T.statefulSet, T.service, T.networkPolicy, T.pvcPatch, T.lease, T.guard])
        assert.ok(
          others.some((r) => r.type === type),
          `no ${type} checked`,
        );
      for (const r of others) {
        const text = JSON.stringify(r.inputs);
        for (const value of secrets) assert.ok(!text.includes(value), `${r.type} ${r.name} contains ${value}`);
        assert.ok(!/pw-|KEY-/.test(text), `${r.type} ${r.name} contains a password or key`);
      }
    });

    it("puts each password only into the credentials Secret and the private key only into the TLS Secret", function () {
      const passwords = mocks.ofType(T.password).map((r) => mockPassword(r.name));
      const serverKey = mockPrivateKey("shopdb-tls-key");
      for (const r of mocks.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
        const text = JSON.stringify(r.inputs);
        const name = inputs(r).metadata.name;
        // The Secret holds them in stringData, its data Patch base64-encoded in data.
        const b64 = (v: string) => Buffer.from(v).toString("base64");
        for (const pw of passwords)
          assert.strictEqual(
            text.includes(pw) || text.includes(b64(pw)),
            name === "shopdb-credentials",
            `${r.type} ${name} and ${pw}`,
          );
        assert.strictEqual(
          text.includes(serverKey) || text.includes(b64(serverKey)),
          name === "shopdb-tls",
          `${r.type} ${name} and the server key`,
        );
        assert.ok(!text.includes(mockPrivateKey("shopdb-ca-key")), `${r.type} ${name} contains the CA's key`);
      }
    });

    it("probes by running /scripts/probe.sh, with no password on the command line", function () {
      const mysql = statefulSet().spec.template.spec.containers.find((c: AnyObject) => c.name === "mysql");
      for (const [probe, mode] of [
        ["startupProbe", "startup"],
        ["livenessProbe", "liveness"],
        ["readinessProbe", "readiness"],
      ]) {
        const p = mysql[probe];
        assert.ok(p?.exec, `${probe} is not an exec probe`);
        assert.ok(!p.httpGet && !p.tcpSocket, `${probe} is not exec-only`);
        assert.deepStrictEqual(p.exec.command, ["bash", "/scripts/probe.sh", mode]);
        assert.ok(!/pw-|password/i.test(JSON.stringify(p)), `${probe} mentions a password`);
      }
    });

    it("gives the probes no credentials: probe.sh reads no password and the server container has no Secret files", function () {
      const probeScript = fs.readFileSync(path.join(SCRIPTS_DIR, "probe.sh"), "utf8");
      assert.ok(
        !/\b(password|require_password|sql_as|sql_root|sql_remote)\b|-password\b/.test(
          probeScript.replace(/^\s*#.*$/gm, ""),
        ),
        "probe.sh uses credentials",
      );
      const mysql = statefulSet().spec.template.spec.containers.find((c: AnyObject) => c.name === "mysql");
      assert.ok(!(mysql.volumeMounts as AnyObject[]).some((m) => m.name === "secrets"));
      const dbAdmin = (mysql.env as AnyObject[]).find((e) => e.name === "DB_ADMIN");
      assert.strictEqual(dbAdmin?.value, "mysqladmin");
    });

    it("outputs the write Service's DNS name as writeEndpoint and the read Service's as readEndpoint, on port 3306", async function () {
      assert.strictEqual(await valueOf(cluster.writeEndpoint), "shopdb-write.shop.svc.cluster.local");
      assert.strictEqual(
        await valueOf(cluster.writeEndpoint),
        `${writeService().metadata.name}.${writeService().metadata.namespace}.svc.cluster.local`,
      );
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

    it("creates the StatefulSet after its scripts ConfigMap, the topology's and both Secrets' data Patches, the headless Service, every data claim and the guard", function () {
      const deps = mocks.one(T.statefulSet).dependencies;
      assert.ok(deps.includes(configMapResource().urn), "StatefulSet does not depend on the scripts ConfigMap");
      for (const patch of [
        mocks.one("kubernetes:core/v1:ConfigMapPatch", "shopdb-topology-data"),
        mocks.one("kubernetes:core/v1:SecretPatch", "shopdb-credentials-data"),
        mocks.one("kubernetes:core/v1:SecretPatch", "shopdb-tls-data"),
      ]) {
        assert.ok(deps.includes(patch.urn), `StatefulSet does not depend on ${patch.name}`);
      }
      for (const claim of mocks.ofType(T.pvcPatch))
        assert.ok(deps.includes(claim.urn), `StatefulSet does not depend on ${claim.name}`);
      assert.ok(deps.includes(mocks.one(T.guard).urn), "StatefulSet does not depend on the settings guard");
      assert.ok(
        deps.includes(mocks.ofType(T.service).find((s) => inputs(s).spec.clusterIP === "None")!.urn),
        "StatefulSet does not depend on the headless Service",
      );
    });

    it("makes every Kubernetes object wait for the settings guard, so a refused change (even with --skip-preview) changes nothing", function () {
      const guard = mocks.one(T.guard).urn;
      const objects = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
      assert.ok(objects.length >= 17, `${objects.length} objects`);
      for (const r of objects)
        assert.ok(r.dependencies.includes(guard), `${r.type} ${r.name} does not wait for the guard`);
    });

    it("owns the Secrets' data by SecretPatches sent as Pulumi secrets (base64), and ignores it on the Secrets themselves", function () {
      const credentials = mocks.one("kubernetes:core/v1:SecretPatch", "shopdb-credentials-data");
      assert.strictEqual(inputs(credentials).metadata.name, "shopdb-credentials");
      assert.strictEqual(
        Buffer.from(inputs(credentials).data["root-password"], "base64").toString(),
        mockPassword("shopdb-root-password"),
      );
      assert.ok(containsSecret(credentials.rawInputs.data), "a password in the SecretPatch is not a Pulumi secret");
      const tls = mocks.one("kubernetes:core/v1:SecretPatch", "shopdb-tls-data");
      assert.ok(containsSecret(tls.rawInputs.data), "the TLS key in the SecretPatch is not a Pulumi secret");
      assert.deepStrictEqual(credentialsSecret().ignoreChanges, ["stringData", "data"]);
      assert.deepStrictEqual(tlsSecret().ignoreChanges, ["stringData", "data"]);
      assert.deepStrictEqual(topologyResource().ignoreChanges, ["data"]);
      for (const patch of [credentials, tls, mocks.one("kubernetes:core/v1:ConfigMapPatch", "shopdb-topology-data")]) {
        assert.strictEqual(inputs(patch).metadata.annotations["pulumi.com/patchForce"], "true", patch.name);
      }
    });

    it("hands the settings that cannot change in place to the settings guard", function () {
      const guard = inputs(mocks.one(T.guard));
      assert.deepStrictEqual(
        {
          flavor: guard.flavor,
          storageClass: guard.storageClass,
          storageAccessMode: guard.storageAccessMode,
          storageSize: guard.storageSize,
          existingSecret: guard.existingSecret,
          tlsSecret: guard.tlsSecret,
          namespace: guard.namespace,
          primaryOrdinal: guard.primaryOrdinal,
        },
        {
          flavor: "mysql",
          storageClass: "",
          storageAccessMode: "ReadWriteOnce",
          storageSize: "10Gi",
          existingSecret: "",
          tlsSecret: "",
          namespace: "shop",
          primaryOrdinal: 0,
        },
      );
    });

    describe("TLS", function () {
      it("generates a CA from its own key, marked as a CA that signs certificates", function () {
        const ca = inputs(mocks.one(T.selfSignedCert));
        assert.strictEqual(ca.isCaCertificate, true);
        assert.strictEqual(ca.privateKeyPem, mockPrivateKey("shopdb-ca-key"));
        assert.ok(ca.allowedUses.includes("cert_signing"), ca.allowedUses.join(", "));
      });

      it("requests the certificate with the server's own key, not the CA's", function () {
        assert.strictEqual(inputs(mocks.one(T.certRequest)).privateKeyPem, mockPrivateKey("shopdb-tls-key"));
      });

      it("signs the certificate with the CA's key and certificate", function () {
        const cert = inputs(mocks.one(T.locallySignedCert));
        assert.strictEqual(cert.caPrivateKeyPem, mockPrivateKey("shopdb-ca-key"));
        assert.strictEqual(cert.caCertPem, mockCertificate("shopdb-ca"));
        assert.strictEqual(cert.certRequestPem, "CSR-shopdb-tls-request");
      });

      it("covers every pod (*.<name>.<ns>.svc.cluster.local), the write Service and the read Service in the certificate's DNS names", async function () {
        const dnsNames: string[] = inputs(mocks.one(T.certRequest)).dnsNames;
        const read = readService().metadata.name;
        const write = writeService().metadata.name;
        for (const name of [
          "*.shopdb.shop.svc.cluster.local",
          `${read}.shop.svc.cluster.local`,
          `${read}.shop.svc`,
          `${read}.shop`,
          read,
          `${write}.shop.svc.cluster.local`,
          `${write}.shop.svc`,
          `${write}.shop`,
          write,
          "*.shopdb.shop.svc",
          "localhost",
        ]) {
          assert.ok(dnsNames.includes(name), `${name} is not among ${dnsNames.join(", ")}`);
        }
        // A wildcard covers exactly one leftmost label (RFC 6125).
        const covers = (host: string) =>
          dnsNames.some((n) => n === host || (n.startsWith("*.") && host.slice(host.indexOf(".") + 1) === n.slice(2)));
        const pods = [0, 1, 2].map((ordinal) => `shopdb-${ordinal}.${headless().metadata.name}.shop.svc.cluster.local`);
        for (const host of [...pods, await valueOf(cluster.writeEndpoint), await valueOf(cluster.readEndpoint)]) {
          assert.ok(covers(host), `the certificate does not cover ${host}`);
        }
      });

      it("allows the certificate for server_auth and client_auth (the backup stream is mutual TLS)", function () {
        const allowedUses: string[] = inputs(mocks.one(T.locallySignedCert)).allowedUses;
        for (const use of ["server_auth", "client_auth", "digital_signature"])
          assert.ok(allowedUses.includes(use), `${use} not in ${allowedUses.join(", ")}`);
      });

      it("fills the kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt from the generated certificate, key and CA", function () {
        const secret = inputs(tlsSecret());
        assert.strictEqual(secret.type, "kubernetes.io/tls");
        assert.deepStrictEqual(secret.stringData, {
          "tls.crt": mockCertificate("shopdb-tls"),
          "tls.key": mockPrivateKey("shopdb-tls-key"),
          "ca.crt": mockCertificate("shopdb-ca"),
        });
      });

      it("sends the TLS Secret's data, with the private key, as a Pulumi secret", function () {
        assert.ok(containsSecret(tlsSecret().rawInputs.stringData), "the TLS Secret's stringData is not marked secret");
      });

      it("outputs the CA certificate in plain (it is public), and not the key", async function () {
        assert.strictEqual(await valueOf(cluster.caCertificate), mockCertificate("shopdb-ca"));
        assert.strictEqual(await isSecret(cluster.caCertificate), false);
      });

      it("requires TLS from clients by default (require_secure_transport = ON)", function () {
        assert.match(configMap().data["server.cnf"], /^require_secure_transport = ON$/m);
      });
    });

    describe("NetworkPolicy", function () {
      it("selects the StatefulSet's pods and admits them on the database and backup ports", function () {
        const policy = inputs(mocks.one(T.networkPolicy));
        const selector = statefulSet().spec.selector.matchLabels;
        assert.deepStrictEqual(policy.spec.podSelector, { matchLabels: selector });
        assert.deepStrictEqual(policy.spec.policyTypes, ["Ingress"]);
        assert.deepStrictEqual(policy.spec.ingress, [
          {
            from: [{ podSelector: { matchLabels: selector } }],
            ports: [
              { protocol: "TCP", port: 3306 },
              { protocol: "TCP", port: 3307 },
            ],
          },
          { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 9104 }] },
        ]);
      });
    });
  });

  describe("with a tlsSecret", function () {
    let cluster: Cluster;
    before(async function () {
      cluster = await deploy("owntls", { tlsSecret: "corp-db-tls" });
    });

    it("generates no key, CA or certificate and creates no TLS Secret", function () {
      for (const type of TLS_TYPES)
        assert.deepStrictEqual(
          mocks.ofType(type).map((r) => r.name),
          [],
          type,
        );
      assert.deepStrictEqual(
        mocks.ofType(T.secret).map((r) => inputs(r).metadata.name),
        ["owntls-credentials"],
      );
    });

    it("mounts the user's Secret as the tls volume", function () {
      assert.deepStrictEqual(secretVolumes(statefulSet()).tls, { secretName: "corp-db-tls", defaultMode: 0o440 });
    });

    it("outputs no CA certificate", async function () {
      assert.strictEqual(await valueOf(cluster.caCertificate), undefined);
    });

    it("tells the settings guard about the tlsSecret", function () {
      assert.strictEqual(inputs(mocks.one(T.guard)).tlsSecret, "corp-db-tls");
    });
  });

  describe("with requireTls false", function () {
    it("sets require_secure_transport = OFF and still generates the certificate for replication and backups", async function () {
      await deploy("lax", { requireTls: false });
      assert.match(configMap().data["server.cnf"], /^require_secure_transport = OFF$/m);
      assert.ok(!/^require_secure_transport = ON$/m.test(configMap().data["server.cnf"]));
      assert.strictEqual(mocks.ofType(T.locallySignedCert).length, 1);
      assert.ok(tlsSecret("lax"));
    });
  });

  describe("with networkPolicy false", function () {
    it("registers no NetworkPolicy", async function () {
      await deploy("open", { networkPolicy: false });
      assert.strictEqual(mocks.ofType(T.networkPolicy).length, 0);
    });
  });

  describe("passwordRotation", function () {
    const keepers = () => Object.fromEntries(mocks.ofType(T.password).map((r) => [r.name, inputs(r).keepers]));

    it('gives every generated password the keepers {rotation: "0"} by default', async function () {
      await deploy("rot", { appDatabase: "app", appUser: "app" });
      const all = keepers();
      assert.strictEqual(Object.keys(all).length, 6);
      for (const [name, k] of Object.entries(all)) assert.deepStrictEqual(k, { rotation: "0" }, name);
    });

    it("changes every password's keepers when passwordRotation changes, so Pulumi generates new ones", async function () {
      await deploy("rot", { appDatabase: "app", appUser: "app", passwordRotation: 1 });
      const first = keepers();
      await deploy("rot", { appDatabase: "app", appUser: "app", passwordRotation: 2 });
      const second = keepers();
      assert.deepStrictEqual(Object.keys(second).sort(), Object.keys(first).sort());
      for (const name of Object.keys(first)) {
        assert.deepStrictEqual(first[name], { rotation: "1" }, name);
        assert.deepStrictEqual(second[name], { rotation: "2" }, name);
      }
    });

    it("keeps the keepers, and so the passwords, when other settings change", async function () {
      await deploy("rot", { passwordRotation: 3, replicas: 2 });
      const first = keepers();
      await deploy("rot", { passwordRotation: 3, replicas: 5, memoryLimit: "2Gi" });
      assert.deepStrictEqual(keepers(), first);
    });
  });

  describe("without an application user", function () {
    let cluster: Cluster;
    before(async function () {
      cluster = await deploy("plain", { replicas: 1 });
    });

    it("generates no app password and leaves the app outputs undefined", async function () {
      assert.ok(!mocks.ofType(T.password).some((r) => r.name.endsWith("app-password")));
      assert.ok(!("app-password" in inputs(credentialsSecret("plain")).stringData));
      assert.strictEqual(await valueOf(cluster.appUser), undefined);
      assert.strictEqual(await valueOf(cluster.appPassword), undefined);
      assert.ok(!JSON.stringify(statefulSet()).includes("APP_PASSWORD"));
    });

    it("patches a single claim for a single pod and uses the default namespace", async function () {
      assert.deepStrictEqual(
        mocks.ofType(T.pvcPatch).map((p) => inputs(p).metadata.name),
        ["data-plain-0"],
      );
      assert.strictEqual(await valueOf(cluster.writeEndpoint), "plain-write.default.svc.cluster.local");
    });
  });

  describe("with an existingSecret", function () {
    let cluster: Cluster;
    before(async function () {
      cluster = await deploy("ext", {
        existingSecret: "my-db-passwords",
        appDatabase: "app",
        appUser: "app",
        clusterDomain: "k8s.example",
      });
    });

    it("creates no credentials Secret and generates no password, but still the TLS Secret", function () {
      assert.deepStrictEqual(
        mocks.ofType(T.secret).map((r) => inputs(r).metadata.name),
        ["ext-tls"],
      );
      assert.strictEqual(mocks.ofType(T.password).length, 0);
    });

    it("mounts the existing Secret as the password files", function () {
      const sts = statefulSet();
      assert.deepStrictEqual(secretVolumes(sts).secrets, { secretName: "my-db-passwords", defaultMode: 0o440 });
      assert.deepStrictEqual(secretKeyRefs(sts), []);
      assert.ok(
        (sts.spec.template.spec.containers as AnyObject[])
          .find((c) => c.name === "sidecar")!
          .env.some((e: AnyObject) => e.name === "SECRET_NAME" && e.value === "my-db-passwords"),
      );
    });

    it("covers the configured cluster domain in the certificate", function () {
      assert.ok((inputs(mocks.one(T.certRequest)).dnsNames as string[]).includes("*.ext.default.svc.k8s.example"));
    });

    it("outputs the existing Secret's name, no password values, and endpoints in the configured domain", async function () {
      assert.strictEqual(await valueOf(cluster.secretName), "my-db-passwords");
      assert.strictEqual(await valueOf(cluster.appPassword), undefined);
      assert.strictEqual(await valueOf(cluster.rootPassword), undefined);
      assert.strictEqual(await valueOf(cluster.writeEndpoint), "ext-write.default.svc.k8s.example");
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
      const beforeVolume = statefulSet().spec.template.spec.volumes.find((v: AnyObject) => v.name === "scripts")
        .configMap.name;
      await deploy("hashy", { memoryLimit: "4Gi" });
      const after = configMap().metadata.name;
      const afterVolume = statefulSet().spec.template.spec.volumes.find((v: AnyObject) => v.name === "scripts")
        .configMap.name;
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

  describe("primaryOrdinal (planned switchover)", function () {
    const lease = () => inputs(mocks.one(T.lease));

    it("asks for the primary <name>-<primaryOrdinal> on the Lease, and leaves the write Service's selector (the role label) alone when primaryOrdinal changes", async function () {
      await deploy("swo", { replicas: 3 });
      const first = writeService().spec.selector;
      assert.deepStrictEqual(lease().metadata.annotations, { [FAILOVER_MARKS.switchoverRequest]: "swo-0" });
      await deploy("swo", { replicas: 3, primaryOrdinal: 2 });
      assert.deepStrictEqual(lease().metadata.annotations, { [FAILOVER_MARKS.switchoverRequest]: "swo-2" });
      assert.deepStrictEqual(writeService().spec.selector, first);
      assert.deepStrictEqual(writeService().spec.selector, {
        ...statefulSet().spec.selector.matchLabels,
        [FAILOVER_MARKS.roleLabel]: "primary",
      });
    });

    it("writes primaryOrdinal into the topology ConfigMap, whose name <name>-topology stays the same when it changes", async function () {
      await deploy("swo", { replicas: 3 });
      assert.deepStrictEqual([topology().metadata.name, topology().data], ["swo-topology", { "primary-ordinal": "0" }]);
      await deploy("swo", { replicas: 3, primaryOrdinal: 1 });
      assert.deepStrictEqual([topology().metadata.name, topology().data], ["swo-topology", { "primary-ordinal": "1" }]);
    });

    it("changes neither the scripts ConfigMap's name nor the StatefulSet when primaryOrdinal changes, so no pod rolls", async function () {
      await deploy("swo", { replicas: 3 });
      const configMapName = configMap().metadata.name;
      const sts = statefulSet();
      await deploy("swo", { replicas: 3, primaryOrdinal: 2 });
      assert.strictEqual(configMap().metadata.name, configMapName);
      assert.deepStrictEqual(statefulSet(), sts);
    });

    it("keeps writeEndpoint at the write Service's DNS name whatever primaryOrdinal is", async function () {
      const first = await deploy("swo", { namespace: "data", replicas: 3 });
      assert.strictEqual(await valueOf(first.writeEndpoint), "swo-write.data.svc.cluster.local");
      const second = await deploy("swo", { namespace: "data", replicas: 3, primaryOrdinal: 2 });
      assert.strictEqual(await valueOf(second.writeEndpoint), "swo-write.data.svc.cluster.local");
    });

    it("hands primaryOrdinal to the settings guard, which refuses a new cluster whose primary is not ordinal 0", async function () {
      await deploy("swo", { replicas: 3, primaryOrdinal: 2 });
      assert.strictEqual(inputs(mocks.one(T.guard)).primaryOrdinal, 2);
    });

    it("throws naming primaryOrdinal, and registers nothing, for a primaryOrdinal that is not the ordinal of a pod", async function () {
      mocks.reset();
      assert.throws(
        () => new MySqlCluster("bad", { replicas: 2, primaryOrdinal: 2 }),
        /setting "primaryOrdinal": got 2; expected /,
      );
      await settle();
      assert.deepStrictEqual(
        mocks.resources.map((r) => `${r.type}/${r.name}`),
        [],
      );
    });
  });

  describe("PodDisruptionBudget", function () {
    it("registers one policy/v1 PodDisruptionBudget selecting the StatefulSet's pods with maxUnavailable 1", async function () {
      await deploy("pdb", { namespace: "data", replicas: 3 });
      const pdb = inputs(mocks.one(T.disruptionBudget));
      assert.deepStrictEqual(pdb, {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "pdb", namespace: "data", labels: statefulSet().metadata.labels },
        spec: {
          maxUnavailable: 1,
          unhealthyPodEvictionPolicy: "AlwaysAllow",
          selector: { matchLabels: statefulSet().spec.selector.matchLabels },
        },
      });
    });

    it("is registered with metrics false and networkPolicy false too", async function () {
      await deploy("pdb", { metrics: false, networkPolicy: false, replicas: 1 });
      assert.strictEqual(mocks.ofType(T.disruptionBudget).length, 1);
    });
  });

  describe("metrics", function () {
    it("registers the metrics Service and an exporter password by default, and no ServiceMonitor", async function () {
      await deploy("mon");
      assert.ok(metricsService(), "no metrics Service");
      assert.ok(mocks.ofType(T.password).some((r) => r.name === "mon-exporter-password"));
      assert.ok("exporter-password" in inputs(credentialsSecret("mon")).stringData);
      assert.strictEqual(mocks.ofType(T.serviceMonitor).length, 0);
    });

    it("registers a ServiceMonitor (monitoring.coreos.com/v1) selecting the metrics Service's labels and port name, parented to the component, with serviceMonitor true", async function () {
      const cluster = await deploy("mon", { namespace: "data", serviceMonitor: true });
      const monitor = mocks.one(T.serviceMonitor);
      assert.strictEqual(monitor.name, "mon-service-monitor");
      assert.strictEqual(monitor.parent, await valueOf(cluster.urn));
      const sm = inputs(monitor);
      assert.strictEqual(sm.apiVersion, "monitoring.coreos.com/v1");
      assert.strictEqual(sm.kind, "ServiceMonitor");
      assert.deepStrictEqual([sm.metadata.name, sm.metadata.namespace], ["mon-metrics", "data"]);
      const svc = metricsService()!;
      for (const [k, v] of Object.entries<string>(sm.spec.selector.matchLabels))
        assert.strictEqual(svc.metadata.labels[k], v, `ServiceMonitor selector ${k}`);
      // It selects the metrics Service only, not the headless, write or read Service.
      for (const other of [headless(), writeService(), readService()]) {
        assert.ok(
          !Object.entries<string>(sm.spec.selector.matchLabels).every(([k, v]) => other.metadata.labels[k] === v),
          `the ServiceMonitor selects ${other.metadata.name}`,
        );
      }
      assert.deepStrictEqual(
        sm.spec.endpoints.map((e: AnyObject) => e.port),
        svc.spec.ports.map((p: AnyObject) => p.name),
      );
      assert.deepStrictEqual(
        sm.spec.endpoints.map((e: AnyObject) => e.port),
        ["metrics"],
      );
    });

    it("registers no metrics Service, ServiceMonitor, exporter password or exporter container with metrics false", async function () {
      await deploy("quiet", { metrics: false, appDatabase: "app", appUser: "app" });
      assert.strictEqual(metricsService(), undefined);
      assert.deepStrictEqual(
        mocks
          .ofType(T.service)
          .map((r) => inputs(r).metadata.name)
          .sort(),
        ["quiet", "quiet-read", "quiet-write"],
      );
      assert.strictEqual(mocks.ofType(T.serviceMonitor).length, 0);
      assert.deepStrictEqual(
        mocks
          .ofType(T.password)
          .map((r) => r.name)
          .sort(),
        [
          "quiet-app-password",
          "quiet-backup-password",
          "quiet-monitor-password",
          "quiet-replication-password",
          "quiet-root-password",
        ],
      );
      assert.deepStrictEqual(Object.keys(inputs(credentialsSecret("quiet")).stringData).sort(), [
        "app-password",
        "backup-password",
        "monitor-password",
        "replication-password",
        "root-password",
      ]);
      assert.deepStrictEqual(
        statefulSet().spec.template.spec.containers.map((c: AnyObject) => c.name),
        ["mysql", "sidecar"],
      );
    });

    it("throws naming serviceMonitor, and registers nothing, for serviceMonitor true with metrics false", async function () {
      mocks.reset();
      assert.throws(
        () => new MySqlCluster("bad", { metrics: false, serviceMonitor: true }),
        /setting "serviceMonitor": got true; expected false when metrics is false/,
      );
      await settle();
      assert.deepStrictEqual(
        mocks.resources.map((r) => `${r.type}/${r.name}`),
        [],
      );
    });
  });

  describe("with invalid settings", function () {
    it("throws a MySqlClusterConfigError naming the setting and registers no child resource", async function () {
      mocks.reset();
      assert.throws(
        () => new MySqlCluster("bad", { replicas: 0 }),
        (e: Error) => e.name === "MySqlClusterConfigError" && /setting "replicas"/.test(e.message),
      );
      await settle();
      assert.deepStrictEqual(
        mocks.resources.filter((r) => r.type !== T.component).map((r) => `${r.type}/${r.name}`),
        [],
      );
    });

    // Validation runs before super(), so not even the component reaches the engine.
    it("registers nothing at all, not even the component, for invalid settings", async function () {
      mocks.reset();
      assert.throws(
        () => new MySqlCluster("bad", { storageSize: "abc", flavor: "postgres" as never }),
        /setting "storageSize"/,
      );
      await settle();
      assert.deepStrictEqual(
        mocks.resources.map((r) => `${r.type}/${r.name}`),
        [],
      );
    });
  });
});
