// Continuous binary log archiving (issue 17): a two-pod cluster with
// backupTarget store and binlogArchiveMaxAgeSeconds 30 archives its primary's
// binary logs to s3rver (on the runner's bridge, Debian's rclone standing in
// for rclone/rclone). Under an acknowledged writer the archive, decrypted and
// decoded with mariadb-binlog, holds every acknowledged row, its index has no
// GTID gap, and every transaction is archived within the bound (the primary's
// GTID position sampled every 2 s against the upload time of the first index
// entry that covers it). The same across a planned switchover (the new primary
// continues from the index's last GTID), across a minute with the store
// unavailable (one log line, no gap, and the archive catches up) and across a
// failover (the primary's node lost: the promoted replica continues, no gap).

import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RUNNER_HOST_NAME } from "../../local/dns";
import { SCRIPTS_DIR } from "../support/paths";
import { E2E_ARGS, metricsGet, startAcknowledgedWriter, TestCluster } from "./helpers";
import { ObjectStore } from "./object-store";

const MAX_AGE = 30;
const BUCKET = "backups";
const KEYS = { "access-key-id": "S3RVER", "secret-access-key": "S3RVER", "encryption-key": "archive-test-key" };

interface Entry {
  name: string;
  /** Upload time of the entry (ms), from its name's microseconds. */
  uploadedMs: number;
  fields: Record<string, string>;
}

/** The sequence of GTID domain 0 in a MariaDB GTID list ("0-100-57,..."), or 0. */
function seq0(list: string | undefined): number {
  const m = /(?:^|,)0-\d+-(\d+)/.exec(list ?? "");
  return m ? Number(m[1]) : 0;
}

