// The local API server's public surface (see server.ts).
export { startApiServer, LocalApiServer } from "./server";
export type { ApiServerOptions, Fault, RequestLogEntry } from "./server";
export { InMemoryPodStore } from "./pod-store";
export type { PodStore, MetadataPatch } from "./pod-store";
export { generateCa, API_SERVER_DNS_NAMES } from "./tls";
