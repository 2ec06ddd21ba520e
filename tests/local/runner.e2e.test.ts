// Tests of the local StatefulSet runner itself (local/), with a
// tiny socat StatefulSet instead of MySQL. Needs root (namespaces, bridge).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import { KUBELET_SYNC_FREQUENCY_MS, LocalCluster, LocalClusterOptions, withCluster } from "../../local/cluster";
import { nextVolumeSyncMs } from "../../local/pod";
import { BRIDGE_MAC, netnsPids, otherClustersRunning } from "../../local/network";
import { hostMysqlUser } from "../../local/volumes";
import { runnerFixture } from "./runner-fixture";

/* eslint-disable @typescript-eslint/no-explicit-any */

let seq = 0;
function opts(objects: any[], extra: Partial<LocalClusterOptions> = {}): LocalClusterOptions {
  return {
    objects,
    clusterId: `rt${process.pid % 1000}${seq++}`.slice(0, 6),
    readyTimeoutMs: 60_000,
    ...extra,
  };
}

/** Connect from the host, return what the server sends before closing (socat serves the pod name). */
function fetchName(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let data = "";
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      reject(new Error(`timeout connecting to ${host}:${port}`));
    });
    s.on("data", (d) => (data += d.toString()));
    s.on("error", reject);
    s.on("close", () => resolve(data.trim()));
  });
}

/** From inside a pod: read what host:port sends, using only bash (no getent/nc in the image). */
function readFromPod(
  c: LocalCluster,
  ord: number,
  host: string,
  port: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return c.exec(ord, "server", ["timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}; cat <&3`], {
    timeoutMs: 10_000,
  });
}

