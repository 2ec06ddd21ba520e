// The pods' bash API client (components/mysql-cluster/scripts/k8s-api.sh)
// against the local API server over real TLS with socat: compare-and-swap
// conflicts surface as 409, a server the pod's CA did not sign (or a wrong
// name) is refused, a rotated token is picked up, the token never appears in
// any process's argv or environment, every call is bounded by API_TIMEOUT, and
// the pure-bash JSON reading is not fooled by managedFields or nested keys.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateCa, InMemoryPodStore, LocalApiServer, startApiServer } from "../../../local/api-server";
import { SCRIPTS_DIR } from "../../support/paths";
import { agentRbac, seedLease } from "./client";

const CLIENT = path.join(SCRIPTS_DIR, "k8s-api.sh");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  pid: number;
}

/** Runs `script` in bash after sourcing the client; `onStart` sees the child while it runs. */
function runClient(
  script: string,
  env: Record<string, string>,
  onStart?: (pid: number) => Promise<void>,
): Promise<Run & { during?: unknown }> {
  const t0 = Date.now();
  const child = spawn("bash", ["-c", `set -euo pipefail\nsource "$1"\n${script}`, "client", CLIENT], {
    env: { PATH: "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const watcher = onStart ? onStart(child.pid ?? 0) : Promise.resolve();
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve, reject) => {
    child.on("close", (code) => {
      clearTimeout(killer);
      watcher.then(() => resolve({ code, stdout, stderr, ms: Date.now() - t0, pid: child.pid ?? 0 }), reject);
    });
  });
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("k8s-api.sh against the local API server", function () {
  this.timeout(60_000);
  let server: LocalApiServer;
  let pods: InMemoryPodStore;
  let dir: string;
  let saDir: string;
  let token: string;
  let env: Record<string, string>;

  before(async () => {
    pods = new InMemoryPodStore();
    server = await startApiServer({ host: "127.0.0.1", podStore: pods });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-api-test-"));
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.clearFault();
    server.loadRbac(agentRbac("db", ["db-0", "db-1"]));
    seedLease(server, "db");
    pods.add({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "db-0", namespace: "ns", labels: { app: "db" } },
      spec: {},
    });
    saDir = fs.mkdtempSync(path.join(dir, "sa-"));
    fs.copyFileSync(server.caPath, path.join(saDir, "ca.crt"));
    token = server.mintToken("ns", "agent");
    fs.writeFileSync(path.join(saDir, "token"), token);
    fs.writeFileSync(path.join(saDir, "namespace"), "ns");
    env = {
      SA_DIR: saDir,
      SA_TOKEN_NAME: "token",
      SA_CA_NAME: "ca.crt",
      SA_NAMESPACE_NAME: "namespace",
      KUBERNETES_SERVICE_HOST: server.host,
      KUBERNETES_SERVICE_PORT: String(server.port),
      API_TIMEOUT: "3",
    };
  });

  it("reads the Lease and writes it by compare-and-swap; a stale resourceVersion is a 409", async () => {
    const before = server.requests.length;
    const r = await runClient(
      `lease_get db
       old=$lease_resource_version
       echo "get $api_status holder=[$lease_holder] duration=$lease_duration transitions=$lease_transitions"
       lease_update db "$old" db-0 10 1 '{"mysql.example/primary":"db-0"}'
       echo "update $api_status rv=$lease_resource_version holder=$lease_holder renew=$lease_renew_time acquire=$lease_acquire_time"
       if lease_update db "$old" db-1 10 2; then echo "stale accepted"; else echo "stale $api_status"; fi`,
      env,
    );
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.strictEqual(lines[0], "get 200 holder=[] duration=10 transitions=0");
    assert.match(lines[1], /^update 200 rv=\d+ holder=db-0 renew=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z acquire=\S+Z$/);
    assert.strictEqual(lines[2], "stale 409");
    const stored = server.getObject("Lease", "ns", "db");
    assert.strictEqual(stored?.spec.holderIdentity, "db-0");
    assert.deepStrictEqual(stored?.metadata.annotations, { "mysql.example/primary": "db-0" });
    const log = server.requests.slice(before);
    assert.ok(log.every((e) => e.httpVersion === "1.0"));
    assert.deepStrictEqual(
      log.filter((e) => e.method === "PUT").map((e) => [e.status, e.carriedResourceVersion]),
      [
        [200, true],
        [409, true],
      ],
    );
  });

  it("merge-patches the Lease by compare-and-swap, leaving the answer in the caller's shell", async () => {
    const r = await runClient(
      `lease_get db
       old=$lease_resource_version
       lease_patch db "$old" '{"holderIdentity":"db-1","leaseTransitions":1}' '{"mysql.example/previous":"db-0"}'
       echo "patch $api_status holder=$lease_holder transitions=$lease_transitions moved=$([[ $lease_resource_version != "$old" ]] && echo yes)"
       if lease_patch db "$old" '{"holderIdentity":"db-0"}'; then echo "stale accepted"; else echo "stale $api_status"; fi`,
      env,
    );
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["patch 200 holder=db-1 transitions=1 moved=yes", "stale 409"]);
    const stored = server.getObject("Lease", "ns", "db");
    assert.strictEqual(stored?.spec.holderIdentity, "db-1");
    assert.strictEqual(stored?.spec.leaseDurationSeconds, 10, "a merge patch keeps the fields it does not name");
    assert.deepStrictEqual(stored?.metadata.annotations, { "mysql.example/previous": "db-0" });
  });

  it("keeps acquireTime while the holder renews and resets it on a takeover", async () => {
    const r = await runClient(
      `lease_get db
       lease_update db "$lease_resource_version" db-0 10 1; a1=$lease_acquire_time
       lease_update db "$lease_resource_version" db-0 10 1; a2=$lease_acquire_time; r2=$lease_renew_time
       lease_update db "$lease_resource_version" db-1 10 2; a3=$lease_acquire_time
       echo "$a1 $a2 $r2 $a3"`,
      env,
    );
    assert.strictEqual(r.code, 0, r.stderr);
    const [a1, a2, r2, a3] = r.stdout.trim().split(" ");
    assert.strictEqual(a1, a2);
    assert.notStrictEqual(r2, a2);
    assert.ok(a3 > a2, `${a3} > ${a2}`);
  });

  it("lets exactly one of two racing bash writers win", async () => {
    const rv = server.getObject("Lease", "ns", "db")?.metadata.resourceVersion as string;
    const race = (holder: string) =>
      runClient(`lease_get db; lease_update db ${rv} ${holder} 10 1 || true; echo "$api_status"`, env);
    const [a, b] = await Promise.all([race("db-0"), race("db-1")]);
    assert.deepStrictEqual([a.stdout.trim(), b.stdout.trim()].sort(), ["200", "409"]);
  });

  it("refuses a server its CA did not sign, and a certificate without the expected name", async () => {
    const other = await generateCa(saDir, "other", "kubernetes");
    fs.copyFileSync(other.certPath, path.join(saDir, "ca.crt"));
    const before = server.requests.length;
    const r = await runClient(`if lease_get db; then echo ok; else echo "refused $api_status [$api_body]"; fi`, env);
    assert.strictEqual(r.stdout.trim(), "refused 000 []");
    assert.match(r.stderr, /certificate verify failed|SSL_connect/);
    fs.copyFileSync(server.caPath, path.join(saDir, "ca.crt"));
    const named = await runClient(`if lease_get db; then echo ok; else echo "refused $api_status"; fi`, {
      ...env,
      API_SERVER_NAME: "kubernetes.example.com",
    });
    assert.strictEqual(named.stdout.trim(), "refused 000");
    assert.strictEqual(server.requests.length, before, "no request reached the server");
  });

  it("reads the token at every call, so a rotated token is picked up", async () => {
    const rotated = server.mintToken("ns", "agent");
    const before = server.requests.length;
    const r = await runClient(
      `lease_get db; echo "first $api_status"
       until [[ -e $SA_DIR/rotated ]]; do sleep 0.05; done
       lease_get db; echo "second $api_status"`,
      env,
      async () => {
        // As the kubelet does: the old token expires, the new one replaces the file atomically.
        await waitFor("the first call", () => server.requests.slice(before).some((e) => e.status === 200));
        server.revokeToken(token);
        fs.writeFileSync(path.join(saDir, "token.new"), rotated);
        fs.renameSync(path.join(saDir, "token.new"), path.join(saDir, "token"));
        fs.writeFileSync(path.join(saDir, "rotated"), "");
      },
    );
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["first 200", "second 200"]);
    server.revokeToken(rotated);
    const revoked = await runClient(`lease_get db || echo "revoked $api_status"`, env);
    assert.strictEqual(revoked.stdout.trim(), "revoked 401");
  });

  it("never puts the token in an argv or environment, and a blackholed call ends at API_TIMEOUT", async () => {
    server.setFault("127.0.0.1", { blackhole: true });
    const before = server.requests.length;
    const seen: string[] = [];
    const r = await runClient(
      `if lease_get db; then echo answered; else echo "no answer $api_status"; fi`,
      env,
      async () => {
        await waitFor("the blackholed request", () => server.requests.length > before);
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          for (const f of ["cmdline", "environ"]) {
            try {
              if (fs.readFileSync(`/proc/${pid}/${f}`).toString().includes(token)) seen.push(`${pid}/${f}`);
            } catch {
              /* gone, or not ours to read */
            }
          }
        }
        const cmdlines = fs
          .readdirSync("/proc")
          .filter((p) => /^\d+$/.test(p))
          .map((p) => {
            try {
              return fs.readFileSync(`/proc/${p}/cmdline`).toString();
            } catch {
              return "";
            }
          });
        assert.ok(
          cmdlines.some((c) => c.startsWith("socat")),
          "socat was running while the call hung",
        );
      },
    );
    assert.deepStrictEqual(seen, []);
    assert.strictEqual(r.stdout.trim(), "no answer 000");
    assert.ok(r.ms >= 3000 && r.ms < 5500, `took ${r.ms} ms with API_TIMEOUT=3`);
  });

  it("waits for a slow answer within API_TIMEOUT (past socat's default half-close timeout)", async () => {
    server.setFault("*", { latencyMs: 1500 });
    const r = await runClient(`lease_get db; echo "$api_status $lease_duration"`, env);
    assert.strictEqual(r.stdout.trim(), "200 10", r.stderr);
  });

  it("returns 1 with the status of an error answer", async () => {
    server.setFault("*", { status: 503 });
    const r = await runClient(`lease_get db || echo "failed $api_status"; json_string message || true`, env);
    assert.match(r.stdout, /^failed 503\n/);
  });

  it("labels pods by merge patch and records events", async () => {
    const r = await runClient(
      `pod_label db-0 role primary; echo "label $api_status"
       pod_label db-0 app null; echo "unlabel $api_status"
       event_create Pod db-0 Promoted 'took over: "db-1" lost its lease (é)' Warning; echo "event $api_status"
       pod_label db-9 role primary || echo "other $api_status"`,
      env,
    );
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["label 200", "unlabel 200", "event 201", "other 403"]);
    assert.deepStrictEqual(pods.get("ns", "db-0")?.metadata.labels, { role: "primary" });
    const ev = server.listEvents("ns").find((e) => e.reason === "Promoted");
    assert.strictEqual(ev?.message, 'took over: "db-1" lost its lease (é)'); // Content-Length counts bytes
    assert.strictEqual(ev?.type, "Warning");
    assert.deepStrictEqual(ev?.involvedObject, { kind: "Pod", namespace: "ns", name: "db-0", apiVersion: "v1" });
  });
});

