// init-config.sh, run against temporary directories: every pod's server
// configuration is server.cnf plus start-read-only.cnf and its server id,
// whichever ordinal the topology names as the primary.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveArgs } from "../../../../components/mysql-cluster/args";
import { configMapData } from "../../../../components/mysql-cluster/config-files";
import { writeScripts } from "../../../support/sandbox";

describe("init-config.sh", function () {
  let work: string;
  const data = configMapData(resolveArgs("db", { flavor: "mariadb" }));

  before(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "init-config-"));
  });

  after(function () {
    fs.rmSync(work, { recursive: true, force: true });
  });

  /**
   * Runs a copy of init-config.sh whose contract.sh points SCRIPTS, CONF_DIR and
   * TOPOLOGY_DIR into a temporary directory holding the ConfigMap's files and
   * a topology naming `primary`. Returns the assembled my.cnf.
   */
  function runInitConfig(pod: number, primary: number): string {
    const dir = fs.mkdtempSync(path.join(work, "run-"));
    const scripts = path.join(dir, "scripts");
    const conf = path.join(dir, "conf");
    const topology = path.join(dir, "topology");
    for (const d of [scripts, conf, topology]) fs.mkdirSync(d);
    writeScripts(scripts, data, { SCRIPTS: scripts, CONF_DIR: conf, TOPOLOGY_DIR: topology });
    fs.writeFileSync(path.join(topology, "primary-ordinal"), String(primary));
    execFileSync("bash", [path.join(scripts, "init-config.sh")], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        POD_NAME: `db-${pod}`,
        STS_NAME: "db",
        HEADLESS_SERVICE: "db",
        POD_NAMESPACE: "data",
        CLUSTER_DOMAIN: "cluster.local",
        FLAVOR: "mariadb",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return fs.readFileSync(path.join(conf, "my.cnf"), "utf8");
  }

  for (const [pod, primary, role] of [
    [0, 0, "the primary"],
    [2, 0, "a replica"],
    [2, 2, "a primary after a switchover"],
    [0, 2, "a former primary"],
  ] as const) {
    it(`starts pod ${pod} read-only with the event scheduler off when the topology names ordinal ${primary} (${role})`, function () {
      const cnf = runInitConfig(pod, primary);
      assert.ok(
        cnf.startsWith(data["server.cnf"] + data["start-read-only.cnf"]),
        "my.cnf is not server.cnf followed by start-read-only.cnf",
      );
      assert.match(cnf, /^read_only = ON$/m);
      assert.match(cnf, /^event_scheduler = OFF$/m);
      assert.ok(
        !/^read_only = OFF$/m.test(cnf) && !/^event_scheduler = ON$/m.test(cnf),
        "my.cnf turns writes or events back on",
      );
      assert.match(cnf, new RegExp(`^server_id = ${100 + pod}$`, "m"));
      assert.match(cnf, new RegExp(`^report_host = db-${pod}\\.db\\.data\\.svc\\.cluster\\.local$`, "m"));
    });
  }

  it("writes the same configuration for a pod whichever ordinal is the primary", function () {
    assert.strictEqual(runInitConfig(1, 0), runInitConfig(1, 1));
  });
});
