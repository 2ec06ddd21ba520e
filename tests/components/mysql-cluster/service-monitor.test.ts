// Issue 13 defect 16: a Prometheus that selects ServiceMonitors by label
// (kube-prometheus-stack: `release: <release name>`) must pick ours up, and the
// README must name the metrics the exporter really exports for each flavor.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { renderObjects } from "../../../components/mysql-cluster/render";
import { argsFromConfig } from "../../../components/mysql-cluster/stack-config";
import { AnyObject } from "../../support/objects";
import { ROOT } from "../../support/paths";

function serviceMonitor(args: Parameters<typeof resolveArgs>[1]): AnyObject {
  const found = (renderObjects(resolveArgs("db", args)) as AnyObject[]).filter((o) => o.kind === "ServiceMonitor");
  assert.strictEqual(found.length, 1);
  return found[0];
}

/** Whether a Prometheus's serviceMonitorSelector (matchLabels) selects an object with these labels. */
const selects = (matchLabels: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(matchLabels).every(([k, v]) => labels[k] === v);

describe("ServiceMonitor labels (serviceMonitorLabels)", function () {
  it("carries the labels kube-prometheus-stack's default serviceMonitorSelector (release: <name>) selects on, beside the cluster's own", function () {
    const monitor = serviceMonitor({
      serviceMonitor: true,
      serviceMonitorLabels: { release: "kube-prometheus-stack" },
    });
    assert.ok(
      selects({ release: "kube-prometheus-stack" }, monitor.metadata.labels),
      JSON.stringify(monitor.metadata.labels),
    );
    assert.strictEqual(monitor.metadata.labels["app.kubernetes.io/instance"], "db");
  });

  it("is not selected without them, as before", function () {
    assert.ok(!selects({ release: "kube-prometheus-stack" }, serviceMonitor({ serviceMonitor: true }).metadata.labels));
  });

  it('takes them from the stack as "k=v,..."', function () {
    const values: Record<string, string> = { serviceMonitor: "true", serviceMonitorLabels: "release=kps,team=db" };
    const { name, args } = argsFromConfig(
      (key) => values[key],
      Object.keys(values).map((k) => `mysql-cluster:${k}`),
    );
    const monitor = (renderObjects(resolveArgs(name, args)) as AnyObject[]).find((o) => o.kind === "ServiceMonitor")!;
    assert.ok(selects({ release: "kps", team: "db" }, monitor.metadata.labels));
  });

  it("labels nothing else: the Services and pods keep their labels", function () {
    const objects = renderObjects(
      resolveArgs("db", { serviceMonitor: true, serviceMonitorLabels: { release: "kps" } }),
    ) as AnyObject[];
    for (const o of objects.filter((x) => x.kind !== "ServiceMonitor"))
      assert.ok(!("release" in (o.metadata.labels ?? {})), `${o.kind}/${o.metadata.name}`);
  });
});

describe("README metric names (Operations > What to watch)", function () {
  // prometheus/mysqld_exporter v0.16.0 collector/slave_status.go: every column of
  // SHOW ALL SLAVES STATUS (MariaDB) or SHOW REPLICA STATUS (MySQL 8.4) becomes
  // BuildFQName("mysql", "slave_status", strings.ToLower(column)); global status
  // variables become "mysql_global_status_" + the lower-cased name (global_status.go).
  const columns = {
    mariadb: ["Seconds_Behind_Master", "Slave_IO_Running", "Slave_SQL_Running"],
    mysql: ["Seconds_Behind_Source", "Replica_IO_Running", "Replica_SQL_Running"],
  };
  const semiSyncStatus = { mariadb: "Rpl_semi_sync_master_status", mysql: "Rpl_semi_sync_source_status" };
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const watch = /^- \*\*What to watch\*\*:[\s\S]*?(?=^- \*\*)/m.exec(readme)?.[0] ?? "";

  for (const flavor of ["mariadb", "mysql"] as const) {
    it(`names the ${flavor} flavor's replica-status and semi-sync metrics as the exporter builds them`, function () {
      assert.ok(watch, "no What to watch bullet");
      const names = [
        ...columns[flavor].map((c) => `mysql_slave_status_${c.toLowerCase()}`),
        `mysql_global_status_${semiSyncStatus[flavor].toLowerCase()}`,
      ];
      assert.deepStrictEqual(
        names.filter((n) => !watch.includes(`\`${n}\``)),
        [],
      );
    });
  }
});