describe("k8s-api.sh JSON reading", () => {
  const read = (body: string, script: string) =>
    runClient(`api_body=$BODY\n${script}`, { BODY: body }).then((r) => {
      assert.strictEqual(r.code, 0, r.stderr);
      return r.stdout;
    });

  // managedFields (with f:holderIdentity), labels and annotations named like
  // spec fields, a nested "spec" inside metadata, all before the real spec.
  const NOISY =
    '{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"db","namespace":"ns",' +
    '"uid":"u","resourceVersion":"42","creationTimestamp":"2026-01-01T00:00:00Z",' +
    '"labels":{"holderIdentity":"label-value"},"annotations":{"renewTime":"ann","x":"{\\"holderIdentity\\":\\"esc\\"}"},' +
    '"ownerReferences":[{"spec":{"holderIdentity":"nested"}}],' +
    '"managedFields":[{"manager":"m","operation":"Update","apiVersion":"coordination.k8s.io/v1","time":"2026-01-01T00:00:00Z",' +
    '"fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:holderIdentity":{},"f:leaseDurationSeconds":{}},"spec":{"holderIdentity":"mf"}}}]},' +
    '"spec":{"holderIdentity":"db-\\"1\\"\\\\ \\u00e9\\/x","leaseDurationSeconds":15,"renewTime":null,"leaseTransitions":-0}}';

  it("finds metadata and spec fields of the top level only, past managedFields and nested keys", async () => {
    const out = await read(
      NOISY,
      `json_string holderIdentity; echo
       json_number leaseDurationSeconds; echo
       json_string resourceVersion; echo
       json_string renewTime || echo "renewTime null"
       json_string acquireTime || echo "acquireTime absent"
       json_string leaseDurationSeconds || echo "not a string"
       json_number holderIdentity || echo "not a number"
       json_number leaseTransitions; echo`,
    );
    assert.deepStrictEqual(out.split("\n"), [
      'db-"1"\\ é/x',
      "15",
      "42",
      "renewTime null",
      "acquireTime absent",
      "not a string",
      "not a number",
      "-0",
      "",
    ]);
  });

  it("reads pretty-printed JSON and says 'not found' for what is not JSON", async () => {
    const pretty = JSON.stringify(JSON.parse(NOISY), null, 2);
    assert.strictEqual(await read(pretty, `json_string holderIdentity`), 'db-"1"\\ é/x');
    assert.strictEqual(await read("<html>503</html>", `json_string holderIdentity || echo none`), "none\n");
    assert.strictEqual(
      await read('{"spec":{"holderIdentity":"unterminated', `json_string holderIdentity || echo none`),
      "none\n",
    );
  });

  it("writes MicroTime the server accepts: UTC, six fraction digits", async () => {
    const out = await read("", "micro_time");
    assert.match(out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(Math.abs(Date.parse(out) - Date.now()) < 5000, out);
  });
});

describe("k8s-api.sh callers", () => {
  it("never pipe into an API call, which would lose api_status and api_body in a subshell", () => {
    const calls = /\|\s*(?:\\\s*)?(api_request|lease_get|lease_update|lease_patch|pod_label|event_create)\b/;
    const offenders = fs
      .readdirSync(SCRIPTS_DIR)
      .filter((f) => f.endsWith(".sh"))
      .flatMap((f) => {
        const text = fs.readFileSync(path.join(SCRIPTS_DIR, f), "utf8").replace(/\|\|/g, "  ");
        const m = calls.exec(text);
        return m ? [`${f}: ${m[0].replace(/\s+/g, " ")}`] : [];
      });
    assert.deepStrictEqual(offenders, []);
  });
});
