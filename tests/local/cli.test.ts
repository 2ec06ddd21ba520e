// `npm run local` without root: what `up --stack` reads from a stack, and the
// host check that must refuse, before anything starts, on a machine lacking
// a stand-in's Debian packages (faked with an empty binary lookup path).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../local/cli";
import { renderForLocal, stackArgs } from "../../local/render-source";
import { clientDir, socketPath, supervisorLog } from "../../local/supervisor";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Runs the CLI in this process; what it printed on each stream. */
async function cli(argv: string[], hostPath?: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    const code = await main(argv, { hostPath });
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("npm run local", function () {
  this.timeout(60_000);

  describe("up --stack dev", () => {
    it("renders the dev stack's own settings (Pulumi.yaml defaults and Pulumi.dev.yaml), as pulumi up would", () => {
      const r = renderForLocal({ stack: "dev" });
      const sts = r.objects.find((o: any) => o.kind === "StatefulSet");
      assert.strictEqual(sts.metadata.name, "mysql");
      assert.strictEqual(sts.metadata.namespace, "default");
      assert.strictEqual(sts.spec.replicas, 3);
      assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
      const policy = r.objects.find((o: any) => o.kind === "NetworkPolicy");
      assert.ok(
        JSON.stringify(policy).includes('"app.kubernetes.io/name":"shop"'),
        "the dev stack's clientPodSelector is not in the NetworkPolicy",
      );
      assert.deepStrictEqual(
        { ...r.app, password: typeof r.app?.password, ca: r.app?.ca.startsWith("-----BEGIN CERTIFICATE-----") },
        {
          host: "mysql-write.default.svc.cluster.local",
          port: 3306,
          user: "shop",
          database: "shop",
          password: "string",
          ca: true,
        },
      );
      // The password handed to the client is the one in the rendered Secret.
      const secret = r.objects.find((o: any) => o.kind === "Secret" && o.stringData?.["app-password"]);
      assert.strictEqual(secret.stringData["app-password"], r.app?.password);
      // --replicas overrides the stack's (as `scale` does later).
      const scaled = renderForLocal({ stack: "dev", replicas: 1 }).objects.find((o: any) => o.kind === "StatefulSet");
      assert.strictEqual(scaled.spec.replicas, 1);
    });

    it("refuses a stack file that does not exist or that the program would refuse, with the program's error", async () => {
      const missing = await cli(["--id", "nostk", "up", "--stack", "no-such-stack"]);
      assert.strictEqual(missing.code, 1);
      assert.match(missing.err, /cannot render objects: no stack file Pulumi\.no-such-stack\.yaml/);
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "local-stack-"));
      try {
        fs.copyFileSync("Pulumi.yaml", path.join(root, "Pulumi.yaml"));
        fs.writeFileSync(path.join(root, "Pulumi.bad.yaml"), "config:\n  mysql-cluster:replica: 3\n");
        assert.throws(
          () => stackArgs("bad", root),
          /setting "replica": not a setting of this stack; did you mean "replicas"\?/,
        );
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it("does not combine --stack with --flavor or --objects", async () => {
      const r = await cli(["--id", "nostk", "up", "--stack", "dev", "--flavor", "mysql"]);
      assert.strictEqual(r.code, 2);
      assert.match(r.err, /--stack runs the stack's own settings: it does not combine with --flavor or --objects/);
    });
  });

  it("prints its usage for --help anywhere, refuses an unknown or valueless option, and starts nothing either way", async () => {
    const id = `hp${process.pid % 10000}`;
    const help = await cli(["--id", id, "up", "--stack", "dev", "--help"]);
    assert.strictEqual(help.code, 0);
    assert.match(help.out, /^usage: npm run local -- \[--id ID\] <command>/);
    assert.match(help.out, /up --stack NAME \[--replicas N\]/);
    assert.strictEqual(help.err, "");
    const misspelt = await cli(["--id", id, "up", "--stak", "dev"]);
    assert.strictEqual(misspelt.code, 2);
    assert.match(misspelt.err, /^unknown option --stak\nusage: npm run local/);
    const valueless = await cli(["--id", id, "up", "--stack"]);
    assert.strictEqual(valueless.code, 2);
    assert.match(valueless.err, /^--stack needs a value\n/);
    const short = await cli(["--id", id, "up", "-x"]);
    assert.strictEqual(short.code, 2);
    assert.match(short.err, /^unknown option -x\n/);
    for (const r of [help, misspelt, valueless, short])
      assert.doesNotMatch(r.out + r.err, /supervisor pid|listening on|created/);
    for (const p of [socketPath(id), supervisorLog(id), clientDir(id), `/tmp/mysql-local/${id}`])
      assert.ok(!fs.existsSync(p), `${p} was created`);
  });

  it("on a host lacking the stand-ins' packages, names exactly what to install and starts nothing", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-binaries-"));
    const id = `nb${process.pid % 10000}`;
    try {
      const r = await cli(["--id", id, "up", "--stack", "dev"], empty);
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.out, "", "printed progress: something was started");
      assert.match(r.err, /^this host cannot stand in for the pods' images; missing:/);
      assert.match(r.err, /Debian package mariadb-server \(for mariadbd, mariadb-install-db\)/);
      assert.match(r.err, /Debian package prometheus-mysqld-exporter \(for mysqld_exporter\)/);
      const install = /^install with: apt-get install -y (.+)$/m.exec(r.err);
      assert.ok(install, r.err);
      assert.deepStrictEqual(install[1].split(" ").sort(), [
        "bash",
        "coreutils",
        "mariadb-backup",
        "mariadb-client",
        "mariadb-server",
        "prometheus-mysqld-exporter",
        "socat",
        "tar",
      ]);
      for (const p of [socketPath(id), supervisorLog(id), clientDir(id), `/tmp/mysql-local/${id}`])
        assert.ok(!fs.existsSync(p), `${p} was created`);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("names only the one missing package when a single stand-in binary is absent", async () => {
    // A lookup path with every binary the stand-ins need except socat.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "no-socat-"));
    try {
      for (const cmd of [
        "bash",
        "cat",
        "mariadbd",
        "mariadb-install-db",
        "mariadb",
        "mariadb-admin",
        "mariadb-backup",
        "mbstream",
        "sha1sum",
        "sha256sum",
        "tar",
        "prometheus-mysqld-exporter",
      ]) {
        fs.writeFileSync(path.join(dir, cmd), "#!/bin/sh\n", { mode: 0o755 });
      }
      const r = await cli(["--id", "nosoc", "up", "--stack", "dev"], dir);
      assert.strictEqual(r.code, 1);
      assert.strictEqual(
        r.err,
        "this host cannot stand in for the pods' images; missing:\n  Debian package socat (for socat)\ninstall with: apt-get install -y socat",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
