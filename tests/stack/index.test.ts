// The stack program (index.ts) under Pulumi mocks with the dev stack's config,
// as `pulumi up` would run it: the outputs application stacks read, and the
// passwords among them kept secret.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  installMocks,
  isSecret,
  mockCertificate,
  MockRecorder,
  mockPassword,
  settle,
  valueOf,
} from "../support/pulumi-mocks";
import { AnyObject } from "../support/objects";
import { ROOT } from "../support/paths";
import { stackConfig } from "../support/stack";

const PROGRAM = path.join(ROOT, "index.ts");

/** The inputs of the ConfigMap of scripts and server configuration, "mysql-config-<hash>" (the other is the topology). */
function scriptsConfigMap(mocks: MockRecorder): AnyObject {
  const found = mocks
    .ofType("kubernetes:core/v1:ConfigMap")
    .map((r) => r.inputs as AnyObject)
    .filter((c) => c.metadata.name.startsWith("mysql-config-"));
  assert.strictEqual(found.length, 1, "scripts ConfigMaps");
  return found[0];
}

/** Runs index.ts afresh (it reads config when loaded). */
function runProgram(): AnyObject {
  delete require.cache[require.resolve(PROGRAM)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(PROGRAM);
}

describe("stack program index.ts", function () {
  describe("with the dev stack's config", function () {
    let mocks: MockRecorder;
    let outputs: AnyObject;

    before(async function () {
      mocks = await installMocks({ config: stackConfig("dev") });
      outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
    });

    it("exports exactly the documented outputs", function () {
      assert.deepStrictEqual(Object.keys(outputs).sort(), [
        "appDatabase",
        "appPassword",
        "appUser",
        "backupClaim",
        "caCertificate",
        "namespace",
        "port",
        "primaryLease",
        "primaryPod",
        "readEndpoint",
        "secretName",
        "writeEndpoint",
      ]);
      for (const [key, value] of Object.entries(outputs))
        assert.ok(pulumi.Output.isInstance(value), `${key} is not an Output`);
    });

    it("exports exactly the outputs README.md's Outputs table lists, and the README says how an admin reads root's password instead", function () {
      const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
      const section = /^## Outputs$([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? "";
      const listed = [...section.matchAll(/^\| ((?:`[A-Za-z]+`(?:, )?)+) \|/gm)].flatMap((row) =>
        [...row[1].matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]),
      );
      assert.deepStrictEqual(listed.sort(), Object.keys(outputs).sort());
      assert.match(
        section,
        /kubectl -n <namespace> get secret <secretName> -o jsonpath='\{\.data\.root-password\}' \| base64 -d/,
      );
    });

    it("exports the endpoints, port, namespace and app user of the dev cluster", async function () {
      assert.strictEqual(await valueOf(outputs.writeEndpoint), "mysql-write.default.svc.cluster.local");
      assert.strictEqual(await valueOf(outputs.readEndpoint), "mysql-read.default.svc.cluster.local");
      assert.strictEqual(await valueOf(outputs.port), 3306);
      assert.strictEqual(await valueOf(outputs.namespace), "default");
      assert.strictEqual(await valueOf(outputs.secretName), "mysql-credentials");
      assert.strictEqual(await valueOf(outputs.appDatabase), "shop");
      assert.strictEqual(await valueOf(outputs.appUser), "shop");
    });

    it("exports the generated CA certificate, in plain, for clients to verify the servers", async function () {
      assert.strictEqual(await valueOf(outputs.caCertificate), mockCertificate("mysql-ca"));
      assert.strictEqual(await isSecret(outputs.caCertificate), false);
    });

    it("deploys the NetworkPolicy admitting app.kubernetes.io/name=shop, and TLS with require_secure_transport", function () {
      const policy = mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs as AnyObject;
      assert.deepStrictEqual(policy.spec.ingress[1].from, [
        { podSelector: { matchLabels: { "app.kubernetes.io/name": "shop" } } },
      ]);
      assert.match(scriptsConfigMap(mocks).data["server.cnf"], /^require_secure_transport = ON$/m);
    });

    it("exports the app password as a secret, and nothing else as a secret", async function () {
      assert.strictEqual(await valueOf(outputs.appPassword), mockPassword("mysql-app-password"));
      for (const [key, value] of Object.entries(outputs)) {
        assert.strictEqual(await isSecret(value), key === "appPassword", `${key} secret-ness`);
      }
    });

    it("exports no output holding the root password: a stack that may reference this one must not read it", async function () {
      const root = mockPassword("mysql-root-password");
      const secret = mocks
        .ofType("kubernetes:core/v1:Secret")
        .map((r) => r.inputs as AnyObject)
        .find((s) => s.metadata.name === "mysql-credentials");
      assert.strictEqual(secret?.stringData["root-password"], root, "the Secret an admin reads it from");
      assert.ok(!("rootPassword" in outputs));
      for (const [key, value] of Object.entries(outputs))
        assert.ok(!JSON.stringify((await valueOf(value)) ?? null).includes(root), `${key} holds the root password`);
    });

    it("deploys 3 MariaDB pods with 20Gi volumes, as Pulumi.dev.yaml says, with the default exporter", function () {
      const sts = mocks.one("kubernetes:apps/v1:StatefulSet").inputs as AnyObject;
      assert.strictEqual(sts.spec.replicas, 3);
      assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
      assert.deepStrictEqual(
        sts.spec.template.spec.containers.map((c: AnyObject) => `${c.name}=${c.image}`),
        ["mysql=mariadb:11.4", "sidecar=mariadb:11.4", "exporter=prom/mysqld-exporter:v0.16.0"],
      );
      assert.strictEqual(mocks.ofType("kubernetes:core/v1:PersistentVolumeClaimPatch").length, 3);
    });
  });

  describe("with a scaled replica count", function () {
    it("deploys as many pods and claim patches as `replicas` says", async function () {
      const mocks = await installMocks({ config: stackConfig("dev", { replicas: "5" }) });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      assert.strictEqual((mocks.one("kubernetes:apps/v1:StatefulSet").inputs as AnyObject).spec.replicas, 5);
      assert.strictEqual(mocks.ofType("kubernetes:core/v1:PersistentVolumeClaimPatch").length, 5);
    });
  });

  describe("with a tlsSecret", function () {
    it("exports no CA certificate", async function () {
      await installMocks({ config: stackConfig("dev", { tlsSecret: "corp-db-tls" }) });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      assert.strictEqual(await valueOf(outputs.caCertificate), undefined);
    });
  });

  describe("with backupSchedule set", function () {
    it("exports the backup PVC's name for a new cluster's restoreFromClaim, and creates the CronJob on that schedule", async function () {
      const mocks = await installMocks({
        config: stackConfig("dev", { backupSchedule: "0 3 * * *", backupRetention: "14" }),
      });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      assert.strictEqual(await valueOf(outputs.backupClaim), "mysql-backups");
      const cronJob = mocks.ofType("kubernetes:batch/v1:CronJob").map((r) => r.inputs as AnyObject);
      assert.strictEqual(cronJob.length, 1);
      assert.strictEqual(cronJob[0].spec.schedule, "0 3 * * *");
      const env = cronJob[0].spec.jobTemplate.spec.template.spec.containers[0].env as AnyObject[];
      assert.strictEqual(env.find((e) => e.name === "BACKUP_RETENTION")?.value, "14");
    });

    it("exports no backup PVC without backupSchedule (the dev stack)", async function () {
      await installMocks({ config: stackConfig("dev") });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      assert.strictEqual(await valueOf(outputs.backupClaim), undefined);
    });
  });

  describe("where the primary is", function () {
    it("exports the Lease's name, and no primary pod before any pod holds it", async function () {
      await installMocks({ config: stackConfig("dev") });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      assert.strictEqual(await valueOf(outputs.primaryLease), "mysql-primary");
      assert.strictEqual(await valueOf(outputs.primaryPod), undefined);
    });

    it("exports the holder the provider reads back as primaryPod (after a failover and a refresh)", async function () {
      await installMocks({ config: stackConfig("dev"), liveLeaseHolder: "mysql-2" });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      assert.strictEqual(await valueOf(outputs.primaryPod), "mysql-2");
    });
  });

  describe("with passwordRotation set", function () {
    it("hands the rotation to every generated password as its keepers", async function () {
      const mocks = await installMocks({ config: stackConfig("dev", { passwordRotation: "4" }) });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      const passwords = mocks.ofType("random:index/randomPassword:RandomPassword");
      // root, replication, backup, monitor, exporter (metrics is on by default) and app.
      assert.strictEqual(passwords.length, 6);
      for (const p of passwords) assert.deepStrictEqual((p.inputs as AnyObject).keepers, { rotation: "4" }, p.name);
    });
  });

  describe("with the production settings from stack config strings", function () {
    it("passes tolerations (JSON), priorityClassName, hardSpread, spreadAcrossZones, semiSync, failover, failoverLeaseSeconds, metrics and serviceMonitor through to the objects", async function () {
      const tolerations = '[{"key":"dedicated","operator":"Equal","value":"db","effect":"NoSchedule"}]';
      const mocks = await installMocks({
        config: stackConfig("dev", {
          tolerations,
          priorityClassName: "db-critical",
          hardSpread: "true",
          spreadAcrossZones: "true",
          semiSync: "false",
          failover: "false",
          failoverLeaseSeconds: "20",
          serviceMonitor: "true",
        }),
      });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      const pod = (mocks.one("kubernetes:apps/v1:StatefulSet").inputs as AnyObject).spec.template.spec;
      assert.deepStrictEqual(pod.tolerations, JSON.parse(tolerations));
      assert.strictEqual(pod.priorityClassName, "db-critical");
      assert.ok(
        pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
        "hardSpread did not require the node spread",
      );
      assert.strictEqual(pod.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
      const cnf: string = scriptsConfigMap(mocks).data["server.cnf"];
      assert.ok(!/rpl_semi_sync/.test(cnf), "semiSync false still configures semi-sync");
      const sidecar = (pod.containers as AnyObject[]).find((c) => c.name === "sidecar")!;
      const env = Object.fromEntries((sidecar.env as AnyObject[]).map((e) => [e.name, e.value]));
      assert.deepStrictEqual([env.FAILOVER, env.LEASE_SECONDS], ["false", "20"]);
      assert.strictEqual(
        (mocks.one("kubernetes:coordination.k8s.io/v1:Lease").inputs as AnyObject).spec.leaseDurationSeconds,
        20,
      );
      assert.strictEqual(mocks.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").length, 1);
    });

    it("fails naming failover for semiSync false with failover on (its default), and registers no Kubernetes object", async function () {
      const mocks = await installMocks({ config: stackConfig("dev", { semiSync: "false" }) });
      assert.throws(() => runProgram(), /setting "failover": got true; expected semiSync to be true too/);
      await settle();
      assert.deepStrictEqual(
        mocks.resources.filter((r) => r.type.startsWith("kubernetes:")),
        [],
      );
    });

    it("fails naming tolerations for a value that is not a JSON array, and registers no Kubernetes object", async function () {
      const mocks = await installMocks({ config: stackConfig("dev", { tolerations: "dedicated=db:NoSchedule" }) });
      assert.throws(
        () => runProgram(),
        /setting "tolerations": got "dedicated=db:NoSchedule"; expected a JSON array of tolerations/,
      );
      await settle();
      assert.deepStrictEqual(
        mocks.resources.filter((r) => r.type.startsWith("kubernetes:")),
        [],
      );
    });
  });

  describe("with an invalid setting", function () {
    it("fails naming the setting and registers no Kubernetes object", async function () {
      const mocks = await installMocks({ config: stackConfig("dev", { replicas: "many" }) });
      assert.throws(() => runProgram(), /setting "replicas": got "many"; expected a whole number from 1 to 99/);
      await settle();
      assert.deepStrictEqual(
        mocks.resources.filter((r) => r.type.startsWith("kubernetes:")),
        [],
      );
    });

    it("fails naming requireTls for a value that is not true or false, and registers nothing", async function () {
      const mocks = await installMocks({ config: stackConfig("dev", { requireTls: "yes" }) });
      assert.throws(() => runProgram(), /setting "requireTls": got "yes"; expected true or false/);
      await settle();
      assert.deepStrictEqual(
        mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
        [],
      );
    });
  });

  describe("with serviceMonitorLabels", function () {
    it("registers the ServiceMonitor with the labels a Prometheus selects on", async function () {
      const mocks = await installMocks({
        config: stackConfig("dev", { serviceMonitor: "true", serviceMonitorLabels: "release=kube-prometheus-stack" }),
      });
      const outputs = runProgram();
      await valueOf(outputs.writeEndpoint);
      await settle();
      const monitor = mocks.one("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").inputs as AnyObject;
      assert.strictEqual(monitor.metadata.labels.release, "kube-prometheus-stack");
    });
  });

  describe("with keys the program does not read", function () {
    /** Runs the program on the dev stack plus `extra` (full keys) and returns the one error it throws; no Kubernetes object may be registered. */
    async function failure(extra: Record<string, string>): Promise<string> {
      const mocks = await installMocks({ config: { ...stackConfig("dev"), ...extra } });
      let message = "";
      assert.throws(
        () => runProgram(),
        (e: unknown) => {
          message = String(e);
          return e instanceof Error && e.name === "MySqlClusterConfigError";
        },
      );
      await settle();
      assert.deepStrictEqual(
        mocks.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.type),
        [],
      );
      return message;
    }

    it('refuses a misspelt setting ("replica: 5" would deploy 3 pods), suggesting the setting meant', async function () {
      assert.match(
        await failure({ "mysql-cluster:replica": "5" }),
        /setting "replica": not a setting of this stack; did you mean "replicas"\?/,
      );
    });

    it("refuses a setting in the wrong case (AppDatabase), suggesting appDatabase", async function () {
      assert.match(
        await failure({ "mysql-cluster:AppDatabase": "orders" }),
        /setting "AppDatabase": not a setting of this stack; did you mean "appDatabase"\?/,
      );
    });

    it("refuses a setting under a misspelt project namespace, without showing its value", async function () {
      const message = await failure({ "mysql:replicas": "5", "mysql-clustr:tlsSecret": "s3cr3t-value" });
      assert.match(
        message,
        /setting "mysql:replicas": its namespace "mysql" is not this project's \("mysql-cluster:<setting>"\).*; did you mean "mysql-cluster:replicas"\?/,
      );
      assert.match(message, /setting "mysql-clustr:tlsSecret": its namespace "mysql-clustr"/);
      assert.ok(!message.includes("s3cr3t-value"), "the error shows a foreign key's value");
    });

    // A Pulumi ESC environment the stack imports hands its whole pulumiConfig to every importing stack.
    it("runs with other programs' keys in the stack (an imported ESC environment's aws:region)", async function () {
      await installMocks({
        config: {
          ...stackConfig("dev"),
          "aws:region": "eu-west-1",
          "aws:secretKey": "s3cr3t-value",
          "datadog:apiKey": "k",
        },
      });
      const outputs = runProgram();
      assert.strictEqual(await valueOf(outputs.writeEndpoint), "mysql-write.default.svc.cluster.local");
      await settle();
    });

    // pulumi.Config() reads "<project>:<key>" with Pulumi.yaml's name; a renamed project must run on its own keys.
    it("runs in a project renamed in Pulumi.yaml, its settings under the new name", async function () {
      const renamed = Object.fromEntries(
        Object.entries(stackConfig("dev")).map(([k, v]) => [k.replace(/^mysql-cluster:/, "my-db:"), v]),
      );
      await installMocks({ project: "my-db", config: renamed });
      const outputs = runProgram();
      assert.strictEqual(await valueOf(outputs.writeEndpoint), "mysql-write.default.svc.cluster.local");
      await settle();
    });

    it("lists an unknown key and a bad value in one error, calling the cluster's name clusterName", async function () {
      const message = await failure({ "mysql-cluster:replica": "5", "mysql-cluster:clusterName": "Bad_Name" });
      assert.match(message, /setting "replica": not a setting/);
      assert.match(message, /setting "clusterName": got "Bad_Name"; expected a DNS label/);
      assert.ok(!message.includes('setting "name"'), message);
    });

    it("accepts the keys of the providers and engine it uses (kubernetes:, random:, tls:, pulumi:)", async function () {
      await installMocks({
        config: {
          ...stackConfig("dev"),
          "kubernetes:context": "prod",
          "kubernetes:enableServerSideApply": "true",
          "random:x": "1",
          "tls:y": "2",
          "pulumi:disable-default-providers": "[]",
        },
      });
      const outputs = runProgram();
      assert.strictEqual(await valueOf(outputs.writeEndpoint), "mysql-write.default.svc.cluster.local");
      await settle();
    });
  });

  after(function () {
    delete require.cache[require.resolve(PROGRAM)];
  });
});
