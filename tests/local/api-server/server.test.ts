// The local API server keeps the real server's rules: authentication (401),
// RBAC by resourceNames (403), resourceVersion compare-and-swap (409), Lease
// validation (400/422), HTTP/1.0 vs chunked HTTP/1.1 framing, pod label
// patches through its PodStore, events, and injected faults.
import * as assert from "assert";
import { InMemoryPodStore, LocalApiServer, startApiServer } from "../../../local/api-server";
import { AnyObject } from "../../support/objects";
import { agentRbac, LEASE_PATH, rawExchange, request, seedLease } from "./client";

const MICRO = "2026-01-02T03:04:05.123456Z";

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("local API server", function () {
  this.timeout(30_000);
  let server: LocalApiServer;
  let pods: InMemoryPodStore;
  let token: string;

  before(async () => {
    pods = new InMemoryPodStore();
    server = await startApiServer({ host: "127.0.0.1", podStore: pods });
  });
  after(async () => server.close());
  beforeEach(() => {
    server.clearFault();
    server.loadRbac(agentRbac("db", ["db-0", "db-1"]));
    token = server.mintToken("ns", "agent");
    seedLease(server, "db");
    pods.add({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "db-0", namespace: "ns", labels: { app: "db" } },
      spec: {},
    });
  });

  const lease = (rv: string, spec: AnyObject = {}, name = "db") => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "ns", resourceVersion: rv },
    spec: { holderIdentity: "db-0", leaseDurationSeconds: 10, renewTime: MICRO, leaseTransitions: 1, ...spec },
  });

  it("serves a certificate for the in-cluster names and the listen IP, signed by its CA", async () => {
    const r = await request(server, "GET", `${LEASE_PATH}/db`, { token });
    assert.strictEqual(r.status, 200); // request() verifies against caPath for kubernetes.default.svc
  });

  describe("authentication", () => {
    it("refuses an unknown token with 401 Unauthorized", async () => {
      const r = await request(server, "GET", `${LEASE_PATH}/db`, { token: "not-a-token" });
      assert.strictEqual(r.status, 401);
      assert.deepStrictEqual(r.body, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Unauthorized",
        reason: "Unauthorized",
        code: 401,
      });
    });

    it("treats no token as system:anonymous, which RBAC refuses", async () => {
      const r = await request(server, "GET", `${LEASE_PATH}/db`);
      assert.strictEqual(r.status, 403);
      assert.match(r.body.message, /User "system:anonymous" cannot get/);
    });

    it("refuses a revoked token", async () => {
      const t = server.mintToken("ns", "agent");
      assert.strictEqual((await request(server, "GET", `${LEASE_PATH}/db`, { token: t })).status, 200);
      server.revokeToken(t);
      assert.strictEqual((await request(server, "GET", `${LEASE_PATH}/db`, { token: t })).status, 401);
    });
  });

  describe("RBAC", () => {
    it("allows the named Lease and refuses another with the real message", async () => {
      server.putObject({ kind: "Lease", metadata: { name: "other", namespace: "ns" }, spec: {} });
      const r = await request(server, "PUT", `${LEASE_PATH}/other`, { token, body: lease("1", {}, "other") });
      assert.strictEqual(r.status, 403);
      assert.strictEqual(
        r.body.message,
        'leases.coordination.k8s.io "other" is forbidden: User "system:serviceaccount:ns:agent" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "ns"',
      );
      assert.deepStrictEqual(r.body.details, { name: "other", group: "coordination.k8s.io", kind: "leases" });
      assert.strictEqual(r.body.reason, "Forbidden");
    });

    it("cannot limit create or an unfiltered list by resourceNames, but a metadata.name list is limited", async () => {
      server.loadRbac([
        {
          kind: "Role",
          metadata: { name: "agent", namespace: "ns" },
          rules: [
            {
              apiGroups: ["coordination.k8s.io"],
              resources: ["leases"],
              resourceNames: ["db"],
              verbs: ["create", "list", "get"],
            },
          ],
        },
      ]);
      const create = await request(server, "POST", LEASE_PATH, { token, body: lease("", {}, "db") });
      assert.strictEqual(create.status, 403);
      assert.match(
        create.body.message,
        /^leases\.coordination\.k8s\.io is forbidden: .* cannot create resource "leases"/,
      );
      assert.strictEqual((await request(server, "GET", LEASE_PATH, { token })).status, 403);
      const named = await request(server, "GET", `${LEASE_PATH}?fieldSelector=metadata.name%3Ddb`, { token });
      assert.strictEqual(named.status, 200);
      assert.deepStrictEqual(
        named.body.items.map((i: AnyObject) => i.metadata.name),
        ["db"],
      );
    });

    it("refuses other namespaces, verbs and service accounts", async () => {
      const other = server.mintToken("ns", "someone-else");
      assert.strictEqual((await request(server, "GET", `${LEASE_PATH}/db`, { token: other })).status, 403);
      const r = await request(server, "DELETE", `${LEASE_PATH}/db`, { token });
      assert.strictEqual(r.status, 403);
      assert.strictEqual(
        (await request(server, "GET", "/apis/coordination.k8s.io/v1/namespaces/elsewhere/leases/db", { token })).status,
        403,
      );
    });
  });

  describe("resourceVersion", () => {
    it("bumps one global counter on every write and refuses a stale PUT with 409", async () => {
      const got = await request(server, "GET", `${LEASE_PATH}/db`, { token });
      const rv = got.body.metadata.resourceVersion as string;
      const global = Number(server.resourceVersion);
      assert.ok(Number(rv) <= global);
      const first = await request(server, "PUT", `${LEASE_PATH}/db`, { token, body: lease(rv) });
      assert.strictEqual(first.status, 200);
      assert.strictEqual(Number(first.body.metadata.resourceVersion), global + 1);
      assert.strictEqual(first.body.spec.holderIdentity, "db-0");
      const stale = await request(server, "PUT", `${LEASE_PATH}/db`, {
        token,
        body: lease(rv, { holderIdentity: "db-1" }),
      });
      assert.strictEqual(stale.status, 409);
      assert.strictEqual(
        stale.body.message,
        'Operation cannot be fulfilled on leases.coordination.k8s.io "db": the object has been modified; please apply your changes to the latest version and try again',
      );
      assert.strictEqual(stale.body.reason, "Conflict");
      assert.strictEqual(server.getObject("Lease", "ns", "db")?.spec.holderIdentity, "db-0");
    });

    it("lets exactly one of two concurrent compare-and-swap writers win", async () => {
      for (let round = 0; round < 5; round++) {
        const rv = (await request(server, "GET", `${LEASE_PATH}/db`, { token })).body.metadata
          .resourceVersion as string;
        const [a, b] = await Promise.all([
          request(server, "PUT", `${LEASE_PATH}/db`, {
            token,
            body: lease(rv, { holderIdentity: "db-0", leaseTransitions: round + 10 }),
          }),
          request(server, "PUT", `${LEASE_PATH}/db`, {
            token,
            body: lease(rv, { holderIdentity: "db-1", leaseTransitions: round + 10 }),
          }),
        ]);
        assert.deepStrictEqual([a.status, b.status].sort(), [200, 409]);
        const winner = a.status === 200 ? "db-0" : "db-1";
        assert.strictEqual(server.getObject("Lease", "ns", "db")?.spec.holderIdentity, winner);
      }
    });

    it("refuses a PUT without resourceVersion: Leases do not allow unconditional updates", async () => {
      const r = await request(server, "PUT", `${LEASE_PATH}/db`, { token, body: lease("") });
      assert.strictEqual(r.status, 422);
      assert.strictEqual(
        r.body.message,
        'leases.coordination.k8s.io "db" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      );
    });

    it("applies a merge patch without resourceVersion last-write-wins, and checks one that carries it", async () => {
      const rv = (await request(server, "GET", `${LEASE_PATH}/db`, { token })).body.metadata.resourceVersion as string;
      await request(server, "PUT", `${LEASE_PATH}/db`, { token, body: lease(rv) }); // rv is now stale
      const blind = await request(server, "PATCH", `${LEASE_PATH}/db`, {
        token,
        contentType: "application/merge-patch+json",
        body: { spec: { holderIdentity: "db-1" } },
      });
      assert.strictEqual(blind.status, 200);
      assert.strictEqual(blind.body.spec.holderIdentity, "db-1");
      assert.strictEqual(blind.body.spec.leaseDurationSeconds, 10); // merged, not replaced
      const checked = await request(server, "PATCH", `${LEASE_PATH}/db`, {
        token,
        contentType: "application/merge-patch+json",
        body: { metadata: { resourceVersion: rv }, spec: { holderIdentity: "db-0" } },
      });
      assert.strictEqual(checked.status, 409);
      const json = await request(server, "PATCH", `${LEASE_PATH}/db`, {
        token,
        contentType: "application/json",
        body: {},
      });
      assert.strictEqual(json.status, 415);
    });

    it("does not write an update that changes nothing", async () => {
      const rv = (await request(server, "GET", `${LEASE_PATH}/db`, { token })).body.metadata.resourceVersion as string;
      const a = await request(server, "PUT", `${LEASE_PATH}/db`, { token, body: lease(rv) });
      const b = await request(server, "PUT", `${LEASE_PATH}/db`, {
        token,
        body: lease(a.body.metadata.resourceVersion),
      });
      assert.strictEqual(b.status, 200);
      assert.strictEqual(b.body.metadata.resourceVersion, a.body.metadata.resourceVersion);
    });
  });

  describe("Lease validation", () => {
    const put = async (spec: AnyObject) => {
      const rv = (await request(server, "GET", `${LEASE_PATH}/db`, { token })).body.metadata.resourceVersion as string;
      return request(server, "PUT", `${LEASE_PATH}/db`, { token, body: lease(rv, spec) });
    };

    it("refuses leaseDurationSeconds <= 0 and negative leaseTransitions with 422 Invalid", async () => {
      const r = await put({ leaseDurationSeconds: 0 });
      assert.strictEqual(r.status, 422);
      assert.strictEqual(
        r.body.message,
        'Lease.coordination.k8s.io "db" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      );
      assert.deepStrictEqual(r.body.details.causes, [
        {
          reason: "FieldValueInvalid",
          message: "Invalid value: 0: must be greater than 0",
          field: "spec.leaseDurationSeconds",
        },
      ]);
      assert.strictEqual((await put({ leaseTransitions: -1 })).status, 422);
    });

    it("refuses a badly typed field or a time not in MicroTime format with 400, as the decoder does", async () => {
      assert.strictEqual((await put({ holderIdentity: 7 })).status, 400);
      assert.strictEqual((await put({ leaseDurationSeconds: 1.5 })).status, 400);
      for (const t of ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123Z", "2026-01-02 03:04:05.123456Z", "yesterday"])
        assert.strictEqual((await put({ renewTime: t })).status, 400, t);
    });

    it("stores MicroTime in UTC with microseconds, in the real field order, with managedFields", async () => {
      const r = await put({ acquireTime: "2026-01-02T04:04:05.000001+01:00" });
      assert.strictEqual(r.status, 200);
      assert.strictEqual(r.body.spec.acquireTime, "2026-01-02T03:04:05.000001Z");
      assert.deepStrictEqual(Object.keys(r.body), ["kind", "apiVersion", "metadata", "spec"]);
      assert.deepStrictEqual(Object.keys(r.body.spec), [
        "holderIdentity",
        "leaseDurationSeconds",
        "acquireTime",
        "renewTime",
        "leaseTransitions",
      ]);
      assert.ok(r.text.includes('"f:holderIdentity":{}'), r.text);
      assert.ok(!r.text.includes(": "), "compact JSON");
    });
  });

  describe("HTTP framing", () => {
    const get = (version: string) =>
      `GET ${LEASE_PATH}/db HTTP/${version}\r\nHost: kubernetes.default.svc\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;

    it("answers HTTP/1.1 chunked", async () => {
      const out = await rawExchange(server, get("1.1"));
      assert.match(out, /^HTTP\/1\.1 200 /);
      assert.match(out, /\r\nTransfer-Encoding: chunked\r\n/i);
    });

    it("answers HTTP/1.0 with Content-Length, unchunked, then closes", async () => {
      const out = await rawExchange(server, get("1.0"));
      assert.match(out, /^HTTP\/1\.[01] 200 /);
      assert.doesNotMatch(out, /Transfer-Encoding/i);
      const [head, body] = out.split("\r\n\r\n");
      const length = Number(/\r\nContent-Length: (\d+)/i.exec(head)?.[1]);
      assert.strictEqual(Buffer.byteLength(body), length);
      assert.strictEqual((JSON.parse(body) as AnyObject).metadata.name, "db");
    });
  });

  describe("pods and events", () => {
    it("patches pod labels through the PodStore and refuses other fields", async () => {
      const r = await request(server, "PATCH", "/api/v1/namespaces/ns/pods/db-0", {
        token,
        contentType: "application/merge-patch+json",
        body: { metadata: { labels: { role: "primary", app: null } } },
      });
      assert.strictEqual(r.status, 200, r.text);
      assert.deepStrictEqual(pods.get("ns", "db-0")?.metadata.labels, { role: "primary" });
      const spec = await request(server, "PATCH", "/api/v1/namespaces/ns/pods/db-0", {
        token,
        contentType: "application/merge-patch+json",
        body: { spec: { nodeName: "x" } },
      });
      assert.strictEqual(spec.status, 422);
      assert.strictEqual((await request(server, "GET", "/api/v1/namespaces/ns/pods/db-1", { token })).status, 404);
      assert.strictEqual((await request(server, "GET", "/api/v1/namespaces/ns/pods/web-0", { token })).status, 403);
    });

    it("creates and lists events", async () => {
      const ev = {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: "db-0.1", namespace: "ns" },
        involvedObject: { kind: "Pod", namespace: "ns", name: "db-0" },
        reason: "Promoted",
        message: "m",
        type: "Normal",
      };
      assert.strictEqual(
        (await request(server, "POST", "/api/v1/namespaces/ns/events", { token, body: ev })).status,
        201,
      );
      assert.strictEqual(
        (await request(server, "POST", "/api/v1/namespaces/ns/events", { token, body: ev })).status,
        409,
      );
      const bad = { ...ev, metadata: { name: "db-0.2" }, type: "Odd" };
      assert.strictEqual(
        (await request(server, "POST", "/api/v1/namespaces/ns/events", { token, body: bad })).status,
        422,
      );
      const list = await request(server, "GET", "/api/v1/namespaces/ns/events", { token });
      assert.strictEqual(list.status, 200);
      assert.ok(list.body.items.some((i: AnyObject) => i.metadata.name === "db-0.1" && i.reason === "Promoted"));
    });
  });

  describe("faults", () => {
    it("answers an injected status with a Status body, per source IP or globally", async () => {
      server.setFault("127.0.0.2", { status: 503 });
      const hit = await request(server, "GET", `${LEASE_PATH}/db`, { token, localAddress: "127.0.0.2" });
      assert.strictEqual(hit.status, 503);
      assert.strictEqual(hit.body.reason, "ServiceUnavailable");
      assert.strictEqual(
        (await request(server, "GET", `${LEASE_PATH}/db`, { token, localAddress: "127.0.0.1" })).status,
        200,
      );
      server.setFault("*", { status: 429 });
      const limited = await request(server, "GET", `${LEASE_PATH}/db`, { token, localAddress: "127.0.0.1" });
      assert.strictEqual(limited.status, 429);
      assert.strictEqual(limited.headers["retry-after"], "1");
      server.clearFault("*");
      assert.strictEqual(
        (await request(server, "GET", `${LEASE_PATH}/db`, { token, localAddress: "127.0.0.1" })).status,
        200,
      );
    });

    it("delays by latencyMs", async () => {
      server.setFault("*", { latencyMs: 400 });
      const t0 = Date.now();
      assert.strictEqual((await request(server, "GET", `${LEASE_PATH}/db`, { token })).status, 200);
      assert.ok(Date.now() - t0 >= 400);
    });

    it("blackholes: accepts, never answers; the client's timeout is what ends it; the log shows it", async () => {
      server.setFault("127.0.0.1", { blackhole: true });
      const before = server.requests.length;
      const t0 = Date.now();
      await assert.rejects(request(server, "GET", `${LEASE_PATH}/db`, { token, timeoutMs: 800 }), /client timeout/);
      assert.ok(Date.now() - t0 >= 800);
      const entry = server.requests.slice(before).find((e) => e.path === `${LEASE_PATH}/db`);
      assert.ok(entry);
      assert.strictEqual(entry.status, 0);
      assert.strictEqual(entry.sourceIp, "127.0.0.1");
    });

    it("close() ends blackholed connections and frees the port", async () => {
      const other = await startApiServer({ host: "127.0.0.1" });
      other.loadRbac(agentRbac("db", []));
      seedLease(other, "db");
      other.setFault("*", { blackhole: true });
      const pending = request(other, "GET", `${LEASE_PATH}/db`, {
        token: other.mintToken("ns", "agent"),
        timeoutMs: 20_000,
      });
      await waitUntil(() => other.requests.length > 0);
      const t0 = Date.now();
      await other.close();
      await assert.rejects(pending);
      assert.ok(Date.now() - t0 < 2000);
    });

    it("logs method, path, source IP, status and whether a resourceVersion was carried", async () => {
      const before = server.requests.length;
      const rv = (await request(server, "GET", `${LEASE_PATH}/db`, { token })).body.metadata.resourceVersion as string;
      await request(server, "PUT", `${LEASE_PATH}/db`, { token, body: lease(rv) });
      const log = server.requests.slice(before).map((e) => [e.method, e.status, e.carriedResourceVersion, e.sourceIp]);
      assert.deepStrictEqual(log, [
        ["GET", 200, false, "127.0.0.1"],
        ["PUT", 200, true, "127.0.0.1"],
      ]);
    });
  });
});
