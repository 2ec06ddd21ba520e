// The pod network: one bridge per cluster in the root namespace, one network
// namespace + veth per pod, and per-namespace /etc/hosts, resolv.conf and nsswitch.conf that
// `ip netns exec` bind-mounts over /etc. This stands in for the CNI plugin and
// cluster DNS. Only addresses in 10.213.0.0/16 on our own bridge are touched.
import * as fs from "fs";
import * as path from "path";
import { run, tryRun } from "./sh";

const NETNS_ETC = "/etc/netns";
/** The bridge's own (locally administered) MAC: each cluster's bridge is its own link, so one value serves all. */
export const BRIDGE_MAC = "02:6d:62:00:00:01";

export class PodNetwork {
  readonly bridge: string;
  private subnet = -1;
  private vips = 0;

  constructor(readonly clusterId: string) {
    this.bridge = `mcbr${clusterId}`;
  }

  nsName(ordinal: number): string {
    return `mc${this.clusterId}-${ordinal}`;
  }

  private vethName(ordinal: number): string {
    return `mc${this.clusterId}h${ordinal}`;
  }

  podIp(ordinal: number): string {
    if (this.subnet < 0) throw new Error("network not created yet");
    return `10.213.${this.subnet}.${10 + ordinal}`;
  }

  gateway(): string {
    return `10.213.${this.subnet}.1`;
  }

  /** Create the bridge on a /24 no other bridge of ours uses (two clusters may run at once). */
  async create(): Promise<void> {
    const used = new Set<number>();
    const addrs = (await run("ip", ["-4", "-o", "addr", "show"])).stdout;
    for (const m of addrs.matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(m[1]));
    let h = 0;
    for (const c of this.clusterId) h = (h * 31 + c.charCodeAt(0)) % 250;
    for (let i = 0; i < 250; i++) {
      const n = ((h + i) % 250) + 1;
      if (!used.has(n)) {
        this.subnet = n;
        break;
      }
    }
    if (this.subnet < 0) throw new Error("no free 10.213.x.0/24 subnet");
    await run("ip", ["link", "add", this.bridge, "type", "bridge"]);
    // A bridge without an address of its own takes its lowest port's, so removing that pod's
    // veth changed the gateway's MAC under every other pod: their ARP entries for the API
    // server, the host and the Services went stale, and a lost node or a scale-down cut
    // every pod off from the API for 30-60 s (measured: 47 s, a failover delayed to 65 s).
    await run("ip", ["link", "set", this.bridge, "address", BRIDGE_MAC]);
    await run("ip", ["addr", "add", `${this.gateway()}/24`, "dev", this.bridge]);
    await run("ip", ["link", "set", this.bridge, "up"]);
  }

  /** Allocate a Service virtual IP on the bridge (kube-proxy's ClusterIP stand-in). */
  async addVirtualIp(): Promise<string> {
    const ip = `10.213.${this.subnet}.${2 + this.vips++}`;
    if (2 + this.vips > 9) throw new Error("too many Services (max 8 virtual IPs)");
    await run("ip", ["addr", "add", `${ip}/32`, "dev", this.bridge]);
    return ip;
  }

  /** A locally administered MAC, unique per ordinal on this cluster's bridge. */
  podMac(ordinal: number): string {
    return `02:6d:63:00:${((ordinal >> 8) & 0xff).toString(16).padStart(2, "0")}:${(ordinal & 0xff).toString(16).padStart(2, "0")}`;
  }

  async addPod(ordinal: number): Promise<void> {
    const ns = this.nsName(ordinal);
    const veth = this.vethName(ordinal);
    await this.removePod(ordinal); // a crashed earlier attempt may have left it half made
    await run("ip", ["netns", "add", ns]);
    await run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    await run("ip", ["link", "set", veth, "master", this.bridge]);
    await run("ip", ["link", "set", veth, "up"]);
    await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    // The address stays the same across pod restarts, so the MAC must too: a new
    // MAC behind an old address leaves the host's ARP entry pointing nowhere
    // until it expires, and connections to the restarted pod time out meanwhile.
    await run("ip", ["-n", ns, "link", "set", "eth0", "address", this.podMac(ordinal)]);
    await tryRun("ip", ["neigh", "flush", "to", this.podIp(ordinal), "dev", this.bridge]);
    await run("ip", ["-n", ns, "addr", "add", `${this.podIp(ordinal)}/24`, "dev", "eth0"]);
    await run("ip", ["-n", ns, "link", "set", "eth0", "up"]);
    fs.mkdirSync(path.join(NETNS_ETC, ns), { recursive: true });
  }

