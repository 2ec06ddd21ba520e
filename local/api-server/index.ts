// The local API server's public surface (rules and sources in server.ts,
// rbac.ts, objects.ts). Typical use by the runner:
//   const api = await startApiServer({ host: bridgeGatewayIp, port: 6443, podStore });
//   api.loadRbac(renderedRolesAndBindings);         // Role/RoleBinding objects
//   api.putObject(renderedLease);                   // the component's Lease
//   const token = api.mintToken(namespace, "<service account>");
//   // mount into the agent's container: ca.crt <- api.caPath, token, namespace;
//   // env KUBERNETES_SERVICE_HOST=<host>, KUBERNETES_SERVICE_PORT=<api.port>
//   api.setFault(podIp, { blackhole: true });       // or "*", latencyMs, status
//   api.requests;                                   // what each client asked and got
//   await api.close();
export { startApiServer, LocalApiServer } from "./server";
export type { ApiServerOptions, Fault, RequestLogEntry } from "./server";
export { InMemoryPodStore } from "./pod-store";
export type { PodStore, MetadataPatch } from "./pod-store";
export { generateCa, API_SERVER_DNS_NAMES } from "./tls";
