// How MySqlCluster registers what it renders, checked over whatever the Pulumi
// mocks recorded, for several configurations: parents, dependsOn (no dangling
// dependency, every Kubernetes object behind the settings guard), the Patches
// that own an object's data and the ignoreChanges that leave it to them,
// retainOnDelete, and generated secrets (never outside a Pulumi secret, only in
// Secrets, secret outputs). Written over the recorded resources only, not over
// how mysql-cluster.ts builds them, so it holds whatever the render list looks
// like; what the objects contain is the pure render tests' business.

import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { MySqlClusterArgs } from "../../../components/mysql-cluster/args";
import { AnyObject } from "../../support/objects";
import {
  deployFresh,
  installMocks,
  isSecret,
  MockRecorder,
  RecordedResource,
  valueOf,
} from "../../support/pulumi-mocks";

const COMPONENT = "mysql-cluster:index:MySqlCluster";
/** The settings guard is the program's one dynamic resource. */
const GUARD = "pulumi-nodejs:dynamic:Resource";

const CONFIGURATIONS: [string, MySqlClusterArgs][] = [
  ["the defaults", {}],
  [
    "an application user, backups, metrics and a ServiceMonitor",
    {
      namespace: "shop",
      appDatabase: "shop",
      appUser: "shop",
      backupSchedule: "0 3 * * *",
      metrics: true,
      serviceMonitor: true,
    },
  ],
  [
    "an existingSecret and a tlsSecret, without NetworkPolicy or metrics",
    { existingSecret: "db-passwords", tlsSecret: "db-tls", networkPolicy: false, metrics: false },
  ],
  [
    "MariaDB restored from a claim, one pod",
    { flavor: "mariadb", replicas: 1, restoreFromClaim: "old-backups", backupSchedule: "@daily" },
  ],
];

const isKubernetes = (r: RecordedResource) => r.type.startsWith("kubernetes:");
const metadata = (r: RecordedResource): AnyObject => (r.inputs.metadata as AnyObject | undefined) ?? {};
const where = (r: RecordedResource) => `${r.type} ${r.name}`;

/** The inputs as registered, every Pulumi secret replaced by a marker: what would be stored in plain. */
function plainPart(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainPart);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[specialSigKey] === specialSecretSig) return "<secret>";
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plainPart(v)]));
  }
  return value;
}

/** A value as it can appear in an object: itself, and base64 (Secret data). */
const forms = (value: string) => [value, Buffer.from(value).toString("base64")];