  /** Kill whatever still runs in the pod's namespace, then remove it. */
  async removePod(ordinal: number): Promise<void> {
    await removeNamespace(this.nsName(ordinal));
    await tryRun("ip", ["link", "del", this.vethName(ordinal)]);
  }

  /** A blackhole route for `ip` in the pod's namespace: nothing from the pod reaches it, so no connection either way. */
  async blackhole(ordinal: number, ip: string, on: boolean): Promise<void> {
    const args = [
      "netns",
      "exec",
      this.nsName(ordinal),
      "ip",
      "route",
      on ? "replace" : "del",
      "blackhole",
      `${ip}/32`,
    ];
    if (on) await run("ip", args);
    else await tryRun("ip", args);
  }

  /** Bridge port down: the pod keeps running but nothing gets in or out (a partition). */
  async setLink(ordinal: number, up: boolean): Promise<void> {
    await run("ip", ["link", "set", this.vethName(ordinal), up ? "up" : "down"]);
  }

  /**
   * Write the pod's /etc/hosts and resolv.conf. Written in place (same inode)
   * because running containers see them through bind mounts, which a rename
   * would leave pointing at the old file.
   */
  writeNameFiles(ordinal: number, hostsText: string, searchDomains: string[]): void {
    const dir = path.join(NETNS_ETC, this.nsName(ordinal));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "hosts"), hostsText);
    // Never real DNS: nothing listens on the pod's loopback port 53.
    fs.writeFileSync(
      path.join(dir, "resolv.conf"),
      `search ${searchDomains.join(" ")}\nnameserver 127.0.0.1\noptions ndots:5 timeout:1 attempts:1\n`,
    );
    // A name /etc/hosts lacks is unknown, as CoreDNS answers NXDOMAIN for a pod that does not exist.
    // Through the resolver it was a "temporary failure" (EAI_AGAIN), which MariaDB's client retries
    // for 8.4 s: a wait no cluster has, which held up every failover's candidate choice.
    fs.writeFileSync(path.join(dir, "nsswitch.conf"), "hosts: files\n");
  }

  /** Remove everything of this cluster, including leftovers of earlier crashed runs with the same id. */
  async destroy(): Promise<void> {
    const list = (await tryRun("ip", ["netns", "list"])).stdout;
    const prefix = `mc${this.clusterId}-`;
    for (const line of list.split("\n")) {
      const name = line.split(" ")[0];
      if (name.startsWith(prefix)) await removeNamespace(name);
    }
    for (const entry of safeReaddir(NETNS_ETC)) {
      if (entry.startsWith(prefix)) fs.rmSync(path.join(NETNS_ETC, entry), { recursive: true, force: true });
    }
    const links = (await tryRun("ip", ["-o", "link", "show"])).stdout;
    for (const m of links.matchAll(new RegExp(`^\\d+: (mc${this.clusterId}h\\d+)[@:]`, "gm"))) {
      await tryRun("ip", ["link", "del", m[1]]);
    }
    await tryRun("ip", ["link", "del", this.bridge]);
    // /etc/netns is created by us if it did not exist; leave it only if someone else uses it.
    try {
      fs.rmdirSync(NETNS_ETC);
    } catch {
      /* not empty or gone */
    }
  }
}

/** Ids of other local clusters that still have pods (a namespace named mc<id>-N). */
export async function otherClustersRunning(ownId: string): Promise<string[]> {
  const list = (await tryRun("ip", ["netns", "list"])).stdout;
  const ids = new Set<string>();
  for (const m of list.matchAll(/^mc([a-z0-9]{1,6})-\d+/gm)) if (m[1] !== ownId) ids.add(m[1]);
  return [...ids];
}

/** Processes in a network namespace, whatever pid/mount namespace they are in. */
export async function netnsPids(ns: string): Promise<number[]> {
  const r = await tryRun("ip", ["netns", "pids", ns]);
  if (r.code !== 0) return [];
  return r.stdout
    .split("\n")
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

async function removeNamespace(ns: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const pids = await netnsPids(ns);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await tryRun("ip", ["netns", "del", ns]);
  fs.rmSync(path.join(NETNS_ETC, ns), { recursive: true, force: true });
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