describe("binary log archiving to an object store (s3rver, rclone crypt)", function () {
  this.timeout(1_200_000);
  let cluster: TestCluster | undefined;
  let store: ObjectStore | undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "archive-test-"));

  /** bash with store-lib.sh and the host's rclone, configured for the cluster's prefix "arc". */
  function vault(body: string): Promise<{ code: number; stdout: string; stderr: string }> {
    fs.writeFileSync(path.join(work, "key"), KEYS["encryption-key"]);
    const child = spawn(
      "bash",
      [
        "-c",
        `set -o pipefail; source "${SCRIPTS_DIR}/store-lib.sh"; store_configure "${work}/key" ${BUCKET}/arc\n${body}`,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH,
          STORE_RCLONE: "rclone",
          RCLONE_CONFIG_STORE_TYPE: "s3",
          RCLONE_CONFIG_STORE_PROVIDER: "Other",
          RCLONE_CONFIG_STORE_ENDPOINT: store!.endpoint,
          RCLONE_CONFIG_STORE_FORCE_PATH_STYLE: "true",
          RCLONE_CONFIG_STORE_NO_CHECK_BUCKET: "true",
          RCLONE_CONFIG_STORE_ACCESS_KEY_ID: "S3RVER",
          RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY: "S3RVER",
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    return new Promise((resolve) =>
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      }),
    );
  }

  /** Every index entry, oldest first. */
  async function entries(): Promise<Entry[]> {
    const r = await vault(
      'for e in $(store_list binlogs/index/); do printf "== %s\\n" "$e"; store_get "binlogs/index/$e" || exit 1; done',
    );
    assert.strictEqual(r.code, 0, `reading the index failed: ${r.stderr}`);
    const out: Entry[] = [];
    for (const block of r.stdout.split(/^== /m).filter(Boolean)) {
      const [name, ...lines] = block.trim().split("\n");
      const fields: Record<string, string> = {};
      for (const line of lines) fields[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
      out.push({ name, uploadedMs: Number(name.split("-")[0]) / 1000, fields });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The ids of `table` that the archived binary logs insert (decrypted, decoded by mariadb-binlog). */
  async function archivedIds(list: Entry[], table: string): Promise<Set<number>> {
    const dir = fs.mkdtempSync(path.join(work, "logs-"));
    const objects = list.map((e) => e.fields.object);
    const r = await vault(objects.map((o, i) => `store_get "binlogs/data/${o}" >"${dir}/${i}" || exit 1`).join("\n"));
    assert.strictEqual(r.code, 0, `downloading the archive failed: ${r.stderr}`);
    const ids = new Set<number>();
    for (let i = 0; i < objects.length; i++) {
      const text = execFileSync("mariadb-binlog", ["--base64-output=decode-rows", "-v", path.join(dir, String(i))], {
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
      });
      let inTable = false;
      for (const line of text.split("\n")) {
        if (line.startsWith("### INSERT INTO ")) inTable = line.includes(`\`${table}\``);
        const m = /^###\s+@1=(\d+)/.exec(line);
        if (inTable && m) ids.add(Number(m[1]));
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return ids;
  }

  /**
   * Each entry after the first follows on from the archive before it (domain 0): it starts at or
   * before the archive's end, by its Gtid_list or, when that lacks the domain (the first binary
   * log of a replica cloned with mariadb-backup), by its first GTID. No gap.
   */
  function assertNoGap(list: Entry[]): void {
    let frontier = 0;
    for (const e of list) {
      assert.strictEqual(e.fields.gap, undefined, `entry ${e.name} records a gap: ${e.fields.gap}`);
      const start = /(?:^|,)0-/.test(e.fields.before ?? "")
        ? seq0(e.fields.before)
        : /^0-/.test(e.fields.first_gtid ?? "")
          ? seq0(e.fields.first_gtid) - 1
          : undefined;
      if (frontier > 0)
        assert.ok(
          start !== undefined && start <= frontier,
          `GTID gap: the archive ended at 0-*-${frontier}, ${e.name} starts after ${start} (${JSON.stringify(e.fields)})`,
        );
      frontier = Math.max(frontier, seq0(e.fields.last));
    }
  }

  /** The primary's GTID position (domain 0 sequence), sampled every 2 s with the time. */
  function startSampler() {
    const samples: { at: number; seq: number }[] = [];
    let stopped = false;
    const done = (async () => {
      while (!stopped) {
        const holder = cluster!.leaseHolder();
        if (holder !== undefined) {
          const at = Date.now();
          const rows = await cluster!
            .query<{ p: string }[]>(holder, "SELECT @@global.gtid_binlog_pos AS p", "monitor")
            .catch(() => undefined);
          if (rows) samples.push({ at, seq: seq0(rows[0].p) });
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    })();
    return {
      samples,
      async stop() {
        stopped = true;
        await done;
      },
    };
  }

  /**
   * For each sample, how long until an uploaded index entry covered its position: the recovery
   * point the archive kept then. Samples not covered yet are left out (the caller waits first).
   */
  function recoveryPoints(samples: { at: number; seq: number }[], list: Entry[]): number[] {
    return samples.flatMap((s) => {
      const cover = list.find((e) => seq0(e.fields.last) >= s.seq);
      return cover ? [(cover.uploadedMs - s.at) / 1000] : [];
    });
  }

  /** Waits until the archive covers the primary's current position; returns the index then. */
  async function waitArchived(what: string, timeoutMs = 180_000): Promise<Entry[]> {
    const holder = cluster!.leaseHolder()!;
    const [row] = await cluster!.query<{ p: string }[]>(holder, "SELECT @@global.gtid_binlog_pos AS p", "monitor");
    const target = seq0(row.p);
    let list: Entry[] = [];
    await cluster!.runner.waitFor(
      `the archive to reach 0-*-${target} (${what})`,
      async () => {
        list = await entries();
        return list.length > 0 && seq0(list[list.length - 1].fields.last) >= target;
      },
      timeoutMs,
    );
    return list;
  }

  async function metric(ordinal: number, name: string): Promise<number> {
    const { status, body } = await metricsGet(cluster!.runner.podIp(ordinal));
    assert.strictEqual(status, 200);
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(body);
    assert.ok(m, `no ${name} in pod ${ordinal}'s metrics`);
    return Number(m[1]);
  }

  const archiverLog = (ordinal: number) =>
    cluster!
      .logsSoFar(ordinal, "sidecar")
      .split("\n")
      .filter((l) => l.includes("archive-binlogs.sh"));

  before(async () => {
    store = await new ObjectStore("127.0.0.1", BUCKET).start();
    cluster = new TestCluster(
      "arc",
      {
        ...E2E_ARGS,
        replicas: 2,
        backupSchedule: "0 3 * * *",
        backupTarget: "store",
        binlogArchiveMaxAgeSeconds: MAX_AGE,
        // By the runner's host name: the pods reach the store on their gateway (upWith).
        backupStoreEndpoint: store.endpointNamed(RUNNER_HOST_NAME),
        backupStoreBucket: BUCKET,
        backupStoreSecret: "arc-store",
      },
      {},
      (objects) =>
        objects.push({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "arc-store", namespace: "default" },
          stringData: { ...KEYS },
        }),
    );
    await store.upWith(cluster);
    await cluster.query(0, "CREATE TABLE arch_w (id INT PRIMARY KEY)");
    await cluster.waitConsistent([1]);
  });
  after(async () => {
    await cluster?.down();
    await store?.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("archives every acknowledged write under load, with no gap, each within the bound", async function () {
    const writer = startAcknowledgedWriter(cluster!, "arch_w", "leaseHolder", 10_000);
    // Sampling starts once the archive has begun (the pods reached the store after they started).
    await waitArchived("the first upload");
    const sampler = startSampler();
    await new Promise((resolve) => setTimeout(resolve, 120_000));
    await sampler.stop();
    await writer.stop();
    const list = await waitArchived("after the writer stopped");
    assertNoGap(list);
    const points = recoveryPoints(sampler.samples, list);
    const worst = Math.max(...points);
    console.log(
      `      ${writer.acknowledged.length} acknowledged writes, ${list.length} files archived; ` +
        `recovery point over ${points.length} samples: worst ${worst.toFixed(1)} s, median ` +
        `${points.sort((a, b) => a - b)[Math.floor(points.length / 2)].toFixed(1)} s (bound ${MAX_AGE} s)`,
    );
    assert.ok(points.length >= 40, `only ${points.length} samples`);
    assert.ok(worst <= MAX_AGE, `a transaction waited ${worst.toFixed(1)} s for the archive (bound ${MAX_AGE} s)`);
    const ids = await archivedIds(list, "arch_w");
    const missing = writer.acknowledged.filter((id) => !ids.has(id));
    assert.deepStrictEqual(missing.slice(0, 10), [], `${missing.length} acknowledged rows are in no archived file`);
    assert.strictEqual(await metric(0, "mysql_binlog_archive_gap"), 0);
    assert.strictEqual(await metric(0, "mysql_binlog_archive_primary"), 1);
    assert.strictEqual(await metric(1, "mysql_binlog_archive_primary"), 0);
    assert.ok(!archiverLog(0).some((l) => l.includes("ERROR") && !l.includes("not usable")), archiverLog(0).join("\n"));
  });

  it("continues from the archive's last GTID on the new primary after a planned switchover, with no gap", async function () {
    const before = await entries();
    await cluster!.query(0, "CREATE TABLE arch_w_switch (id INT PRIMARY KEY)");
    const writer = startAcknowledgedWriter(cluster!, "arch_w_switch", "leaseHolder", 10_000);
    const sampler = startSampler();
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    await cluster!.switchover(1);
    await cluster!.waitPrimary(1);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    await sampler.stop();
    await writer.stop();
    const list = await waitArchived("after the switchover");
    assertNoGap(list);
    const fromNew = list.filter((e) => e.fields.server_id === "101");
    assert.ok(fromNew.length > 0, "pod 1 archived nothing as the primary");
    const added = list.filter((e) => !before.some((b) => b.name === e.name));
    const ids = await archivedIds(added, "arch_w_switch");
    const missing = writer.acknowledged.filter((id) => !ids.has(id));
    assert.deepStrictEqual(missing.slice(0, 10), [], `${missing.length} acknowledged rows are in no archived file`);
    const points = recoveryPoints(sampler.samples, list);
    const worst = Math.max(...points);
    console.log(
      `      switchover: ${writer.acknowledged.length} acknowledged writes, pod 1 archived ${fromNew.length} files; ` +
        `worst recovery point ${worst.toFixed(1)} s over ${points.length} samples`,
    );
    assert.ok(worst <= MAX_AGE, `a transaction waited ${worst.toFixed(1)} s for the archive across the switchover`);
    assert.ok(
      archiverLog(1).some((l) => /the archive ends at 0-10[01]-\d+/.test(l)),
      archiverLog(1).join("\n"),
    );
    assert.ok(
      archiverLog(0).some((l) => l.includes("no longer the primary")),
      archiverLog(0).join("\n"),
    );
    assert.strictEqual(await metric(1, "mysql_binlog_archive_gap"), 0);
    assert.strictEqual(await metric(0, "mysql_binlog_archive_primary"), 0);
  });

  it("says once that the store is unavailable, keeps the logs, and catches up with no gap when it returns", async function () {
    const primary = cluster!.leaseHolder()!;
    await cluster!.query(primary, "CREATE TABLE arch_w_outage (id INT PRIMARY KEY)");
    const writer = startAcknowledgedWriter(cluster!, "arch_w_outage", "leaseHolder", 10_000);
    await waitArchived("before the outage");
    const logBefore = archiverLog(primary).length;
    await store!.stop();
    const outageStarted = Date.now();
    let oldest = 0;
    await cluster!.runner.waitFor(
      "the archiver to report unarchived transactions older than the bound",
      async () => {
        oldest = await metric(primary, "mysql_binlog_archive_oldest_unarchived_seconds");
        return oldest > MAX_AGE;
      },
      120_000,
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 60_000 - (Date.now() - outageStarted))));
    const during = archiverLog(primary).slice(logBefore);
    await store!.start();
    const list = await waitArchived("after the store returned");
    const caughtUp = (Date.now() - outageStarted) / 1000;
    await writer.stop();
    const final = await waitArchived("after the writer stopped");
    assertNoGap(final);
    const ids = await archivedIds(
      final.filter((e) => e.uploadedMs >= outageStarted - MAX_AGE * 1000),
      "arch_w_outage",
    );
    const written = writer.acknowledged.filter((_, i) => writer.acknowledgedAt[i] >= outageStarted);
    const missing = written.filter((id) => !ids.has(id));
    const errors = during.filter((l) => l.includes("ERROR"));
    console.log(
      `      outage of ${((Date.now() - outageStarted) / 1000).toFixed(0)} s: ${errors.length} error line(s), ` +
        `oldest unarchived reached ${oldest} s, caught up ${caughtUp.toFixed(0)} s after the outage began ` +
        `(${list.length} files in the index)`,
    );
    assert.ok(errors.length >= 1 && errors.length <= 2, `error lines during the outage:\n${during.join("\n")}`);
    assert.deepStrictEqual(missing.slice(0, 10), [], `${missing.length} acknowledged rows are in no archived file`);
    assert.strictEqual(await metric(primary, "mysql_binlog_archive_gap"), 0);
    assert.ok(
      archiverLog(primary)
        .slice(logBefore)
        .some((l) => l.includes("archiving works again")),
    );
  });
  it("continues on the promoted replica after the primary's node is lost, with no gap", async function () {
    const lost = cluster!.leaseHolder()!;
    const survivor = lost === 0 ? 1 : 0;
    await cluster!.query(lost, "CREATE TABLE arch_w_failover (id INT PRIMARY KEY)");
    const before = await entries();
    const writer = startAcknowledgedWriter(cluster!, "arch_w_failover", "leaseHolder", 10_000);
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const lostAt = Date.now();
    await cluster!.runner.loseNode(lost);
    await cluster!.waitPrimary(survivor, 180_000);
    const promotedAfter = (Date.now() - lostAt) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 40_000));
    await writer.stop();
    const list = await waitArchived("after the failover");
    assertNoGap(list);
    const added = list.filter((e) => !before.some((b) => b.name === e.name));
    const fromSurvivor = added.filter((e) => e.fields.server_id === String(100 + survivor));
    assert.ok(fromSurvivor.length > 0, `pod ${survivor} archived nothing as the primary`);
    const ids = await archivedIds(added, "arch_w_failover");
    const missing = writer.acknowledged.filter((id) => !ids.has(id));
    console.log(
      `      failover: pod ${survivor} took writes ${promotedAfter.toFixed(1)} s after pod ${lost}'s node was lost; ` +
        `${writer.acknowledged.length} acknowledged writes, pod ${survivor} archived ${fromSurvivor.length} files`,
    );
    assert.deepStrictEqual(missing.slice(0, 10), [], `${missing.length} acknowledged rows are in no archived file`);
    assert.ok(archiverLog(survivor).some((l) => /the archive ends at 0-10[01]-\d+/.test(l)));
    assert.strictEqual(await metric(survivor, "mysql_binlog_archive_gap"), 0);
  });
});
