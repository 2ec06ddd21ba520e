// kube-proxy stand-in for ClusterIP Services: a TCP proxy on a virtual IP of
// the pod bridge that hands each new connection to the next Ready pod
// matching the Service's selector (round-robin), and refuses it when there is
// none. Headless Services need no proxy: their names are in the hosts files.
import * as net from "net";
import { K8sObject } from "./k8s";

export interface Endpoint {
  name: string;
  ip: string;
  ready: boolean;
  labels: Record<string, string>;
  /** Resolve a Service targetPort (number or container port name) on this pod. */
  port(target: number | string): number | undefined;
}

export function isProxied(svc: K8sObject): boolean {
  return (
    svc?.kind === "Service" && svc.spec?.clusterIP !== "None" && (svc.spec?.type ?? "ClusterIP") !== "ExternalName"
  );
}

export class ServiceProxy {
  private servers: net.Server[] = [];
  private sockets = new Set<net.Socket>();
  private next = 0;
  connections = 0;

  constructor(
    public spec: K8sObject,
    readonly vip: string,
    private readonly endpoints: () => Endpoint[],
  ) {}

  get name(): string {
    return this.spec.metadata.name;
  }

  ports(): number[] {
    return (this.spec.spec?.ports ?? []).map((p: K8sObject) => p.port);
  }

  async start(): Promise<void> {
    for (const p of this.spec.spec?.ports ?? []) {
      if ((p.protocol ?? "TCP") !== "TCP") continue;
      const server = net.createServer((client) => this.forward(client, p));
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(p.port, this.vip, () => resolve());
      });
      this.servers.push(server);
    }
  }

  /** Ready pods the selector matches, as the Endpoints controller would list them. */
  readyEndpoints(): Endpoint[] {
    const sel: Record<string, string> = this.spec.spec?.selector ?? {};
    if (Object.keys(sel).length === 0) return [];
    return this.endpoints().filter((e) => e.ready && Object.entries(sel).every(([k, v]) => e.labels[k] === v));
  }

  private forward(client: net.Socket, port: K8sObject): void {
    const eps = this.readyEndpoints();
    if (eps.length === 0) {
      client.destroy(); // like a REJECT: no endpoints
      return;
    }
    const ep = eps[this.next++ % eps.length];
    const targetPort = ep.port(port.targetPort ?? port.port);
    if (!targetPort) {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = net.connect({ host: ep.ip, port: targetPort });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}
