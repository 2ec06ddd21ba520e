// The example application stack (examples/app-stack) under Pulumi mocks, with
// the database stack's outputs served by a mocked StackReference: the app gets
// the endpoints and the CA certificate it verifies the server with, and the
// password stays a secret that only the Secret holds.

import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { resolveArgs } from "../../components/mysql-cluster/args";
import { buildNetworkPolicy } from "../../components/mysql-cluster/builders/network-policy";
import { clusterNames } from "../../components/mysql-cluster/names";
import { containsSecret, installMocks, isSecret, MockRecorder, settle, valueOf } from "../support/pulumi-mocks";
import { AnyObject } from "../support/objects";
import { ROOT } from "../support/paths";
import { stackArgs } from "../support/stack";

type DatabaseEnvModule = typeof import("../../examples/app-stack/database-env");
const DATABASE_STACK = "acme/mysql-cluster/dev";
const APP_PASSWORD = "pw-shop-app-password";
const DATABASE_OUTPUTS = {
  writeEndpoint: "mysql-write.databases.svc.cluster.local",
  readEndpoint: "mysql-read.databases.svc.cluster.local",
  port: 3306,
  namespace: "databases",
  secretName: "mysql-credentials",
  appDatabase: "shop",
  appUser: "shop",
  appPassword: APP_PASSWORD,
  rootPassword: "pw-root-password",
  caCertificate: "CERT-mysql-ca",
};

/** Resolves with the Output's value, or rejects with the error its computation threw. */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadDatabaseEnv = () => require("../../examples/app-stack/database-env") as DatabaseEnvModule;

