// The production objects and settings, on the rendered manifests: the
// PodDisruptionBudget, node and zone spread, priorityClassName and
// tolerations, semi-synchronous replication in server.cnf, the metrics
// exporter sidecar with its Service, ServiceMonitor, NetworkPolicy rule and
// Secret key, and ensure-users.sh creating the exporter user only when its
// password file exists (run for real against a stub SQL client).

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Service } from "kubernetes-models/v1/Service";
import { MySqlClusterArgs, resolveArgs, Toleration } from "../../../components/mysql-cluster/args";
import { requiredSecretKeys } from "../../../components/mysql-cluster/builders/credentials-secret";
import { SEMI_SYNC_NO_FALLBACK_MS } from "../../../components/mysql-cluster/config-files";
import { objectsByKey, renderCluster } from "../../../components/mysql-cluster/render";
import { AnyObject } from "../../support/objects";
import { libValues, makeSandbox, Sandbox } from "../../support/sandbox";

function render(args: MySqlClusterArgs = {}, name = "db") {
  const m: Record<string, AnyObject> = objectsByKey(
    renderCluster(resolveArgs(name, { namespace: "data", ...args }), {
      passwords: (key) => `pw-xyz-${key}`,
      tls: { cert: "CERT-xyz", key: "KEY-xyz", ca: "CA-xyz" },
    }),
  );
  return {
    m,
    sts: m.statefulSet as AnyObject,
    pod: (m.statefulSet as AnyObject).spec.template.spec as AnyObject,
    cnf: m.configMap.data["server.cnf"] as string,
  };
}

