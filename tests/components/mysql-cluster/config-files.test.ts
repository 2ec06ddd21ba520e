// configMapData and conf/start-read-only.cnf: every server starts read-only,
// with no scheduled events, whatever its ordinal; there are no role files.

import * as assert from "assert";
import { resolveArgs } from "../../../components/mysql-cluster/args";
import { configMapData } from "../../../components/mysql-cluster/config-files";
import { FLAVOR_SPECS } from "../../../components/mysql-cluster/flavors";

/** The `key = value` settings of a .cnf file's [mysqld] section. */
function mysqldSettings(cnf: string): Record<string, string> {
  const settings: Record<string, string> = {};
  let section = "";
  for (const raw of cnf.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1];
    else if (section === "mysqld" && line) {
      const [key, ...value] = line.split("=");
      settings[key.trim()] = value.join("=").trim();
    }
  }
  return settings;
}

describe("configMapData", function () {
  for (const flavor of ["mysql", "mariadb"] as const) {
    it(`ships server.cnf and start-read-only.cnf and no role files (primary.cnf, replica.cnf), for ${flavor}`, function () {
      const data = configMapData(resolveArgs("db", { flavor }));
      assert.deepStrictEqual(
        Object.keys(data)
          .filter((f) => f.endsWith(".cnf"))
          .sort(),
        ["server.cnf", "start-read-only.cnf"],
      );
    });
  }

  for (const flavor of ["mysql", "mariadb"] as const) {
    it(`keeps replication threads from starting with the server (${FLAVOR_SPECS[flavor].dialect.skipReplicaStart}), for ${flavor}: the sidecar starts them`, function () {
      // A clone of a replica carries that replica's source settings
      // (mysql.slave_master_info / master.info) and would replicate before the
      // sidecar declared its position.
      const settings = mysqldSettings(configMapData(resolveArgs("db", { flavor }))["server.cnf"]);
      assert.strictEqual(settings[FLAVOR_SPECS[flavor].dialect.skipReplicaStart], "ON");
    });
  }

  it("ships the same files whatever primaryOrdinal is", function () {
    assert.deepStrictEqual(
      configMapData(resolveArgs("db", { replicas: 3, primaryOrdinal: 2 })),
      configMapData(resolveArgs("db", { replicas: 3 })),
    );
  });
});

describe("start-read-only.cnf", function () {
  const settings = mysqldSettings(configMapData(resolveArgs("db"))["start-read-only.cnf"]);

  it("starts the server read-only, for administrative users too where the flavor can (loose_super_read_only)", function () {
    assert.strictEqual(settings.read_only, "ON");
    assert.strictEqual(settings.loose_super_read_only, "ON");
  });

  it("starts the server with the event scheduler off, so no heartbeat is written before the sidecar promotes the primary", function () {
    assert.strictEqual(settings.event_scheduler, "OFF");
  });

  it("sets nothing server.cnf also sets", function () {
    const server = mysqldSettings(configMapData(resolveArgs("db"))["server.cnf"]);
    assert.deepStrictEqual(
      Object.keys(settings).filter((k) => k in server),
      [],
    );
  });
});
