// Test helpers for the local API server: an HTTPS client that verifies the
// server as a pod would (its CA, the name kubernetes.default.svc), a raw TLS
// exchange for checking the HTTP framing, and the RBAC objects a cluster
// renders for its failover agent.
import * as fs from "fs";
import * as https from "https";
import * as tls from "tls";
import { LocalApiServer } from "../../../local/api-server";
import { AnyObject } from "../../support/objects";

export interface Reply {
  status: number;
  body: AnyObject;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  contentType?: string;
  localAddress?: string;
  timeoutMs?: number;
}

export function request(server: LocalApiServer, method: string, path: string, o: RequestOptions = {}): Promise<Reply> {
  const payload = o.body === undefined ? undefined : typeof o.body === "string" ? o.body : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: server.host,
        port: server.port,
        method,
        path,
        ca: fs.readFileSync(server.caPath),
        servername: "kubernetes.default.svc",
        agent: false,
        localAddress: o.localAddress,
        headers: {
          ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}),
          ...(payload !== undefined ? { "Content-Type": o.contentType ?? "application/json" } : {}),
        },
        timeout: o.timeoutMs ?? 5000,
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => {
          let body: AnyObject = {};
          try {
            body = JSON.parse(text) as AnyObject;
          } catch {
            /* left empty: the test looks at text */
          }
          resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Sends `raw` over TLS and returns everything the server wrote until it closed (or timeoutMs). */
export function rawExchange(server: LocalApiServer, raw: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: server.host,
      port: server.port,
      ca: fs.readFileSync(server.caPath),
      servername: "kubernetes.default.svc",
    });
    let out = "";
    const timer = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, timeoutMs);
    s.on("secureConnect", () => s.write(raw));
    s.on("data", (d: Buffer) => (out += d.toString()));
    s.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export const LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/ns/leases";

/** The Role and RoleBinding shape the component renders: the one Lease by name, pods, events. */
export function agentRbac(leaseName: string, podNames: string[]): AnyObject[] {
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "agent", namespace: "ns" },
      rules: [
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          resourceNames: [leaseName],
          verbs: ["get", "update", "patch"],
        },
        { apiGroups: [""], resources: ["pods"], resourceNames: podNames, verbs: ["get", "patch"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "list"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "agent", namespace: "ns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agent" },
      subjects: [{ kind: "ServiceAccount", name: "agent", namespace: "ns" }],
    },
  ];
}

export function seedLease(server: LocalApiServer, name = "db"): AnyObject {
  return server.putObject({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "ns", labels: { app: "db" } },
    spec: { leaseDurationSeconds: 10, leaseTransitions: 0 },
  });
}