/** Does {matchLabels} select these labels? */
function selects(selector: AnyObject, labels: Record<string, string>): boolean {
  const entries = Object.entries<string>(selector.matchLabels ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function validate(Model: new (data: never) => { validate(): void }, obj: AnyObject): void {
  try {
    new Model(obj as never).validate();
  } catch (error) {
    assert.fail(`${obj.kind} ${obj.metadata?.name} does not validate: ${String(error)}`);
  }
}

/** The [mysqld] section of server.cnf (up to the next section). */
function mysqldSection(cnf: string): string {
  const m = /^\[mysqld\]$([\s\S]*?)(?=^\[)/m.exec(cnf);
  assert.ok(m, "server.cnf has no [mysqld] section followed by another");
  return m[1];
}

describe("PodDisruptionBudget", function () {
  const { m, sts } = render({ replicas: 3 });
  const pdb = m.disruptionBudget as AnyObject;

  it("validates against the policy/v1 schema (kubernetes-models)", function () {
    validate(PodDisruptionBudget, pdb);
  });

  it("selects exactly the cluster's pods (the StatefulSet's selector) with maxUnavailable 1, lets an unready (lagging) pod be evicted, and nothing else in its spec", function () {
    assert.deepStrictEqual(pdb.spec, {
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
      selector: { matchLabels: sts.spec.selector.matchLabels },
    });
    assert.ok(selects(pdb.spec.selector, sts.spec.template.metadata.labels));
    assert.ok(
      !selects(pdb.spec.selector, render({}, "other").sts.spec.template.metadata.labels),
      "the budget selects another cluster's pods",
    );
  });

  it("is named after the cluster, in its namespace, with the cluster's labels", function () {
    assert.deepStrictEqual(pdb.metadata, { name: "db", namespace: "data", labels: sts.metadata.labels });
  });

  it("is rendered for one replica and with metrics and networkPolicy off as well", function () {
    for (const args of [{ replicas: 1 }, { metrics: false, networkPolicy: false }]) {
      assert.deepStrictEqual(
        (render(args).m.disruptionBudget as AnyObject).spec.maxUnavailable,
        1,
        JSON.stringify(args),
      );
    }
  });
});

describe("placement", function () {
  const hostTerm = (sts: AnyObject) => ({
    topologyKey: "kubernetes.io/hostname",
    labelSelector: { matchLabels: sts.spec.selector.matchLabels },
  });

  it("by default prefers distinct nodes (weight 100), with no zone spread, priority class or tolerations", function () {
    const { sts, pod } = render();
    assert.deepStrictEqual(pod.affinity, {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: hostTerm(sts) }],
      },
    });
    for (const field of ["topologySpreadConstraints", "priorityClassName", "tolerations"])
      assert.ok(!(field in pod), `${field} is set by default`);
  });

  it("with hardSpread requires distinct nodes, and prefers nothing", function () {
    const { sts, pod } = render({ hardSpread: true });
    assert.deepStrictEqual(pod.affinity, {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [hostTerm(sts)] },
    });
    assert.ok(!("topologySpreadConstraints" in pod));
  });

  it("with spreadAcrossZones adds a soft zone spread (maxSkew 1, ScheduleAnyway) over the cluster's pods, keeping the soft node preference", function () {
    const { sts, pod } = render({ spreadAcrossZones: true });
    assert.deepStrictEqual(pod.topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: sts.spec.selector.matchLabels },
      },
    ]);
    assert.deepStrictEqual(Object.keys(pod.affinity.podAntiAffinity), [
      "preferredDuringSchedulingIgnoredDuringExecution",
    ]);
  });

  it("with spreadAcrossZones and hardSpread requires both: DoNotSchedule across zones and distinct nodes", function () {
    const { sts, pod } = render({ spreadAcrossZones: true, hardSpread: true });
    assert.deepStrictEqual(pod.topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: sts.spec.selector.matchLabels },
      },
    ]);
    assert.deepStrictEqual(pod.affinity, {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [hostTerm(sts)] },
    });
  });

  it("spreads only against the cluster's own pods, not another cluster's", function () {
    const { pod } = render({ spreadAcrossZones: true, hardSpread: true });
    const other = render({}, "other").sts.spec.template.metadata.labels;
    assert.ok(
      !selects(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector, other),
    );
    assert.ok(!selects(pod.topologySpreadConstraints[0].labelSelector, other));
  });

  it("passes priorityClassName and the parsed tolerations through to the pod, and the StatefulSet still validates", function () {
    const tolerations: Toleration[] = [
      { key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
    ];
    const { sts, pod } = render({
      priorityClassName: "db-critical",
      tolerations,
      hardSpread: true,
      spreadAcrossZones: true,
    });
    assert.strictEqual(pod.priorityClassName, "db-critical");
    assert.deepStrictEqual(pod.tolerations, tolerations);
    validate(StatefulSet, sts);
  });

  it("changes only the pod template's placement fields for the placement settings", function () {
    const plain = render().pod;
    const placed = render({
      priorityClassName: "p",
      tolerations: [{ operator: "Exists" }],
      hardSpread: true,
      spreadAcrossZones: true,
    }).pod;
    const strip = (pod: AnyObject) => {
      const { affinity: _a, topologySpreadConstraints: _t, priorityClassName: _p, tolerations: _o, ...rest } = pod;
      return rest;
    };
    assert.deepStrictEqual(strip(placed), strip(plain));
  });
});

