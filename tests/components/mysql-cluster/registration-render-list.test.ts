// MySqlCluster under Pulumi mocks registers exactly its render list: one
// Kubernetes resource per entry (of the class its kind and mode name, with the
// entry's name and object as args), parented to the component, waiting for the
// settings guard and the entries it names, with the entry's ignoreChanges,
// retainOnDelete, customTimeouts, and its secrets sent as Pulumi secrets (and
// no other resource's); and the guard with the rendered inputs. The content of
// each entry is render-list.test.ts's; invariants over whatever the mocks
// recorded, for any render list, are registration.test.ts's.

import * as assert from "assert";
import type { MySqlClusterArgs } from "../../../components/mysql-cluster";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import type { RenderedResource } from "../../../components/mysql-cluster/render";
import {
  containsSecret,
  deployFresh,
  installMocks,
  mockCertificate,
  MockRecorder,
  mockPassword,
  mockPrivateKey,
  RecordedResource,
  valueOf,
} from "../../support/pulumi-mocks";

type Render = typeof import("../../../components/mysql-cluster/render");
type Component = typeof import("../../../components/mysql-cluster/mysql-cluster");

const GUARD_TYPE = "pulumi-nodejs:dynamic:Resource";

/** The Pulumi type token of an entry: the provider's "kubernetes:<group>/<version>:<Kind>[Patch]". */
function typeToken(r: RenderedResource): string {
  const group = r.object.apiVersion.includes("/") ? r.object.apiVersion : `core/${r.object.apiVersion}`;
  return `kubernetes:${group}:${r.object.kind}${r.register === "patch" ? "Patch" : ""}`;
}

const MATRIX: [string, string, MySqlClusterArgs][] = [
  ["generated Secrets and an application user", "shopdb", { namespace: "shop", appDatabase: "shop", appUser: "shop" }],
  ["an existingSecret and a tlsSecret", "both", { existingSecret: "corp-passwords", tlsSecret: "corp-tls" }],
  [
    "backups, a ServiceMonitor and a password rotation",
    "bk",
    { backupSchedule: "@daily", serviceMonitor: true, passwordRotation: 2, replicas: 2 },
  ],
  ["metrics and networkPolicy off, one pod", "quiet", { metrics: false, networkPolicy: false, replicas: 1 }],
];

describe("MySqlCluster registers its render list (Pulumi mocks)", function () {
  let mocks: MockRecorder;
  let render: Render;
  let component: Component;

  before(async function () {
    mocks = await installMocks();
    // Imported only once the mocks are in place.
    /* eslint-disable @typescript-eslint/no-require-imports */
    render = require("../../../components/mysql-cluster/render") as Render;
    component = require("../../../components/mysql-cluster/mysql-cluster") as Component;
    /* eslint-enable @typescript-eslint/no-require-imports */
  });

  for (const [description, name, args] of MATRIX) {
    describe(`with ${description}`, function () {
      let componentUrn: string;
      let entries: RenderedResource[];
      let guardSettings: object;
      /** The registered resource of each entry, by entry key. */
      const registered = new Map<string, RecordedResource>();

      before(async function () {
        const cluster = await deployFresh(mocks, () => new component.MySqlCluster(name, args));
        componentUrn = await valueOf(cluster.urn);
        const resolved = resolveArgs(name, args);
        // The render list with the values the mocks generate.
        const rendered = render.renderCluster(resolved, {
          passwords: (key) => mockPassword(`${name}-${key}`, String(resolved.passwordRotation)),
          tls: {
            cert: mockCertificate(`${name}-tls`),
            key: mockPrivateKey(`${name}-tls-key`),
            ca: mockCertificate(`${name}-ca`),
          },
        });
        entries = rendered.resources;
        guardSettings = rendered.guard.settings;
        registered.clear();
        for (const r of entries) {
          const found = mocks.resources.filter((x) => x.type === typeToken(r) && x.name === r.resourceName);
          assert.strictEqual(found.length, 1, `${typeToken(r)} ${r.resourceName} registered ${found.length} times`);
          registered.set(r.key, found[0]);
        }
      });

      it("registers one Kubernetes resource per entry, of the entry's type and name, and no other", function () {
        assert.deepStrictEqual(
          mocks.resources
            .filter((r) => r.type.startsWith("kubernetes:"))
            .map((r) => `${r.type} ${r.name}`)
            .sort(),
          entries.map((r) => `${typeToken(r)} ${r.resourceName}`).sort(),
        );
        for (const r of entries) assert.doesNotThrow(() => component.resourceClass(r), r.key);
      });

      it("registers each entry's object as the resource's args", function () {
        for (const r of entries) assert.deepStrictEqual(registered.get(r.key)!.inputs, r.object, r.key);
      });

      it("registers the settings guard once, with the rendered inputs, and parents every resource to the component", function () {
        const guard = mocks.one(GUARD_TYPE, `${name}-settings-guard`);
        const { __provider, ...inputs } = guard.inputs;
        assert.strictEqual(typeof __provider, "string");
        assert.deepStrictEqual(inputs, guardSettings);
        for (const r of mocks.resources.filter((x) => x.type !== "mysql-cluster:index:MySqlCluster"))
          assert.strictEqual(r.parent, componentUrn, `${r.type} ${r.name}`);
      });

      it("makes each resource wait for the guard and the entries it names, and for no other Kubernetes resource", function () {
        const guardUrn = mocks.one(GUARD_TYPE).urn;
        for (const r of entries) {
          const expected = [
            ...(r.waitsForGuard ? [guardUrn] : []),
            ...r.dependsOn.map((key) => registered.get(key)!.urn),
          ].sort();
          // Beside these, only the generated passwords and certificates its values come from.
          const declared = registered
            .get(r.key)!
            .dependencies.filter((urn) => urn.includes("$kubernetes:") || urn.includes("$pulumi-nodejs:"));
          assert.deepStrictEqual([...new Set(declared)].sort(), expected, r.key);
        }
        assert.ok(entries.every((r) => r.waitsForGuard));
      });

      it("registers each entry's ignoreChanges, retainOnDelete and customTimeouts", function () {
        for (const r of entries) {
          const got = registered.get(r.key)!;
          assert.deepStrictEqual(got.ignoreChanges, r.ignoreChanges, `${r.key} ignoreChanges`);
          assert.strictEqual(got.retainOnDelete, r.retainOnDelete, `${r.key} retainOnDelete`);
          assert.deepStrictEqual(
            got.customTimeouts,
            { create: "", update: "", ...r.customTimeouts, delete: "" },
            `${r.key} customTimeouts`,
          );
        }
      });

      it("sends the secret fields of the entries that have them as Pulumi secrets, and no secret in any other resource", function () {
        for (const r of entries) {
          const raw = registered.get(r.key)!.rawInputs;
          const fields = r.secretOutputs.filter((field) => field in raw);
          assert.strictEqual(fields.length > 0, r.secretOutputs.length > 0, `${r.key}: ${Object.keys(raw).join(",")}`);
          for (const field of fields) assert.ok(containsSecret(raw[field]), `${r.key}.${field} is not a secret`);
          if (r.secretOutputs.length === 0) assert.ok(!containsSecret(raw), `${r.key} holds a secret`);
        }
      });
    });
  }
});