describe("examples/app-stack", function () {
  describe("databaseConnection, with the password reported secret by the reference", function () {
    let mocks: MockRecorder;
    let connection: ReturnType<DatabaseEnvModule["databaseConnection"]>;

    before(async function () {
      mocks = await installMocks({
        project: "app-stack",
        stackOutputs: DATABASE_OUTPUTS,
        secretOutputNames: ["appPassword", "rootPassword"],
      });
      const { databaseConnection } = loadDatabaseEnv();
      connection = databaseConnection(new pulumi.StackReference(DATABASE_STACK));
      await valueOf(connection.host);
      await settle();
    });

    it("reads the database stack through a StackReference by its name", function () {
      const refs = mocks.ofType("pulumi:pulumi:StackReference");
      assert.deepStrictEqual(
        refs.map((r) => r.inputs.name),
        [DATABASE_STACK],
      );
    });

    it("connects writes to the primary (writeEndpoint) and reads to the read Service (readEndpoint)", async function () {
      assert.strictEqual(await valueOf(connection.host), DATABASE_OUTPUTS.writeEndpoint);
      assert.strictEqual(await valueOf(connection.readHost), DATABASE_OUTPUTS.readEndpoint);
      assert.strictEqual(await valueOf(connection.port), 3306);
    });

    it("logs in as the app user to the app database", async function () {
      assert.strictEqual(await valueOf(connection.user), "shop");
      assert.strictEqual(await valueOf(connection.database), "shop");
    });

    it("keeps the password a Pulumi secret and the endpoints plain", async function () {
      assert.strictEqual(await valueOf(connection.password), APP_PASSWORD);
      assert.strictEqual(await isSecret(connection.password), true);
      assert.strictEqual(await isSecret(connection.host), false);
      assert.strictEqual(await isSecret(connection.user), false);
    });

    it("reads the CA certificate, in plain (it is public)", async function () {
      assert.strictEqual(await valueOf(connection.caCertificate), DATABASE_OUTPUTS.caCertificate);
      assert.strictEqual(await isSecret(connection.caCertificate), false);
    });

    it("puts every setting and the CA (as ca.crt) in the Secret data, the password as a secret, and the port as a string", async function () {
      const { databaseSecretData } = loadDatabaseEnv();
      const data = databaseSecretData(connection);
      assert.deepStrictEqual(Object.keys(data).sort(), [
        "DB_HOST",
        "DB_NAME",
        "DB_PASSWORD",
        "DB_PORT",
        "DB_READ_HOST",
        "DB_USER",
        "ca.crt",
      ]);
      assert.strictEqual(await valueOf(data["ca.crt"]), DATABASE_OUTPUTS.caCertificate);
      assert.strictEqual(await valueOf(data.DB_HOST), DATABASE_OUTPUTS.writeEndpoint);
      assert.strictEqual(await valueOf(data.DB_READ_HOST), DATABASE_OUTPUTS.readEndpoint);
      assert.strictEqual(await valueOf(data.DB_PORT), "3306");
      assert.strictEqual(await valueOf(data.DB_PASSWORD), APP_PASSWORD);
      assert.strictEqual(await isSecret(data.DB_PASSWORD), true);
    });

    it("builds container env that takes every connection setting from the Secret by key, and DB_SSL_CA as the CA file's path", function () {
      const { databaseEnv, CA_FILE } = loadDatabaseEnv();
      const env = databaseEnv("shop-db") as AnyObject[];
      assert.deepStrictEqual(env.map((e) => e.name).sort(), [
        "DB_HOST",
        "DB_NAME",
        "DB_PASSWORD",
        "DB_PORT",
        "DB_READ_HOST",
        "DB_SSL_CA",
        "DB_USER",
      ]);
      for (const e of env.filter((x) => x.name !== "DB_SSL_CA")) {
        assert.ok(!("value" in e), `${e.name} has a literal value`);
        assert.deepStrictEqual(e.valueFrom.secretKeyRef, { name: "shop-db", key: e.name });
      }
      assert.deepStrictEqual(
        env.find((e) => e.name === "DB_SSL_CA"),
        { name: "DB_SSL_CA", value: CA_FILE },
      );
    });

    it("mounts only ca.crt from the Secret, read-only, where DB_SSL_CA points", function () {
      const { databaseCaVolume, databaseCaVolumeMount, CA_FILE } = loadDatabaseEnv();
      const volume = databaseCaVolume("shop-db") as AnyObject;
      assert.deepStrictEqual(volume.secret.items, [{ key: "ca.crt", path: "ca.crt" }]);
      assert.strictEqual(volume.secret.secretName, "shop-db");
      assert.strictEqual(databaseCaVolumeMount.name, volume.name);
      assert.strictEqual(databaseCaVolumeMount.readOnly, true);
      assert.strictEqual(`${databaseCaVolumeMount.mountPath}/${volume.secret.items[0].path}`, CA_FILE);
    });
  });

  describe("databaseConnection, when the reference does not flag the password as secret", function () {
    before(async function () {
      await installMocks({ project: "app-stack", stackOutputs: DATABASE_OUTPUTS, secretOutputNames: [] });
    });

    it("still marks the password secret", async function () {
      const { databaseConnection } = loadDatabaseEnv();
      const connection = databaseConnection(new pulumi.StackReference(DATABASE_STACK));
      assert.strictEqual(await valueOf(connection.password), APP_PASSWORD);
      assert.strictEqual(await isSecret(connection.password), true);
      await settle();
    });
  });

  describe("databaseConnection, for a database stack without an app user", function () {
    before(async function () {
      const { appUser: _user, appPassword: _password, appDatabase: _database, ...outputs } = DATABASE_OUTPUTS;
      await installMocks({ project: "app-stack", stackOutputs: outputs, secretOutputNames: [] });
    });

    it("fails naming the missing output and the setting to add", async function () {
      const { databaseConnection } = loadDatabaseEnv();
      const connection = databaseConnection(new pulumi.StackReference(DATABASE_STACK));
      await assert.rejects(settled(connection.user), /no "appUser" output: set appDatabase and appUser/);
      await assert.rejects(settled(connection.password), /no "appPassword" output/);
      assert.strictEqual(await valueOf(connection.caCertificate), DATABASE_OUTPUTS.caCertificate);
      assert.strictEqual(await valueOf(connection.host), DATABASE_OUTPUTS.writeEndpoint);
      await settle();
    });
  });

  describe("databaseConnection, for a database stack with a tlsSecret (no caCertificate output)", function () {
    before(async function () {
      const { caCertificate: _ca, ...outputs } = DATABASE_OUTPUTS;
      await installMocks({ project: "app-stack", stackOutputs: outputs, secretOutputNames: ["appPassword"] });
    });

    it("fails naming the missing caCertificate output and what to do", async function () {
      const { databaseConnection } = loadDatabaseEnv();
      const connection = databaseConnection(new pulumi.StackReference(DATABASE_STACK));
      await assert.rejects(
        settled(connection.caCertificate),
        /no "caCertificate" output: a cluster with a tlsSecret exports no CA; give the app that Secret's ca.crt instead/,
      );
      assert.strictEqual(await valueOf(connection.user), "shop");
      await settle();
    });
  });

  describe("the stack program (index.ts)", function () {
    let mocks: MockRecorder;
    let program: AnyObject;

    before(async function () {
      mocks = await installMocks({
        project: "app-stack",
        stackOutputs: DATABASE_OUTPUTS,
        secretOutputNames: ["appPassword", "rootPassword"],
        config: { "app-stack:databaseStack": DATABASE_STACK, "app-stack:namespace": "shop" },
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      program = require("../../examples/app-stack/index");
      await valueOf(program.deploymentName);
      await settle();
    });

    it("references the stack named by the databaseStack setting", function () {
      assert.deepStrictEqual(
        mocks.ofType("pulumi:pulumi:StackReference").map((r) => r.inputs.name),
        [DATABASE_STACK],
      );
    });

    it("creates a Secret in the app namespace holding the connection settings, as a Pulumi secret", function () {
      const secret = mocks.one("kubernetes:core/v1:Secret");
      const inputs = secret.inputs as AnyObject;
      assert.strictEqual(inputs.metadata.namespace, "shop");
      assert.deepStrictEqual(inputs.stringData, {
        DB_HOST: DATABASE_OUTPUTS.writeEndpoint,
        DB_READ_HOST: DATABASE_OUTPUTS.readEndpoint,
        DB_PORT: "3306",
        DB_NAME: "shop",
        DB_USER: "shop",
        DB_PASSWORD: APP_PASSWORD,
        "ca.crt": DATABASE_OUTPUTS.caCertificate,
      });
      assert.ok(containsSecret(secret.rawInputs.stringData), "the Secret's data is not sent as a Pulumi secret");
    });

    it("runs the app with env from that Secret and no password in the Deployment", function () {
      const deployment = mocks.one("kubernetes:apps/v1:Deployment");
      const secretName = (mocks.one("kubernetes:core/v1:Secret").state as AnyObject).metadata.name;
      assert.match(secretName, /^shop-db-/);
      const container = (deployment.inputs as AnyObject).spec.template.spec.containers[0];
      const byName = Object.fromEntries(container.env.map((e: AnyObject) => [e.name, e.valueFrom?.secretKeyRef]));
      assert.deepStrictEqual(byName.DB_PASSWORD, { name: secretName, key: "DB_PASSWORD" });
      assert.deepStrictEqual(byName.DB_HOST, { name: secretName, key: "DB_HOST" });
      assert.ok(!JSON.stringify(deployment.inputs).includes(APP_PASSWORD), "the Deployment contains the password");
      assert.ok(!JSON.stringify(deployment.inputs).includes("pw-"), "the Deployment contains a password");
    });

    it("mounts the CA from that Secret where DB_SSL_CA points, so the app verifies the server's certificate", function () {
      const pod = (mocks.one("kubernetes:apps/v1:Deployment").inputs as AnyObject).spec.template.spec;
      const secretName = (mocks.one("kubernetes:core/v1:Secret").state as AnyObject).metadata.name;
      const container = pod.containers[0];
      const caPath = container.env.find((e: AnyObject) => e.name === "DB_SSL_CA").value;
      const mount = container.volumeMounts.find((m: AnyObject) => caPath.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `no volume mounted at ${caPath}`);
      assert.strictEqual(mount.readOnly, true);
      const volume = pod.volumes.find((v: AnyObject) => v.name === mount.name);
      assert.strictEqual(volume.secret.secretName, secretName);
      assert.deepStrictEqual(volume.secret.items, [{ key: "ca.crt", path: caPath.slice(mount.mountPath.length + 1) }]);
      assert.ok(!JSON.stringify(pod).includes(DATABASE_OUTPUTS.caCertificate), "the CA is inlined in the pod spec");
    });

    it("runs pods the dev database stack's NetworkPolicy admits: labels its clientPodSelector matches, in its namespace by default", function () {
      const { name, args } = stackArgs("dev");
      const db = resolveArgs(name, args);
      const policy = buildNetworkPolicy(db, clusterNames(db));
      const podLabels: Record<string, string> = (mocks.one("kubernetes:apps/v1:Deployment").inputs as AnyObject).spec
        .template.metadata.labels;
      const clients = policy.spec.ingress
        .filter((rule) => rule.ports.some((p) => p.port === 3306))
        .flatMap((rule) => rule.from as AnyObject[]);
      // A podSelector without a namespaceSelector admits pods of the policy's own namespace only (networking.k8s.io/v1 NetworkPolicyPeer).
      const admits = clients.some(
        (peer) =>
          peer.podSelector &&
          !peer.namespaceSelector &&
          Object.entries<string>(peer.podSelector.matchLabels).every(([k, v]) => podLabels[k] === v) &&
          Object.keys(peer.podSelector.matchLabels).length > 0,
      );
      assert.ok(
        admits,
        `the dev stack's NetworkPolicy (clientPodSelector ${JSON.stringify(db.clientPodSelector)}) does not admit pods labelled ${JSON.stringify(podLabels)}`,
      );
      const example = parse(fs.readFileSync(path.join(ROOT, "examples/app-stack/Pulumi.yaml"), "utf8"));
      assert.strictEqual(
        example.config.namespace.default,
        db.namespace,
        "the app's default namespace is not the database's",
      );
    });

    it("exports the endpoints, not the password", async function () {
      assert.strictEqual(await valueOf(program.databaseHost), DATABASE_OUTPUTS.writeEndpoint);
      assert.strictEqual(await valueOf(program.databaseReadHost), DATABASE_OUTPUTS.readEndpoint);
      for (const value of Object.values(program)) {
        if (pulumi.Output.isInstance(value)) assert.notStrictEqual(await valueOf(value), APP_PASSWORD);
      }
    });
  });
});