describe("semi-synchronous replication (server.cnf)", function () {
  const MYSQL_LINES = (timeout: number) => [
    "plugin_load_add = semisync_source.so",
    "plugin_load_add = semisync_replica.so",
    "loose_rpl_semi_sync_source_enabled = ON",
    "loose_rpl_semi_sync_replica_enabled = ON",
    `loose_rpl_semi_sync_source_timeout = ${timeout}`,
    "loose_rpl_semi_sync_source_wait_no_replica = OFF",
    "loose_rpl_semi_sync_source_wait_point = AFTER_SYNC",
  ];
  const MARIADB_LINES = (timeout: number) => [
    "rpl_semi_sync_master_enabled = ON",
    "rpl_semi_sync_slave_enabled = ON",
    `rpl_semi_sync_master_timeout = ${timeout}`,
    "rpl_semi_sync_master_wait_no_slave = OFF",
    "rpl_semi_sync_master_wait_point = AFTER_SYNC",
  ];
  /** Every line of server.cnf that configures semi-sync. */
  const semiSyncLines = (cnf: string) => cnf.split("\n").filter((l) => /semi_?sync/i.test(l) && !l.startsWith("#"));

  it("is on by default for mysql: the source and replica plugins (8.0.26+ names), enabled, no fallback to asynchronous (failover on), no wait without replicas, AFTER_SYNC, in [mysqld]", function () {
    const { cnf } = render();
    assert.strictEqual(SEMI_SYNC_NO_FALLBACK_MS, 4_294_967_295);
    assert.deepStrictEqual(semiSyncLines(cnf), MYSQL_LINES(SEMI_SYNC_NO_FALLBACK_MS));
    for (const line of MYSQL_LINES(SEMI_SYNC_NO_FALLBACK_MS))
      assert.ok(mysqldSection(cnf).split("\n").includes(line), `${line} is not in [mysqld]`);
  });

  it("is on by default for mariadb with the built-in master/slave variables: no fallback to asynchronous (failover on), no wait without slaves, AFTER_SYNC, in [mysqld]", function () {
    const { cnf } = render({ flavor: "mariadb" });
    assert.deepStrictEqual(semiSyncLines(cnf), MARIADB_LINES(SEMI_SYNC_NO_FALLBACK_MS));
    for (const line of MARIADB_LINES(SEMI_SYNC_NO_FALLBACK_MS))
      assert.ok(mysqldSection(cnf).split("\n").includes(line), `${line} is not in [mysqld]`);
    assert.ok(
      !/plugin_load|loose_|_source_|_replica_/.test(semiSyncLines(cnf).join("\n")),
      "MySQL names in the MariaDB configuration",
    );
  });

  it("writes semiSyncTimeoutMs as the timeout for each flavor with failover off (10000 ms by default)", function () {
    assert.deepStrictEqual(semiSyncLines(render({ failover: false }).cnf), MYSQL_LINES(10000));
    assert.deepStrictEqual(semiSyncLines(render({ flavor: "mariadb", failover: false }).cnf), MARIADB_LINES(10000));
    assert.deepStrictEqual(semiSyncLines(render({ failover: false, semiSyncTimeoutMs: 250 }).cnf), MYSQL_LINES(250));
    assert.deepStrictEqual(
      semiSyncLines(render({ flavor: "mariadb", failover: false, semiSyncTimeoutMs: 3_600_000 }).cnf),
      MARIADB_LINES(3_600_000),
    );
  });

  it("writes the no-fallback timeout with failover on, whatever semiSyncTimeoutMs says (a commit a failover could lose is never acknowledged)", function () {
    for (const failover of [undefined, true]) {
      assert.deepStrictEqual(
        semiSyncLines(render({ failover, semiSyncTimeoutMs: 250 }).cnf),
        MYSQL_LINES(SEMI_SYNC_NO_FALLBACK_MS),
      );
      assert.deepStrictEqual(
        semiSyncLines(render({ flavor: "mariadb", failover, semiSyncTimeoutMs: 3_600_000 }).cnf),
        MARIADB_LINES(SEMI_SYNC_NO_FALLBACK_MS),
      );
    }
  });

  it("is absent with semiSync false, for each flavor (a comment says it is off)", function () {
    for (const flavor of ["mysql", "mariadb"] as const) {
      const { cnf } = render({ flavor, semiSync: false, failover: false, semiSyncTimeoutMs: 4321 });
      assert.deepStrictEqual(semiSyncLines(cnf), [], flavor);
      assert.ok(!cnf.includes("4321"), `${flavor}: the timeout is written with semiSync false`);
      assert.match(cnf, /^# semi-synchronous replication: off/m);
    }
  });

  it("changes the ConfigMap's name (so pods roll) when semiSync, failover or the timeout it writes changes", function () {
    const name = (args: MySqlClusterArgs) => render(args).m.configMap.metadata.name;
    assert.notStrictEqual(name({ semiSync: false, failover: false }), name({}));
    assert.notStrictEqual(name({ failover: false }), name({}));
    assert.notStrictEqual(name({ failover: false, semiSyncTimeoutMs: 500 }), name({ failover: false }));
    // With failover on the timeout is not written: changing it changes nothing and rolls no pod.
    assert.strictEqual(name({ semiSyncTimeoutMs: 500 }), name({}));
  });
});

describe("metrics exporter", function () {
  const exporterOf = (pod: AnyObject) => (pod.containers as AnyObject[]).find((c) => c.name === "exporter");

  describe("by default (metrics true)", function () {
    const { m, sts, pod } = render({ appDatabase: "app", appUser: "app" });
    const exporter = exporterOf(pod)!;

    it("runs an exporter container with the default image, after the server and the sidecar", function () {
      assert.deepStrictEqual(
        pod.containers.map((c: AnyObject) => c.name),
        ["mysql", "sidecar", "exporter"],
      );
      assert.strictEqual(exporter.image, "prom/mysqld-exporter:v0.16.0");
    });

    it("runs mysqld_exporter with the option file lib.sh writes (EXPORTER_CNF), on the pod's loopback port lib.sh reloads it on", function () {
      const lib = libValues(["EXPORTER_CNF", "EXPORTER_LOCAL_PORT", "EXPORTER_DIR"]);
      assert.deepStrictEqual(exporter.command, [
        "mysqld_exporter",
        `--config.my-cnf=${lib.EXPORTER_CNF}`,
        `--web.listen-address=127.0.0.1:${lib.EXPORTER_LOCAL_PORT}`,
      ]);
      const login = (exporter.volumeMounts as AnyObject[]).find((m) => m.name === "exporter-login");
      assert.strictEqual(login?.mountPath, lib.EXPORTER_DIR);
    });

    it('exposes no port itself: port 9104, named "metrics", is the sidecar\'s, which passes on plain GET /metrics only', function () {
      assert.strictEqual(exporter.ports, undefined);
      const sidecar = (pod.containers as AnyObject[]).find((c) => c.name === "sidecar")!;
      assert.deepStrictEqual(
        sidecar.ports.filter((p: AnyObject) => p.name === "metrics"),
        [{ name: "metrics", containerPort: 9104 }],
      );
    });

    it("mounts only the socket (run) and its own login volume, read-only (no Secret, TLS, data, scripts, configuration or root's file)", function () {
      assert.deepStrictEqual(exporter.volumeMounts, [
        { name: "run", mountPath: "/run/mysqld", readOnly: false },
        { name: "exporter-login", mountPath: "/run/mysql-exporter", readOnly: true },
      ]);
    });

    it("has no credentials in env, args or command: no env at all, no password, no secretKeyRef, no DSN", function () {
      assert.ok(
        !("env" in exporter) && !("envFrom" in exporter) && !("args" in exporter),
        Object.keys(exporter).join(", "),
      );
      const text = JSON.stringify(exporter);
      assert.ok(!/pw-xyz|KEY-xyz|password|secretKeyRef|DATA_SOURCE_NAME|@tcp\(/i.test(text), text);
    });

    it("runs restricted, with a read-only root filesystem, bounded memory and no privilege escalation", function () {
      assert.strictEqual(exporter.securityContext.readOnlyRootFilesystem, true);
      assert.strictEqual(exporter.securityContext.allowPrivilegeEscalation, false);
      assert.deepStrictEqual(exporter.securityContext.capabilities.drop, ["ALL"]);
      assert.ok(exporter.resources.limits.memory, "no memory limit");
    });

    it("puts exporter-password into the credentials Secret, next to the other keys", function () {
      assert.deepStrictEqual(Object.keys((m.credentialsSecret as AnyObject).stringData).sort(), [
        "app-password",
        "backup-password",
        "exporter-password",
        "monitor-password",
        "replication-password",
        "root-password",
      ]);
      assert.ok(requiredSecretKeys(resolveArgs("db")).includes("exporter-password"));
    });

    it("renders a ClusterIP metrics Service <name>-metrics that selects the cluster's pods and targets the exporter's \"metrics\" port on 9104", function () {
      const svc = m.metricsService as AnyObject;
      validate(Service, svc);
      assert.deepStrictEqual(svc.metadata, {
        name: "db-metrics",
        namespace: "data",
        labels: { ...sts.metadata.labels, "app.kubernetes.io/component": "metrics" },
      });
      assert.deepStrictEqual(svc.spec, {
        type: "ClusterIP",
        publishNotReadyAddresses: true,
        selector: sts.spec.selector.matchLabels,
        ports: [{ name: "metrics", port: 9104, targetPort: "metrics" }],
      });
      assert.ok(
        Object.entries<string>(svc.spec.selector).every(([k, v]) => sts.spec.template.metadata.labels[k] === v),
      );
      const target = (pod.containers as AnyObject[])
        .flatMap((c) => (c.ports ?? []).map((p: AnyObject) => ({ container: c.name, ...p })))
        .filter((p) => p.name === svc.spec.ports[0].targetPort);
      assert.deepStrictEqual(target, [{ container: "sidecar", name: "metrics", containerPort: 9104 }]);
    });

    it("renders no ServiceMonitor unless asked", function () {
      assert.strictEqual(m.serviceMonitor, undefined);
    });
  });

  describe("with serviceMonitor true", function () {
    const { m } = render({ serviceMonitor: true });
    const sm = m.serviceMonitor as AnyObject;
    const svc = m.metricsService as AnyObject;

    it("renders a monitoring.coreos.com/v1 ServiceMonitor named like the metrics Service, in its namespace", function () {
      assert.deepStrictEqual(
        [sm.apiVersion, sm.kind, sm.metadata.name, sm.metadata.namespace],
        ["monitoring.coreos.com/v1", "ServiceMonitor", "db-metrics", "data"],
      );
    });

    it("selects the metrics Service by its labels, and not the headless or read Service (nor another cluster's metrics Service)", function () {
      assert.ok(selects(sm.spec.selector, svc.metadata.labels));
      assert.ok(
        !selects(sm.spec.selector, (m.headlessService as AnyObject).metadata.labels),
        "selects the headless Service",
      );
      assert.ok(!selects(sm.spec.selector, (m.readService as AnyObject).metadata.labels), "selects the read Service");
      assert.ok(
        !selects(sm.spec.selector, (render({}, "other").m.metricsService as AnyObject).metadata.labels),
        "selects another cluster's metrics Service",
      );
    });

    it("scrapes the metrics Service's port by its name, every 30s", function () {
      assert.deepStrictEqual(sm.spec.endpoints, [{ port: svc.spec.ports[0].name, interval: "30s" }]);
      assert.strictEqual(svc.spec.ports[0].name, "metrics");
    });
  });

  describe("with metrics false", function () {
    const { m, pod } = render({ metrics: false, appDatabase: "app", appUser: "app" });

    it("runs no exporter container and exposes no port 9104", function () {
      assert.strictEqual(exporterOf(pod), undefined);
      assert.deepStrictEqual(
        pod.containers.map((c: AnyObject) => c.name),
        ["mysql", "sidecar"],
      );
      assert.ok(!JSON.stringify(pod).includes("9104"));
    });

    it("renders no metrics Service, no ServiceMonitor and no metrics rule in the NetworkPolicy", function () {
      assert.strictEqual(m.metricsService, undefined);
      assert.strictEqual(m.serviceMonitor, undefined);
      assert.ok(!JSON.stringify(m.networkPolicy).includes("9104"));
    });

    it("leaves exporter-password out of the credentials Secret and the required keys", function () {
      assert.deepStrictEqual(Object.keys((m.credentialsSecret as AnyObject).stringData).sort(), [
        "app-password",
        "backup-password",
        "monitor-password",
        "replication-password",
        "root-password",
      ]);
      assert.ok(!requiredSecretKeys(resolveArgs("db", { metrics: false })).includes("exporter-password"));
    });
  });

  it("uses the exporterImage setting for the exporter container only", function () {
    const { pod } = render({ exporterImage: "registry.example/mysqld-exporter:v0.16.0" });
    assert.deepStrictEqual(
      pod.containers.map((c: AnyObject) => c.image),
      ["mysql:8.4", "percona/percona-xtrabackup:8.4", "registry.example/mysqld-exporter:v0.16.0"],
    );
  });
});

describe("ensure-users.sh and the exporter user (run against a stub SQL client)", function () {
  const sandboxes: Sandbox[] = [];

  after(function () {
    for (const s of sandboxes) s.remove();
  });

  /**
   * Runs ensure-users.sh in a sandbox (tests/support/sandbox.ts); DB_CLIENT is
   * a stub that saves the SQL it gets. Keys in `empty` get empty files.
   * Returns the SQL, or throws with the script's stderr.
   */
  function runEnsureUsers(
    keys: string[],
    flavor: string,
    env: Record<string, string> = {},
    empty: string[] = [],
  ): string {
    const sandbox = makeSandbox();
    sandboxes.push(sandbox);
    for (const key of keys)
      fs.writeFileSync(
        path.join(sandbox.secrets, key),
        empty.includes(key) ? "" : `${key.replace(/-password$/, "")}Secret1`,
      );
    fs.writeFileSync(path.join(sandbox.private, "root.cnf"), "[client]\nuser=root\npassword=rootSecret1\n");
    const sqlFile = path.join(sandbox.dir, "sql.txt");
    const stub = path.join(sandbox.dir, "db-client");
    fs.writeFileSync(stub, `#!/usr/bin/env bash\ncat >>${JSON.stringify(sqlFile)}\n`, { mode: 0o755 });
    execFileSync("bash", [path.join(sandbox.scripts, "ensure-users.sh")], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        FLAVOR: flavor,
        DB_CLIENT: stub,
        POD_NAME: "db-0",
        SECRET_NAME: "db-credentials",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return fs.readFileSync(sqlFile, "utf8");
  }

  const BASE_KEYS = ["root-password", "replication-password", "backup-password", "monitor-password"];

  for (const flavor of ["mysql", "mariadb"]) {
    it(`creates the exporter user (localhost, 3 connections, read-only grants) when metrics are on, for ${flavor}`, function () {
      const sql = runEnsureUsers([...BASE_KEYS, "exporter-password"], flavor, { METRICS: "true" });
      // MariaDB gets PASSWORD()'s hash, never the text (lib.sh identified_by).
      const auth =
        flavor === "mariadb"
          ? "IDENTIFIED BY PASSWORD '\\*F50A78E49A57A76C1022606EC67420E1239AC0BC'"
          : "IDENTIFIED BY 'exporterSecret1'";
      assert.match(
        sql,
        new RegExp(`^CREATE USER IF NOT EXISTS 'exporter'@'localhost' ${auth} WITH MAX_USER_CONNECTIONS 3;$`, "m"),
      );
      assert.match(sql, new RegExp(`^ALTER USER 'exporter'@'localhost' ${auth};$`, "m"));
      const grants = sql.split("\n").filter((l) => /^GRANT .* TO 'exporter'@/.test(l));
      // No BINLOG MONITOR on MariaDB (it would show binary log events); an earlier version's grant is taken back.
      const privileges = flavor === "mariadb" ? "PROCESS, SLAVE MONITOR" : "PROCESS, REPLICATION CLIENT";
      if (flavor === "mariadb") assert.match(sql, /^REVOKE BINLOG MONITOR ON \*\.\* FROM 'exporter'@'localhost';$/m);
      assert.deepStrictEqual(
        grants.filter((g) => !g.startsWith("GRANT BINLOG MONITOR ")),
        [
          `GRANT ${privileges} ON *.* TO 'exporter'@'localhost';`,
          "GRANT SELECT ON performance_schema.* TO 'exporter'@'localhost';",
          "GRANT SELECT ON cluster_meta.* TO 'exporter'@'localhost';",
        ],
      );
      assert.ok(!/exporter'@'%'/.test(sql), "the exporter user is reachable over the network");
    });

    it(`creates no exporter user when metrics are off, for ${flavor}`, function () {
      const sql = runEnsureUsers(BASE_KEYS, flavor, { METRICS: "false" });
      assert.ok(!/exporter/.test(sql), sql);
      assert.match(sql, /^CREATE USER IF NOT EXISTS 'monitor'@'%'/m);
    });
  }

  it("fails naming the key when metrics are on and exporter-password is empty", function () {
    assert.throws(
      () => runEnsureUsers([...BASE_KEYS, "exporter-password"], "mysql", { METRICS: "true" }, ["exporter-password"]),
      (error: { stderr?: Buffer }) =>
        /password "exporter-password" is empty or missing: set key "exporter-password" in Secret db-credentials/.test(
          String(error.stderr),
        ),
    );
  });
});
