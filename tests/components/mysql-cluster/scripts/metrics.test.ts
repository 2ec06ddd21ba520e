// The metrics port and the exporter's login (issue 14 hole 6, issue 13 defect
// 7): serve-metrics.sh passes a plain GET /metrics on to the exporter and
// refuses the multi-target endpoints of mysqld_exporter >= 0.15 (/probe, and
// /metrics?target=, which connect anywhere with the exporter's login); and
// after a rotation the sidecar asks the exporter to re-read its login with
// POST /-/reload, which 0.16 answers "ok" (mysqld_exporter.go, v0.16.0).

import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { makeSandbox, runBash, Sandbox, spawnBash } from "../../../support/sandbox";

/** A stand-in exporter: records each request, answers like mysqld_exporter 0.16 (or with 404 when `reload` is false). */
async function fakeExporter(reload = true): Promise<{ port: number; requests: string[]; close(): void }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
    if (req.url === "/metrics") res.end("mysql_up 1\n");
    else if (req.url === "/-/reload" && req.method === "POST" && reload) res.end("ok");
    else {
      res.statusCode = 404;
      res.end("not found\n");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, requests, close: () => server.close() };
}

describe("the metrics port and the exporter's login", function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let exporter: Awaited<ReturnType<typeof fakeExporter>>;
  afterEach(() => {
    exporter?.close();
    sandbox?.remove();
  });

  const serve = (request: string) =>
    runBash(sandbox, `bash "$SCRIPTS_DIR/serve-metrics.sh"`, { SCRIPTS_DIR: sandbox.scripts }, request);

  it("passes GET /metrics on to the exporter, without the client's headers", async () => {
    exporter = await fakeExporter();
    sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String(exporter.port) });
    const r = await serve("GET /metrics HTTP/1.1\r\nHost: pod\r\nX-Injected: 1\r\nAccept-Encoding: gzip\r\n\r\n");
    assert.match(r.stdout, /^HTTP\/1\.[01] 200/);
    assert.match(r.stdout, /mysql_up 1/);
    assert.strictEqual(exporter.requests.length, 1);
    assert.match(exporter.requests[0], /^GET \/metrics /);
    assert.doesNotMatch(exporter.requests[0], /x-injected|gzip/i);
  });

  it("adds the binary log archiver's metrics after the exporter's, dropping the exporter's Content-Length", async () => {
    // A stand-in that states its length, as Go's net/http does for a short body.
    const lengthy = http.createServer((_req, res) => {
      res.setHeader("Content-Length", "11");
      res.end("mysql_up 1\n");
    });
    await new Promise<void>((resolve) => lengthy.listen(0, "127.0.0.1", resolve));
    try {
      sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String((lengthy.address() as AddressInfo).port) });
      const plain = await serve("GET /metrics HTTP/1.1\r\nHost: pod\r\n\r\n");
      assert.match(plain.stdout, /^Content-Length: 11\r$/im);
      fs.writeFileSync(path.join(sandbox.run, "binlog-archive.prom"), "mysql_binlog_archive_gap 0\n");
      const r = await serve("GET /metrics HTTP/1.1\r\nHost: pod\r\n\r\n");
      assert.match(r.stdout, /^HTTP\/1\.[01] 200 OK\r\n/);
      assert.doesNotMatch(r.stdout, /content-length/i);
      const body = r.stdout.slice(r.stdout.indexOf("\r\n\r\n") + 4);
      assert.strictEqual(body, "mysql_up 1\nmysql_binlog_archive_gap 0\n");
    } finally {
      lengthy.close();
    }
  });

  for (const request of [
    "GET /probe?target=10.0.0.9:3306 HTTP/1.1",
    "GET /metrics?target=10.0.0.9:3306 HTTP/1.1",
    "GET /probe?target=unix:///run/mysqld/mysqld.sock&auth_module=client HTTP/1.1",
    "POST /-/reload HTTP/1.1",
    "GET / HTTP/1.1",
    "GET /metrics?collect[]=global_status HTTP/1.1",
    "GET /metrics HTTP/1.1 extra",
  ]) {
    it(`refuses "${request}" with 403 and never reaches the exporter`, async () => {
      exporter = await fakeExporter();
      sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String(exporter.port) });
      const r = await serve(`${request}\r\nHost: pod\r\n\r\n`);
      assert.match(r.stdout, /^HTTP\/1\.0 403 Forbidden\r\n/);
      assert.deepStrictEqual(exporter.requests, []);
    });
  }

  // Slowloris: a header every 300 ms kept each of the listener's 8 processes (socat max-children=8)
  // for as long as the client liked, since each line had its own 10 s timeout.
  it("answers 408 to a request whose headers trickle in past the deadline, and never reaches the exporter", async () => {
    exporter = await fakeExporter();
    sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String(exporter.port) });
    const run = spawnBash(
      sandbox,
      `bash "$SCRIPTS_DIR/serve-metrics.sh"`,
      { SCRIPTS_DIR: sandbox.scripts, METRICS_REQUEST_SECONDS: "2" },
      15_000,
    );
    run.child.stdin.write("GET /metrics HTTP/1.1\r\n");
    let n = 0;
    const trickle = setInterval(() => {
      if (n++ < 30 && run.child.stdin.writable) run.child.stdin.write(`X-Slow-${n}: 1\r\n`);
    }, 300);
    const r = await run.done;
    clearInterval(trickle);
    assert.ok(r.ms < 5_000, `a trickling client held the metrics process ${r.ms} ms`);
    assert.match(r.stdout, /^HTTP\/1\.0 408 Request Timeout\r\n/);
    assert.deepStrictEqual(exporter.requests, []);
  });

  for (const [what, input] of [
    ["an endless header line", `GET /metrics HTTP/1.1\r\nX-Big: ${"a".repeat(20_000)}`],
    ["a thousand headers", `GET /metrics HTTP/1.1\r\n${"X-H: 1\r\n".repeat(1000)}`],
  ] as const) {
    it(`refuses ${what} at once (431), without waiting for the rest`, async () => {
      exporter = await fakeExporter();
      sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String(exporter.port) });
      // stdin stays open: the script must not need the client to stop sending.
      const run = spawnBash(sandbox, `bash "$SCRIPTS_DIR/serve-metrics.sh"`, { SCRIPTS_DIR: sandbox.scripts }, 15_000);
      run.child.stdin.write(input);
      const r = await run.done;
      assert.ok(r.ms < 5_000, `took ${r.ms} ms`);
      assert.match(r.stdout, /^HTTP\/1\.0 431 Request Header Fields Too Large\r\n/);
      assert.deepStrictEqual(exporter.requests, []);
    });
  }

  it("serves the headers Prometheus sends, arriving in pieces, within the deadline", async () => {
    exporter = await fakeExporter();
    sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String(exporter.port) });
    const run = spawnBash(sandbox, `bash "$SCRIPTS_DIR/serve-metrics.sh"`, { SCRIPTS_DIR: sandbox.scripts }, 15_000);
    run.child.stdin.write("GET /metrics HTTP/1.1\r\nHost: 10.0.0.5:9104\r\nUser-Agent: Prometheus/2.53.0\r\n");
    setTimeout(
      () =>
        run.child.stdin.end(
          "Accept: application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.1,*/*;q=0.1\r\n" +
            "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n",
        ),
      200,
    );
    const r = await run.done;
    assert.match(r.stdout, /^HTTP\/1\.[01] 200/);
    assert.match(r.stdout, /mysql_up 1/);
  });

  it('asks the exporter to reload its login (POST /-/reload) and succeeds on its "ok"', async () => {
    exporter = await fakeExporter();
    sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String(exporter.port) });
    const r = await runBash(sandbox, `source "$LIB"; reload_exporter && echo reloaded`);
    assert.strictEqual(r.stdout, "reloaded\n", r.stderr);
    assert.match(exporter.requests[0], /^POST \/-\/reload /);
  });

  it("reports a reload the exporter does not confirm (an exporter older than 0.15 has no /-/reload)", async () => {
    exporter = await fakeExporter(false);
    sandbox = makeSandbox({ EXPORTER_LOCAL_PORT: String(exporter.port) });
    const r = await runBash(sandbox, `source "$LIB"; reload_exporter || echo unconfirmed`);
    assert.strictEqual(r.stdout, "unconfirmed\n");
  });

  it("writes the exporter's login with only a [client] section on the socket, and says when it changed", async () => {
    sandbox = makeSandbox();
    fs.writeFileSync(path.join(sandbox.secrets, "exporter-password"), "exporterSecret1");
    const r = await runBash(
      sandbox,
      `source "$LIB"; write_exporter_config; echo "[first]"; write_exporter_config; echo "[second]"`,
      { METRICS: "true" },
    );
    assert.strictEqual(r.stdout, "changed\n[first]\n[second]\n", r.stderr);
    const text = fs.readFileSync(path.join(sandbox.exporter, "exporter.cnf"), "utf8");
    assert.deepStrictEqual(text.match(/^\[[^\]]+\]$/gm), ["[client]"]);
    assert.match(text, /^socket=/m);
    assert.doesNotMatch(text, /^host=/m);
    assert.strictEqual(fs.statSync(path.join(sandbox.exporter, "exporter.cnf")).mode & 0o077, 0);
  });
});
