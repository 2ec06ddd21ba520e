// `tools/render.ts` as users run it: a child process that prints every
// resource the stack's component registers as YAML (Patches included, each
// document headed by how it is registered, the settings guard as a comment),
// never a password, key or certificate, and fails with the setting's name on a
// bad stack file.

import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { resolveArgs } from "../../components/mysql-cluster/args";
import { PASSWORD_PLACEHOLDER, renderCluster, TLS_PLACEHOLDER } from "../../components/mysql-cluster/render";
import { stackArgs } from "../../local/render-source";
import { AnyObject } from "../support/objects";
import { ROOT } from "../support/paths";

const TSX = path.join(ROOT, "node_modules/.bin/tsx");

interface RenderResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tsx tools/render.ts ARGS` from the repository root. */
function render(...args: string[]): Promise<RenderResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ["tools/render.ts", ...args], { cwd: ROOT, timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("tools/render.ts", function () {
  this.timeout(60_000);
  const badStack = `render-test-${process.pid}`;
  const badStackFile = path.join(ROOT, `Pulumi.${badStack}.yaml`);
  // Each run starts tsx (a few seconds), so all runs start at once.
  let dev: RenderResult;
  let bad: RenderResult;
  let missing: RenderResult;

  before(async function () {
    fs.writeFileSync(badStackFile, "config:\n  mysql-cluster:replicas: 0\n");
    [dev, bad, missing] = await Promise.all([
      render(),
      render("--stack", badStack),
      render("--stack", "no-such-stack"),
    ]);
  });

  after(function () {
    fs.rmSync(badStackFile, { force: true });
  });

  describe("for the dev stack", function () {
    let result: RenderResult;
    let objects: AnyObject[];
    /** Each document's leading comment lines, without "# ". */
    let headers: string[];
    /** The objects a cluster holds: every document but the data Patches (which restate their object's data). */
    let clusterObjects: AnyObject[];

    before(function () {
      result = dev;
      const docs = parseAllDocuments(result.stdout);
      for (const doc of docs) assert.deepStrictEqual(doc.errors, [], "render printed invalid YAML");
      objects = docs.map((d) => d.toJS());
      headers = result.stdout
        .split(/^---\n/m)
        .map((text) => (text.match(/^#.*$/gm) ?? []).map((line) => line.replace(/^# ?/, "")).join("\n"));
      clusterObjects = objects.filter((_, i) => !/, owning its data/.test(headers[i]));
    });

    it("exits 0 with nothing on stderr", function () {
      assert.strictEqual(result.status, 0, result.stderr);
      assert.strictEqual(result.stderr, "");
    });

    it("heads every document with the Pulumi resource that registers it, saying which are Patches, and prints the settings guard's inputs first, as a comment", function () {
      // Exactly the render list the component registers (render.ts), in its order: nothing left out.
      const rendered = renderCluster(resolveArgs(stackArgs("dev").name, stackArgs("dev").args));
      assert.strictEqual(headers.length, objects.length);
      assert.deepStrictEqual(
        headers.map((h) => h.split("\n").pop()!.split(";")[0]),
        rendered.resources.map(
          (r) => `Pulumi resource ${r.object.kind}${r.register === "patch" ? "Patch" : ""} "${r.resourceName}"`,
        ),
      );
      assert.deepStrictEqual(
        objects.map((o) => `${o.kind}/${o.metadata.name}`.replace(/-[0-9a-f]{10}$/, "")),
        rendered.resources.map((r) => `${r.object.kind}/${r.object.metadata.name}`.replace(/-[0-9a-f]{10}$/, "")),
      );
      assert.match(
        headers[0],
        /^SettingsGuard "mysql-settings-guard": a Pulumi dynamic resource, not a Kubernetes object;/,
      );
      assert.match(headers[0], /^ {2}storageSize: 20Gi$/m);
      assert.match(headers[0], /^ {2}flavor: mariadb$/m);
      const header = (resourceName: string) =>
        headers[rendered.resources.findIndex((r) => r.resourceName === resourceName)];
      assert.match(
        header("mysql-credentials-data"),
        /a Patch \(server-side apply\) of Secret mysql-credentials, owning its data/,
      );
      assert.match(
        header("mysql-data-0"),
        /a Patch \(server-side apply\) of PersistentVolumeClaim data-mysql-0, creating it if missing; retainOnDelete/,
      );
      const patches = rendered.resources.flatMap((r, i) => (r.register === "patch" ? [i] : []));
      assert.strictEqual(patches.length, 6, "the Secrets', the topology's and three claims' Patches");
      for (const i of patches)
        assert.strictEqual(objects[i].metadata.annotations["pulumi.com/patchForce"], "true", headers[i]);
    });

    it("prints the dev stack's Secrets and their data Patches, ConfigMaps, Services, three data claims at 20Gi and the agents' objects, all in its namespace", function () {
      assert.deepStrictEqual(
        objects
          .filter((o) => ["ServiceAccount", "Role", "RoleBinding", "Lease"].includes(o.kind))
          .map((o) => `${o.kind}/${o.metadata.name}`),
        ["ServiceAccount/mysql-agent", "Role/mysql-agent", "RoleBinding/mysql-agent", "Lease/mysql-primary"],
      );
      assert.deepStrictEqual(
        objects
          .filter((o) => o.kind === "PersistentVolumeClaim")
          .map((o) => `${o.metadata.name}=${o.spec.resources.requests.storage}`),
        ["data-mysql-0=20Gi", "data-mysql-1=20Gi", "data-mysql-2=20Gi"],
      );
      assert.deepStrictEqual(
        objects.filter((o) => o.kind === "ConfigMap").map((o) => o.metadata.name.replace(/-[0-9a-f]{10}$/, "-<hash>")),
        ["mysql-config-<hash>", "mysql-topology", "mysql-topology"],
      );
      assert.deepStrictEqual(
        objects.filter((o) => o.kind === "Service").map((o) => o.metadata.name),
        ["mysql", "mysql-write", "mysql-read", "mysql-metrics"],
      );
      assert.deepStrictEqual(
        objects.filter((o) => o.kind === "Secret").map((o) => o.metadata.name),
        ["mysql-credentials", "mysql-credentials", "mysql-tls", "mysql-tls"],
      );
      for (const o of objects) assert.strictEqual(o.metadata.namespace, "default");
    });

    it("renders the dev stack's settings: 3 MariaDB replicas with a 20Gi volume each, and the default exporter", function () {
      const sts = objects.find((o) => o.kind === "StatefulSet")!;
      assert.strictEqual(sts.spec.replicas, 3);
      assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
      assert.deepStrictEqual(
        sts.spec.template.spec.containers.map((c: AnyObject) => `${c.name}=${c.image}`),
        ["mysql=mariadb:11.4", "sidecar=mariadb:11.4", "exporter=prom/mysqld-exporter:v0.16.0"],
      );
    });

    it("prints only the placeholder as the value of every password", function () {
      const secret = clusterObjects.find((o) => o.kind === "Secret" && o.metadata.name === "mysql-credentials")!;
      assert.ok(!("data" in secret), "the Secret has base64 data");
      const keys = Object.keys(secret.stringData);
      assert.deepStrictEqual(keys.sort(), [
        "app-password",
        "backup-password",
        "exporter-password",
        "monitor-password",
        "replication-password",
        "root-password",
      ]);
      for (const key of keys) assert.strictEqual(secret.stringData[key], PASSWORD_PLACEHOLDER, key);
    });

    it("prints only the placeholder for the TLS certificate, key and CA", function () {
      const secret = clusterObjects.find((o) => o.kind === "Secret" && o.metadata.name === "mysql-tls")!;
      assert.strictEqual(secret.type, "kubernetes.io/tls");
      assert.ok(!("data" in secret), "the TLS Secret has base64 data");
      assert.deepStrictEqual(secret.stringData, {
        "tls.crt": TLS_PLACEHOLDER,
        "tls.key": TLS_PLACEHOLDER,
        "ca.crt": TLS_PLACEHOLDER,
      });
    });

    it("prints no secret value: no PEM block anywhere, and placeholders only as Secret data", function () {
      assert.ok(!/-----BEGIN|PRIVATE KEY/.test(dev.stdout), "render printed a PEM block");
      for (const o of objects.filter((x) => x.kind !== "Secret")) {
        const text = JSON.stringify(o);
        assert.ok(
          !text.includes(PASSWORD_PLACEHOLDER) && !text.includes(TLS_PLACEHOLDER),
          `${o.kind} contains a placeholder`,
        );
      }
      for (const secret of objects.filter((x) => x.kind === "Secret")) {
        const { stringData, data, ...rest } = secret;
        assert.ok(
          !JSON.stringify(rest).includes(PASSWORD_PLACEHOLDER),
          `${secret.metadata.name} has a placeholder outside its data`,
        );
        // A data Patch holds the same values base64-encoded, as the API stores them.
        const values =
          stringData ??
          Object.fromEntries(Object.entries<string>(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
        assert.ok(Object.keys(values).length >= 3, `${secret.metadata.name} holds no data`);
        for (const value of Object.values(values))
          assert.ok(
            value === PASSWORD_PLACEHOLDER || value === TLS_PLACEHOLDER,
            `${secret.metadata.name} holds a value`,
          );
      }
    });

    it("prints no password variable and no secretKeyRef in the StatefulSet: passwords are Secret files", function () {
      const sts = objects.find((o) => o.kind === "StatefulSet")!;
      assert.ok(!JSON.stringify(sts).includes("secretKeyRef"), "the StatefulSet takes a value from a Secret by key");
      const pod = sts.spec.template.spec;
      for (const c of [...pod.initContainers, ...pod.containers]) {
        for (const e of c.env ?? []) assert.ok(!/PASSWORD/.test(e.name), `${c.name} has env ${e.name}`);
      }
      const secretVolumes = pod.volumes
        .filter((v: AnyObject) => v.secret)
        .map((v: AnyObject) => v.secret.secretName)
        .sort();
      // clone-data projects two keys of the credentials Secret into a volume of its own.
      assert.deepStrictEqual(secretVolumes, ["mysql-credentials", "mysql-credentials", "mysql-tls"]);
    });

    it("prints the dev stack's NetworkPolicy, admitting app.kubernetes.io/name=shop to port 3306 and any pod to the metrics port 9104", function () {
      const policy = objects.find((o) => o.kind === "NetworkPolicy")!;
      assert.deepStrictEqual(
        policy.spec.ingress.map((r: AnyObject) => r.ports.map((p: AnyObject) => p.port)),
        [[3306, 3307], [3306], [9104]],
      );
      assert.deepStrictEqual(policy.spec.ingress[2].from, [{ namespaceSelector: {} }]);
      assert.deepStrictEqual(policy.spec.ingress[1].from, [
        { podSelector: { matchLabels: { "app.kubernetes.io/name": "shop" } } },
      ]);
    });
  });

  describe("for an invalid stack file", function () {
    it('exits non-zero, naming "replicas" and what it accepts', function () {
      assert.notStrictEqual(bad.status, 0);
      assert.match(bad.stderr, /setting "replicas": got 0; expected a whole number from 1 to 99/);
    });

    it("prints no objects", function () {
      assert.strictEqual(bad.stdout, "");
    });
  });

  it("exits non-zero, naming the file, for a stack that does not exist", function () {
    assert.notStrictEqual(missing.status, 0);
    assert.match(missing.stderr, /no stack file Pulumi\.no-such-stack\.yaml/);
  });
});