describe("MySqlCluster registration (over what the Pulumi mocks recorded)", function () {
  let mocks: MockRecorder;
  let MySqlCluster: typeof import("../../../components/mysql-cluster").MySqlCluster;

  before(async function () {
    mocks = await installMocks();
    // Imported only once the mocks are in place.
    ({ MySqlCluster } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster"));
  });

  for (const [label, args] of CONFIGURATIONS) {
    describe(`with ${label}`, function () {
      let cluster: import("../../../components/mysql-cluster").MySqlCluster;
      let resources: RecordedResource[];
      let componentUrn: string;
      /** Every generated password and private key: the values that must stay secret. */
      let secretValues: string[];

      before(async function () {
        cluster = await deployFresh(
          mocks,
          () => new MySqlCluster("db", args),
          (c) => [c.writeEndpoint, c.readEndpoint, c.secretName],
        );
        resources = [...mocks.resources];
        componentUrn = await valueOf(cluster.urn);
        secretValues = resources.flatMap((r) =>
          [r.state.result, r.state.privateKeyPem].filter((v): v is string => typeof v === "string"),
        );
      });

      it("registers the component once and every other resource as its child", function () {
        assert.deepStrictEqual(
          resources.filter((r) => r.type === COMPONENT).map((r) => r.urn),
          [componentUrn],
        );
        const children = resources.filter((r) => r.type !== COMPONENT);
        assert.ok(children.some(isKubernetes), "no Kubernetes object registered");
        for (const r of children) assert.strictEqual(r.parent, componentUrn, `${where(r)} is not parented to it`);
      });

      it("registers each resource and each Kubernetes object (kind, namespace, name) once", function () {
        const urns = resources.map((r) => r.urn);
        assert.deepStrictEqual(
          urns.filter((u, i) => urns.indexOf(u) !== i),
          [],
        );
        const objects = resources
          .filter(isKubernetes)
          .map((r) => `${r.type} ${metadata(r).namespace ?? ""}/${metadata(r).name ?? r.name}`);
        assert.deepStrictEqual(
          objects.filter((o, i) => objects.indexOf(o) !== i),
          [],
        );
      });

      it("depends only on resources it registered", function () {
        const urns = new Set(resources.map((r) => r.urn));
        for (const r of resources)
          for (const dep of r.dependencies) assert.ok(urns.has(dep), `${where(r)} depends on ${dep}, never registered`);
      });

      it("makes every Kubernetes object wait for the one settings guard, so a refused change changes nothing", function () {
        const guards = resources.filter((r) => r.type === GUARD);
        assert.strictEqual(guards.length, 1, "settings guards");
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const waitsForGuard = (r: RecordedResource, seen = new Set<string>()): boolean =>
          r.dependencies.some(
            (dep) =>
              dep === guards[0].urn ||
              (!seen.has(dep) && seen.add(dep) && byUrn.has(dep) && waitsForGuard(byUrn.get(dep)!, seen)),
          );
        for (const r of resources.filter(isKubernetes))
          assert.ok(waitsForGuard(r), `${where(r)} does not wait for the settings guard`);
      });

      it("leaves the data a Patch owns to it: the object it patches ignores changes to those fields", function () {
        for (const patch of resources.filter((r) => isKubernetes(r) && r.type.endsWith("Patch"))) {
          const target = resources.find(
            (r) =>
              r.type === patch.type.replace(/Patch$/, "") &&
              metadata(r).name === metadata(patch).name &&
              metadata(r).namespace === metadata(patch).namespace,
          );
          if (!target) continue; // a Patch that creates its object (the claims)
          const owned = ["data", "stringData", "binaryData"].filter((f) => f in patch.inputs);
          assert.ok(owned.length > 0, `${where(patch)} patches no data`);
          for (const field of owned)
            assert.ok(target.ignoreChanges.includes(field), `${where(target)} fights ${where(patch)} over ${field}`);
        }
      });

      it("keeps the volume claims, and only them, when they leave the program (retainOnDelete)", function () {
        for (const r of resources) {
          const claim = /:PersistentVolumeClaim(Patch)?$/.test(r.type);
          assert.strictEqual(r.retainOnDelete, claim, where(r));
        }
      });

      it("never registers a generated password or private key outside a Pulumi secret, nor in any Kubernetes object but a Secret", function () {
        for (const r of resources) {
          const plain = JSON.stringify(plainPart(r.rawInputs));
          for (const value of secretValues)
            for (const form of forms(value))
              assert.ok(!plain.includes(form), `${where(r)} holds a generated secret in plain`);
          if (!isKubernetes(r)) continue;
          const carried = JSON.stringify(r.inputs);
          if (secretValues.some((v) => forms(v).some((f) => carried.includes(f))))
            assert.match(r.type, /:Secret(Patch)?$/, `${where(r)} carries a generated secret`);
        }
      });

      it("marks every output that carries a generated password or private key as a Pulumi secret", async function () {
        const outputs = Object.entries(cluster).filter(([, v]) => pulumi.Output.isInstance(v)) as [
          string,
          pulumi.Output<unknown>,
        ][];
        assert.ok(outputs.length > 3, `outputs: ${outputs.map(([k]) => k).join(", ")}`);
        for (const [key, output] of outputs) {
          const text = JSON.stringify((await valueOf(output)) ?? null);
          if (secretValues.some((v) => text.includes(v)))
            assert.ok(await isSecret(output), `output ${key} is not a secret`);
        }
      });
    });
  }
});