describe("local StatefulSet runner", function () {
  this.timeout(120_000);

  it("starts pods in order (OrderedReady), each with its own hostname, address and env", async () => {
    const lines: string[] = [];
    await withCluster(opts(runnerFixture({ replicas: 2 }), { log: (l) => lines.push(l) }), async (c) => {
      const ready0 = lines.findIndex((l) => l.startsWith("web-0: Ready"));
      const created1 = lines.findIndex((l) => l.startsWith("web-1: created"));
      assert.ok(ready0 >= 0 && created1 > ready0, `web-1 created before web-0 was Ready:\n${lines.join("\n")}`);
      for (const ord of [0, 1]) {
        const r = await c.exec(ord, "server", [
          "bash",
          "-c",
          "echo $HOSTNAME $(cat /proc/sys/kernel/hostname) $POD_IP $MEM_MB $(id -u)",
        ]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout.trim(), `web-${ord} web-${ord} ${c.podIp(ord)} 256 ${hostMysqlUser().uid}`);
        assert.strictEqual(await fetchName(c.podIp(ord), 8080), `web-${ord}`);
      }
      assert.match(c.logs(1, "init-config"), /init on web-1 boot 1 as mysql/);
    });
  });

  it("resolves the StatefulSet's pod DNS names and Service names across pods", async () => {
    await withCluster(opts(runnerFixture({ replicas: 2 })), async (c) => {
      for (const name of ["web-1.web", "web-1.web.default.svc", "web-1.web.default.svc.cluster.local"]) {
        const r = await readFromPod(c, 0, name, 8080);
        assert.strictEqual(r.stdout.trim(), "web-1", `${name}: ${r.stderr}`);
      }
      const svc = await readFromPod(c, 1, "web-read.default.svc.cluster.local", 80);
      assert.match(svc.stdout.trim(), /^web-[01]$/, svc.stderr);
      // As in Kubernetes, another pod's bare name is not resolvable; only its own is.
      const bare = await readFromPod(c, 0, "web-1", 8080);
      assert.notStrictEqual(bare.code, 0);
      // A pod that does not exist is unknown at once (NXDOMAIN), not a temporary failure clients retry.
      const absent = await readFromPod(c, 0, "web-9.web.default.svc.cluster.local", 8080);
      assert.notStrictEqual(absent.code, 0);
      assert.match(absent.stderr, /Name or service not known/);
      const resolv = await c.exec(0, "server", ["cat", "/etc/resolv.conf"]);
      assert.match(resolv.stdout, /nameserver 127\.0\.0\.1/);
    });
  });

  it("keeps a PVC dir across a pod restart and starts the pod with an empty emptyDir", async () => {
    await withCluster(opts(runnerFixture({ replicas: 1 })), async (c) => {
      const w = await c.exec(0, "server", ["bash", "-c", "echo keep > /data/file && echo gone > /work/marker"]);
      assert.strictEqual(w.code, 0, w.stderr);
      await c.restartPod(0);
      await c.waitReady(0, 30_000);
      const r = await c.exec(0, "server", ["bash", "-c", "cat /data/file /data/boot-count; ls -A /work"]);
      assert.strictEqual(r.stdout, "keep\n2\n");
      assert.doesNotMatch(c.logs(0, "init-config"), /emptyDir survived/);
      assert.match(c.logs(0, "init-config"), /boot 2/);
      assert.ok(fs.existsSync(`${c.pvcDir("data", 0)}/file`));
    });
  });

  it("keeps an emptyDir when only a container restarts, and restarts a killed container", async () => {
    await withCluster(opts(runnerFixture({ replicas: 1 })), async (c) => {
      await c.exec(0, "server", ["bash", "-c", "echo here > /work/marker"]);
      await c.killContainer(0, "server");
      await c.waitFor(
        "server to be restarted",
        () => c.events().some((e) => e === "web-0 container server exited 137 (restart 1)"),
        60_000,
      );
      await c.waitReady(0, 60_000);
      const r = await c.exec(0, "server", ["cat", "/work/marker"]);
      assert.strictEqual(r.stdout, "here\n");
      assert.match(c.logs(0, "server"), /server start \(restart 1\)/);
    });
  });

  it("retries a failing init container with backoff and records it as an event", async () => {
    await withCluster(opts(runnerFixture({ replicas: 1, initFailsOnce: true })), async (c) => {
      assert.ok(c.events().includes("web-0 init container init-config exited 3 (restart 1)"), c.events().join("\n"));
      assert.match(c.logs(0, "init-config"), /failing on purpose[\s\S]*init on web-0 boot 1/);
    });
  });

  it("restarts a container whose liveness probe fails, with a fresh writable layer", async () => {
    await withCluster(opts(runnerFixture({ replicas: 1 })), async (c) => {
      await c.exec(0, "server", ["touch", "/tmp/dead"]);
      await c.waitFor(
        "the liveness restart",
        () => c.events().some((e) => /web-0 container server failed liveness probe/.test(e)),
        60_000,
      );
      await c.waitFor(
        "server to run again",
        () => c.events().includes("web-0 container server exited 143 (restart 1)") && c.isReady(0),
        60_000,
      );
      const r = await c.exec(0, "server", ["ls", "-A", "/tmp"]);
      assert.strictEqual(r.stdout, "");
    });
  });

  it("fails a command that is not in the image's allowlist with 'command not found'", async () => {
    await withCluster(opts(runnerFixture({ replicas: 1 })), async (c) => {
      const inScript = await c.exec(0, "server", ["bash", "-c", "ncat --version"]);
      assert.strictEqual(inScript.code, 127);
      assert.match(inScript.stderr, /ncat: command not found/);
      const direct = await c.exec(0, "server", ["pv"]);
      assert.strictEqual(direct.code, 127);
      assert.match(direct.stderr, /executable file not found/);
      const allowed = await c.exec(0, "server", ["bash", "-c", "command -v mariadb-backup socat"]);
      assert.strictEqual(allowed.stdout, "/usr/local/bin/mariadb-backup\n/usr/local/bin/socat\n");
      // Not confirmed in mariadb:11.4 (image-facts.ts): the mysql* compatibility names and procps, though this host has them.
      const unconfirmed = await c.exec(0, "server", [
        "bash",
        "-c",
        "for c in mysql mysqladmin mysqld ps; do command -v $c || echo no $c; done",
      ]);
      assert.strictEqual(unconfirmed.stdout, "no mysql\nno mysqladmin\nno mysqld\nno ps\n");
    });
  });

  it("names the Debian packages a missing stand-in needs, and the images Debian cannot stand in for, before starting anything", async () => {
    const empty = fs.mkdtempSync("/tmp/no-binaries-");
    try {
      const problem = LocalCluster.hostProblem(runnerFixture({ replicas: 1 }), empty);
      assert.ok(problem, "no problem reported with an empty PATH");
      assert.match(problem, /Debian package socat \(for socat\)/);
      assert.match(problem, /Debian package mariadb-server \(for mariadbd, mariadb-install-db\)/);
      assert.match(problem, /install with: apt-get install -y \S.*mariadb-backup/);
      assert.strictEqual(
        LocalCluster.hostProblem(runnerFixture({ replicas: 1 })),
        undefined,
        "this host has every stand-in",
      );
      const mysqlImage = runnerFixture({ replicas: 1 }).map((o) =>
        o.kind === "StatefulSet"
          ? JSON.parse(JSON.stringify(o).replace(/(docker\.io\/library\/)?mariadb:11\.4/g, "mysql:8.4"))
          : o,
      );
      assert.match(LocalCluster.hostProblem(mysqlImage) ?? "", /mysql:8\.4: no Debian package provides mysqld/);
      // up() refuses before creating anything.
      const c = new LocalCluster(opts(mysqlImage));
      await assert.rejects(c.up(), /no Debian package provides mysqld/);
      assert.ok(!fs.existsSync(c.workDir), "up() created its work dir before refusing");
      await c.down();
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  /** A claim's capacity in MiB and whether writing `mib` MiB to a file on it succeeds, from inside the pod. */
  async function claimFacts(
    c: LocalCluster,
    ord: number,
    dir: string,
    mib: number,
  ): Promise<{ sizeMiB: number; write: string }> {
    const size = await c.exec(ord, "server", ["df", "-B1M", "--output=size", dir]);
    assert.strictEqual(size.code, 0, size.stderr);
    const w = await c.exec(ord, "server", [
      "bash",
      "-c",
      `rm -f ${dir}/fill; head -c ${mib}M /dev/zero > ${dir}/fill && echo ok; rm -f ${dir}/fill`,
    ]);
    return { sizeMiB: Number(size.stdout.trim().split("\n")[1]), write: (w.stdout + w.stderr).trim() };
  }

  it("makes each claim a filesystem of its requested size: template claims at the template's, rendered claims created first at theirs and grown in place", async () => {
    const objects = (claims: Record<string, string>, replicas = 1, storage = "64Mi"): any[] =>
      runnerFixture({ replicas, storage, claims, sharedClaim: "shared" });
    await withCluster(opts(objects({ shared: "32Mi" })), async (c) => {
      // The template's claim: 64Mi, and writing past it fails as on a full volume.
      let data = await claimFacts(c, 0, "/data", 80);
      assert.strictEqual(data.sizeMiB, 64);
      assert.match(data.write, /No space left on device/);
      assert.strictEqual((await claimFacts(c, 0, "/data", 40)).write, "ok");
      // The rendered claim exists at its size before the pod that mounts it starts.
      let shared = await claimFacts(c, 0, "/shared", 48);
      assert.strictEqual(shared.sizeMiB, 32);
      assert.match(shared.write, /No space left on device/);
      await c.exec(0, "server", ["bash", "-c", "echo kept > /shared/marker"]);
      // A bigger request grows it in place: same files, no pod restart.
      await c.apply(objects({ shared: "96Mi" }));
      shared = await claimFacts(c, 0, "/shared", 48);
      assert.deepStrictEqual(shared, { sizeMiB: 96, write: "ok" });
      assert.strictEqual((await c.exec(0, "server", ["cat", "/shared/marker"])).stdout, "kept\n");
      assert.strictEqual(c.status()[0].restarts, 0);
      // A data claim rendered for a new ordinal is created at its own size before that pod; a grown
      // template is not (volumeClaimTemplates are immutable): a claim made from it keeps the creation size.
      await c.apply(objects({ shared: "96Mi", "data-web-1": "128Mi" }, 3, "256Mi"));
      assert.strictEqual((await claimFacts(c, 1, "/data", 1)).sizeMiB, 128);
      data = await claimFacts(c, 2, "/data", 80);
      assert.strictEqual(data.sizeMiB, 64);
      assert.match(data.write, /No space left on device/);
      assert.ok(
        c.events().some((e) => /volumeClaimTemplates changed in the objects; kept as created/.test(e)),
        c.events().join("\n"),
      );
    });
  });

  it("keeps a pod whose claim does not exist waiting, as the scheduler does", async () => {
    const objects = runnerFixture({ replicas: 1, sharedClaim: "missing" });
    const c = new LocalCluster(opts(objects, { readyTimeoutMs: 3000 }));
    try {
      await assert.rejects(c.up(), /pod web-0 phase ContainerCreating/);
      assert.ok(
        c.events().some((e) => e.includes('persistentvolumeclaim "missing" not found')),
        c.events().join("\n"),
      );
    } finally {
      await c.down();
    }
  });

  it("updates Secret and ConfigMap volumes only at the pod's next kubelet sync, all files at once, never a subPath file", async () => {
    // The real default: syncFrequency 1m, requeued with 50 % jitter.
    assert.strictEqual(KUBELET_SYNC_FREQUENCY_MS, 60_000);
    for (let i = 0; i < 100; i++) {
      const ms = nextVolumeSyncMs(60_000);
      assert.ok(ms >= 60_000 && ms < 90_000, `${ms}`);
    }
    await withCluster(opts(runnerFixture({ replicas: 1 }), { volumeSyncPeriodMs: 3000 }), async (c) => {
      const read = async (): Promise<string> =>
        (
          await c.exec(0, "server", [
            "bash",
            "-c",
            "cat /etc/web-secret/token; echo; tail -n 1 /scripts/serve.sh; tail -n 1 /opt/web/serve.sh",
          ])
        ).stdout;
      assert.strictEqual(
        await read(),
        "tok\nexec socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo $POD_NAME'\nexec socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo $POD_NAME'\n",
      );
      const applied = Date.now();
      const eventsBefore = c.events().length;
      const synced = (): boolean =>
        c
          .events()
          .slice(eventsBefore)
          .some((e) => /web-0 volumes .* updated by the kubelet's periodic sync/.test(e));
      await c.apply(runnerFixture({ replicas: 1, token: "rotated", serveComment: "v2" }));
      // Unless the pod's periodic sync happened to fall within these few milliseconds, the old file is still there.
      assert.ok(
        (await read()).startsWith("tok\n") || synced(),
        "the Secret's file changed at once, not at the kubelet's next sync",
      );
      await c.waitFor(
        "the kubelet's sync to bring the new token",
        async () => (await read()).startsWith("rotated\n"),
        10_000,
      );
      const after = Date.now() - applied;
      assert.ok(synced(), "the file changed without a kubelet sync");
      assert.ok(after < 5500, `the refresh took ${after} ms, more than 1.5 sync periods (+1 s)`);
      // Both objects were swapped in by the same sync; the subPath file keeps its old content, as in Kubernetes.
      assert.strictEqual(
        await read(),
        "rotated\n# v2\nexec socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo $POD_NAME'\n",
      );
      // The atomic writer's layout: the key is a symlink into ..data, which points at a timestamped directory.
      const layout = await c.exec(0, "server", [
        "bash",
        "-c",
        "readlink /etc/web-secret/token /etc/web-secret/..data; ls /etc/web-secret",
      ]);
      assert.match(layout.stdout, /^\.\.data\/token\n\.\.\d{4}_\d\d_\d\dT[^\n]+\ntoken\n$/);
      assert.ok(
        c
          .events()
          .some((e) =>
            /web-0 volumes (secret, scripts|scripts, secret) updated by the kubelet's periodic sync/.test(e),
          ),
        c.events().join("\n"),
      );
    });
  });

  it("resolves secret env from the Secret, lets secretValues override it, and projects secret files", async () => {
    await withCluster(
      opts(runnerFixture({ replicas: 1 }), { secretValues: { "web-secret": { password: "overridden" } } }),
      async (c) => {
        const r = await c.exec(0, "server", [
          "bash",
          "-c",
          "echo $PASSWORD; cat /etc/web-secret/token; ls /etc/web-secret; stat -L -c %a /scripts/init.sh",
        ]);
        assert.strictEqual(r.stdout, "overridden\ntoktoken\n755\n");
      },
    );
    await withCluster(opts(runnerFixture({ replicas: 1 })), async (c) => {
      const r = await c.exec(0, "server", ["bash", "-c", "echo $PASSWORD"]);
      assert.strictEqual(r.stdout, "from-object\n");
    });
  });

  it("reports a missing secret key as a container config error and names the pod when up() gives up", async () => {
    const bad = runnerFixture({
      replicas: 1,
      env: [{ name: "X", valueFrom: { secretKeyRef: { name: "web-secret", key: "nope" } } }],
    });
    const c = new LocalCluster(opts(bad, { readyTimeoutMs: 3000 }));
    try {
      await assert.rejects(c.up(), (e: Error) => {
        assert.match(e.message, /timed out after 3s waiting for web-0 to be Ready/);
        assert.match(e.message, /pod web-0 phase CreateContainerConfigError/);
        return true;
      });
      assert.ok(
        c.events().some((e) => e.includes("secret web-secret has no key nope")),
        c.events().join("\n"),
      );
    } finally {
      await c.down();
    }
  });

  it("spreads read Service connections over Ready pods and skips not-ready ones", async () => {
    await withCluster(opts(runnerFixture({ replicas: 2 })), async (c) => {
      const { host, port } = c.readServiceAddress();
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) seen.add(await fetchName(host, port));
      assert.deepStrictEqual([...seen].sort(), ["web-0", "web-1"]);
      await c.exec(1, "server", ["touch", "/work/not-ready"]);
      await c.waitFor("web-1 to become not ready", () => !c.isReady(1), 60_000);
      for (let i = 0; i < 4; i++) assert.strictEqual(await fetchName(host, port), "web-0");
      await c.exec(0, "server", ["touch", "/work/not-ready"]);
      await c.waitFor("web-0 to become not ready", () => !c.isReady(0), 60_000);
      // No endpoints: the connection is closed without data.
      assert.strictEqual(await fetchName(host, port), "");
    });
  });

  it("makes a pod unreachable with cutNetwork while it keeps running, and reachable again with restoreNetwork", async () => {
    await withCluster(opts(runnerFixture({ replicas: 2 })), async (c) => {
      await c.cutNetwork(1);
      await assert.rejects(fetchName(c.podIp(1), 8080, 1000));
      const fromPeer = await readFromPod(c, 0, "web-1.web", 8080);
      assert.notStrictEqual(fromPeer.stdout.trim(), "web-1");
      // Still running: its own loopback works.
      const local = await readFromPod(c, 1, "127.0.0.1", 8080);
      assert.strictEqual(local.stdout.trim(), "web-1");
      await c.restoreNetwork(1);
      assert.strictEqual(await fetchName(c.podIp(1), 8080), "web-1");
    });
  });

  it("scales up and down in order, keeps PVC dirs of removed pods, and rolls a changed template highest ordinal first", async () => {
    const lines: string[] = [];
    await withCluster(opts(runnerFixture({ replicas: 1 }), { log: (l) => lines.push(l) }), async (c) => {
      await c.apply(runnerFixture({ replicas: 3 }));
      assert.ok(c.isReady(1) && c.isReady(2));
      await c.apply(runnerFixture({ replicas: 2 }));
      assert.ok(!c.isReady(2));
      assert.ok(fs.existsSync(c.pvcDir("data", 2)));
      lines.length = 0;
      await c.apply(runnerFixture({ replicas: 2, annotations: { rev: "2" } }));
      const order = lines.filter((l) => /rolling update/.test(l));
      assert.deepStrictEqual(order, ["web-1: rolling update", "web-0: rolling update"]);
      assert.match((await c.exec(0, "server", ["cat", "/data/boot-count"])).stdout, /^2\n$/);
    });
  });

  it("keeps the gateway's MAC when pods go, so the others reach the host and API server at once", async () => {
    await withCluster(opts(runnerFixture({ replicas: 4 })), async (c) => {
      const listener = net.createServer((socket) => socket.end("host\n"));
      await new Promise<void>((resolve) => listener.listen(0, c.hostAddress(), resolve));
      const port = (listener.address() as net.AddressInfo).port;
      try {
        const bridgeMac = () =>
          JSON.parse(execFileSync("ip", ["-j", "link", "show", `mcbr${c.clusterId}`], { encoding: "utf8" }))[0]
            .address as string;
        // Whichever pod's veth has the lowest MAC, the bridge keeps its own: pods 3, 2 and 1 go in turn.
        for (const replicas of [3, 2, 1]) {
          await c.apply(runnerFixture({ replicas }));
          assert.strictEqual(bridgeMac(), BRIDGE_MAC, `the bridge's MAC after scaling to ${replicas}`);
          // Pod 0's ARP entry for the gateway still holds: the host answers at once.
          const r = await readFromPod(c, 0, c.hostAddress(), port);
          assert.strictEqual(
            r.stdout,
            "host\n",
            `pod 0 could not reach the host after scaling to ${replicas}: ${r.stderr}`,
          );
        }
      } finally {
        listener.close();
      }
    });
  });

  it("leaves no namespaces, processes, mounts, bridge or created host paths after down()", async () => {
    const o = opts(runnerFixture({ replicas: 2 }));
    const optWebExisted = fs.existsSync("/opt/web");
    // A pid may be reused after down(); a survivor is a pid still in one of the pods' network namespaces.
    const procs: { pid: number; netns: string }[] = [];
    let workDir = "";
    await withCluster(o, async (c) => {
      workDir = c.workDir;
      for (const ns of [`mc${c.clusterId}-0`, `mc${c.clusterId}-1`]) {
        const netns = `net:[${fs.statSync(`/run/netns/${ns}`).ino}]`;
        for (const pid of await netnsPids(ns)) procs.push({ pid, netns });
      }
      assert.ok(procs.length >= 2, "expected processes in the pod namespaces");
    });
    const alive = procs.filter((p) => {
      try {
        return fs.readlinkSync(`/proc/${p.pid}/ns/net`) === p.netns;
      } catch {
        return false;
      }
    });
    assert.deepStrictEqual(alive, []);
    const netns = execFileSync("ip", ["netns", "list"]).toString();
    assert.doesNotMatch(netns, new RegExp(`mc${o.clusterId}-`));
    const links = execFileSync("ip", ["-o", "link", "show"]).toString();
    assert.doesNotMatch(links, new RegExp(`mc(br)?${o.clusterId}`));
    assert.doesNotMatch(fs.readFileSync("/proc/mounts", "utf8"), new RegExp(workDir));
    assert.ok(!fs.existsSync(workDir));
    assert.ok(!fs.existsSync(`/etc/netns/mc${o.clusterId}-0`));
    assert.ok(!fs.existsSync(`/run/mysql-local-stage-${o.clusterId}`));
    // Created mount points are removed by the last cluster to go down (others may have them mounted).
    if (!optWebExisted && (await otherClustersRunning(o.clusterId!)).length === 0) {
      assert.ok(!fs.existsSync("/opt/web"), "created mount point /opt/web was left behind");
    }
  });
});
