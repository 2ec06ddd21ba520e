// Binary log archiving (issue 17): archive-lib.sh's pieces (GTID positions,
// coverage, gaps, a file's head from SHOW BINLOG EVENTS, the index entry) and
// archive-binlogs.sh's loop against a stub SQL client, stub binary log files
// and s3rver on loopback: each closed log uploaded then its entry, nothing
// twice after a crash, a gap logged with both positions and raised in the
// metric, the open log flushed only when it holds a transaction half the
// bound old, a dead store said once, a replica uploading nothing.

import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeSandbox, runBash, Sandbox, spawnBash } from "../../../support/sandbox";
import { ObjectStore } from "../../../e2e/object-store";

/** SHOW BINLOG EVENTS rows of a file's head, captured from MariaDB 10.11 (tab-separated). */
const MARIADB_HEAD = [
  "binlog.000002\t4\tFormat_desc\t101\t256\tServer ver: 10.11.19-MariaDB-0+deb12u1-log, Binlog ver: 4",
  "binlog.000002\t256\tGtid_list\t101\t299\t[0-101-4,0-102-2]",
  "binlog.000002\t299\tBinlog_checkpoint\t101\t339\tbinlog.000001",
  "binlog.000002\t339\tGtid\t101\t381\tBEGIN GTID 0-101-5",
  "binlog.000002\t381\tQuery\t101\t470\tinsert into t.a values (4)",
].join("\n");
/** The same shaped as the MySQL 8.4 manual's SHOW BINLOG EVENTS example (not run here). */
const MYSQL_HEAD = [
  "binlog.000002\t4\tFormat_desc\t1\t127\tServer ver: 8.4.0, Binlog ver: 4",
  "binlog.000002\t127\tPrevious_gtids\t1\t198\t3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23",
  "binlog.000002\t198\tGtid\t1\t275\tSET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:24'",
].join("\n");

describe("archive-lib.sh: GTID positions, gaps and index entries", function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  before(() => (sandbox = makeSandbox()));
  after(() => sandbox.remove());
  const lib = (body: string, env: Record<string, string> = {}) =>
    runBash(sandbox, `source "$LIB"; source "${"${LIB%/*}"}/archive-lib.sh"\n${body}`, env);

  it("keeps one item per domain (its highest) and per MySQL source uuid, and refuses what is no GTID", async () => {
    const r = await lib(`archive_norm "[5-101-1,0-101-4,0-102-9]"
archive_norm "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23"
archive_norm ""
archive_norm "0-101-x" || echo refused`);
    assert.strictEqual(r.stdout, "0-102-9,5-101-1\n3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23\n\nrefused\n");
    assert.match(r.stderr, /^archive: "0-101-x" is not a GTID\n$/);
  });

  it("says whether a position is covered, and merges two", async () => {
    const r = await lib(`archive_covered 0-101-4 0-101-6 && echo a
archive_covered 0-101-7 0-101-6 || echo b
archive_covered 0-101-4,5-101-1 0-101-6 || echo c
archive_covered "" 0-101-6 && echo d
archive_merge 0-101-6,5-101-1 0-102-8`);
    assert.strictEqual(r.stdout, "a\nb\nc\nd\n0-102-8,5-101-1\n");
  });

  it("finds a gap only where the next file does not follow on from the archive's end", async () => {
    const r = await lib(`echo "1:$(archive_gaps 0-101-6 0-101-9 0-101-6)"
echo "2:$(archive_gaps 0-101-4 0-102-9 0-101-6)"
echo "3:$(archive_gaps 0-101-8 0-101-9 0-101-6)"
echo "4:$(archive_gaps "" 0-101-9,7-101-2 "")"
echo "5:$(archive_gaps 0-101-6 0-101-9,7-101-2 0-101-6)"
echo "6:$(archive_gaps "" 0-102-9 0-101-6)"
echo "7:$(archive_gaps "" 0-102-9 0-101-6 0-101-5)"
echo "8:$(archive_gaps "" 0-102-9 0-101-6 0-101-8)"`);
    assert.strictEqual(
      r.stdout,
      "1:\n2:\n" +
        "3:the archive ends at 0-101-6 but the next file starts after 0-101-8\n" +
        "4:\n5:\n" +
        "6:the archive ends at 0-101-6 but the next file holds that domain from an unknown start\n" +
        "7:\n" +
        "8:the archive ends at 0-101-6 but the next file starts at 0-101-8\n",
    );
  });

  it("reads a file's head: the position before it, its first GTID event (MariaDB and MySQL shapes), with builtins only", async () => {
    fs.writeFileSync(path.join(sandbox.dir, "m"), MARIADB_HEAD + "\n");
    fs.writeFileSync(path.join(sandbox.dir, "y"), MYSQL_HEAD + "\n");
    const t = await lib(`PATH=/nonexistent
archive_head <m; archive_head <y; printf 'binlog.000003\\t256\\tGtid_list\\t1\\t285\\t[]\\n' | archive_head`);
    assert.strictEqual(t.stderr, "");
    assert.strictEqual(
      t.stdout,
      "0-101-4,0-102-2 339 0-101-5\n" +
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23 198 3e11fa47-71ca-11e1-9e33-c80aa9429562:24\n" +
        "- - -\n",
    );
  });

  it("reads the first GTID of a group-committed MariaDB transaction (cid=) and a MySQL set of two sources", async () => {
    // MariaDB's Gtid event after a group commit: "BEGIN GTID 0-101-5 cid=17" (Gtid_log_event::pack_info).
    // MySQL's Previous_gtids of two sources: ",\n" between them, escaped by the client's batch mode.
    const t = await lib(`PATH=/nonexistent
printf 'binlog.000002\\t4\\tFormat_desc\\t101\\t256\\tServer ver: 10.11\\nbinlog.000002\\t256\\tGtid_list\\t101\\t299\\t[0-101-4]\\nbinlog.000002\\t339\\tGtid\\t101\\t381\\tBEGIN GTID 0-101-5 cid=17\\n' | archive_head
printf 'binlog.000004\\t126\\tPrevious_gtids\\t1\\t197\\t3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23,\\\\n5f0b8a9c-71ca-11e1-9e33-c80aa9429562:1-3\\nbinlog.000004\\t197\\tGtid\\t2\\t274\\tSET @@SESSION.GTID_NEXT= '"'"'5f0b8a9c-71ca-11e1-9e33-c80aa9429562:4'"'"'\\n' | archive_head`);
    assert.strictEqual(t.stderr, "");
    assert.strictEqual(
      t.stdout,
      "0-101-4 339 0-101-5\n" +
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23,5f0b8a9c-71ca-11e1-9e33-c80aa9429562:1-3 197 5f0b8a9c-71ca-11e1-9e33-c80aa9429562:4\n",
    );
  });

  it("reads an event's time from its header and writes the entry in UTC whatever the zone", async () => {
    const file = Buffer.alloc(64);
    file.writeUInt32LE(1796317917, 4);
    file.writeUInt32LE(1796317919, 40);
    fs.writeFileSync(path.join(sandbox.dir, "binlog.000001"), file);
    const r = await lib(
      `archive_event_time binlog.000001 4; archive_event_time binlog.000001 40
archive_entry binlog.000001 101-1-binlog.000001 101 "" 0-101-4 0-101-1 1796317917 1796317919 967
archive_entry_value "$(archive_entry f o 101 0-101-4 0-101-6 0-101-5 1 2 3 "a gap")" gap`,
      { TZ: "Asia/Tokyo" },
    );
    assert.strictEqual(
      r.stdout,
      "1796317917\n1796317919\n" +
        "file=binlog.000001\nobject=101-1-binlog.000001\nserver_id=101\nbefore=\nlast=0-101-4\nfirst_gtid=0-101-1\n" +
        "first_time=1796317917\nlast_time=1796317919\nfirst_utc=2026-12-03T17:11:57Z\nlast_utc=2026-12-03T17:11:59Z\n" +
        "bytes=967\na gap\n",
    );
  });
});

/** A stand-in SQL client: answers the archiver's statements from files under STUB_DIR, logs each. */
const STUB_CLIENT = `#!/bin/bash
sql=""
while (( $# )); do case $1 in -e) sql=$2; shift 2 ;; *) shift ;; esac; done
printf '%s\\n' "$sql" >>"$STUB_DIR/queries"
case $sql in
  "SHOW BINARY LOGS") cat "$STUB_DIR/logs" ;;
  "SHOW BINLOG EVENTS IN '"*) f=\${sql#*IN \\'}; cat "$STUB_DIR/events.\${f%%\\'*}" ;;
  "SELECT @@global.binlog_expire_logs_seconds") cat "$STUB_DIR/expire" 2>/dev/null || echo 604800 ;;
  "SET GLOBAL binlog_expire_logs_seconds = "*) echo "\${sql##* }" >"$STUB_DIR/expire" ;;
  "SELECT @@global.log_bin_basename") echo "$STUB_DIR/bin/binlog" ;;
  "FLUSH BINARY LOGS") touch "$STUB_DIR/flushed" ;;
  PURGE*) printf '%s\\n' "$sql" >>"$STUB_DIR/purged" ;;
  *) echo "stub: unexpected SQL: $sql" >&2; exit 1 ;;
esac
`;

interface StubLog {
  name: string;
  /** The Gtid_list before it ("" for none). */
  before: string;
  /** Its first GTID and that event's time, or none. */
  first?: { gtid: string; at: number };
  created: number;
}

describe("archive-binlogs.sh: the archiving loop (stub server, s3rver)", function () {
  this.timeout(120_000);
  let store: ObjectStore;
  let sandbox: Sandbox;
  let stub: string;
  const KEY = "unit-archive-key";
  before(async () => (store = await new ObjectStore("127.0.0.1", "b").start()));
  after(async () => store.remove());
  /** The store's Secret and TMP_DIR live here: the contract needs their paths before the sandbox exists. */
  let extra: string;
  beforeEach(() => {
    extra = fs.mkdtempSync(path.join(os.tmpdir(), "archive-unit-"));
    fs.mkdirSync(path.join(extra, "tmp"));
    sandbox = makeSandbox({ STORE_SECRET_DIR: path.join(extra, "store-secret"), TMP_DIR: path.join(extra, "tmp") });
  });
  afterEach(() => {
    sandbox.remove();
    fs.rmSync(extra, { recursive: true, force: true });
  });

  /** A stub server holding `logs`, and the store's Secret. */
  function setUp(logs: StubLog[]) {
    secretFiles(path.join(extra, "store-secret"));
    return writeServer(logs);
  }

  function writeServer(logs: StubLog[], size = 100) {
    stub = path.join(sandbox.dir, "stub");
    fs.mkdirSync(path.join(stub, "bin"), { recursive: true });
    fs.writeFileSync(path.join(stub, "client"), STUB_CLIENT, { mode: 0o755 });
    fs.writeFileSync(path.join(sandbox.private, "root.cnf"), "[client]\nuser=root\n");
    fs.writeFileSync(path.join(stub, "logs"), logs.map((l) => `${l.name}\t${size}`).join("\n") + "\n");
    for (const l of logs) {
      const bytes = Buffer.alloc(size, 7);
      bytes.writeUInt32LE(l.created, 4);
      const rows = [
        `${l.name}\t4\tFormat_desc\t101\t60\tServer ver: 10.11`,
        `${l.name}\t60\tGtid_list\t101\t70\t[${l.before}]`,
      ];
      if (l.first) {
        bytes.writeUInt32LE(l.first.at, 70);
        rows.push(`${l.name}\t70\tGtid\t101\t80\tBEGIN GTID ${l.first.gtid}`);
      }
      fs.writeFileSync(path.join(stub, "bin", l.name), bytes);
      fs.writeFileSync(path.join(stub, `events.${l.name}`), rows.join("\n") + "\n");
    }
    return stub;
  }

  function secretFiles(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "access-key-id"), "S3RVER");
    fs.writeFileSync(path.join(dir, "secret-access-key"), "S3RVER");
    fs.writeFileSync(path.join(dir, "encryption-key"), KEY);
  }

  /** Starts the loop as pod `pod` in `role`; returns its handle. */
  function start(pod: string, role: string, endpoint = store.endpoint, maxAge = "10") {
    fs.writeFileSync(path.join(sandbox.run, "agent-state"), `${role} 1 1\n`);
    return spawnBash(
      sandbox,
      `exec bash "${"${LIB%/*}"}/archive-binlogs.sh"`,
      {
        POD_NAME: pod,
        DB_CLIENT: path.join(stub, "client"),
        STUB_DIR: stub,
        STORE_RCLONE: "rclone",
        STORE_ENDPOINT: endpoint,
        STORE_BUCKET: "b",
        STORE_PREFIX: prefix,
        BINLOG_ARCHIVE_MAX_AGE: maxAge,
      },
      60_000,
    );
  }
  let prefix = "p0";

  /** The vault's index entries (name -> text) and a data object's bytes, read with the host's rclone. */
  function readVault(body: string): Promise<string> {
    fs.writeFileSync(path.join(sandbox.dir, "vault-key"), KEY);
    const child = spawn(
      "bash",
      [
        "-c",
        `source "${sandbox.scripts}/store-lib.sh"; store_configure "${sandbox.dir}/vault-key" b/${prefix}\n${body}`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          STORE_RCLONE: "rclone",
          RCLONE_CONFIG_STORE_TYPE: "s3",
          RCLONE_CONFIG_STORE_PROVIDER: "Other",
          RCLONE_CONFIG_STORE_ENDPOINT: store.endpoint,
          RCLONE_CONFIG_STORE_FORCE_PATH_STYLE: "true",
          RCLONE_CONFIG_STORE_ACCESS_KEY_ID: "S3RVER",
          RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY: "S3RVER",
        },
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    return new Promise((resolve) => child.on("close", () => resolve(out)));
  }
  const index = async () =>
    (
      await readVault(
        'for e in $(store_list binlogs/index/); do printf "== %s\\n" "$e"; store_get "binlogs/index/$e"; done',
      )
    )
      .split(/^== /m)
      .filter(Boolean);

  async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000) {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`never became true: ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const file = (name: string) => (fs.existsSync(name) ? fs.readFileSync(name, "utf8") : "");
  const now = () => Math.floor(Date.now() / 1000);

  it("uploads each closed log, then its entry; a restarted loop uploads nothing twice; the open log stays", async () => {
    prefix = "p1";
    const t = now() - 100;
    setUp([
      { name: "binlog.000001", before: "", first: { gtid: "0-101-1", at: t + 1 }, created: t },
      { name: "binlog.000002", before: "0-101-4", first: { gtid: "0-101-5", at: t + 20 }, created: t + 10 },
      { name: "binlog.000003", before: "0-101-6", created: t + 30 },
    ]);
    const first = start("db-1", "primary");
    await until("two index entries", async () => (await index()).length === 2);
    first.kill();
    const r = await first.done;
    const entries = await index();
    assert.match(entries[0], /^\d{16}-101-\d+-binlog\.000001\nfile=binlog\.000001\n/);
    assert.match(entries[0], /^before=\nlast=0-101-4\nfirst_gtid=0-101-1\n/m);
    assert.match(entries[1], /^before=0-101-4\nlast=0-101-6\nfirst_gtid=0-101-5\n/m);
    assert.match(entries[1], new RegExp(`^first_time=${t + 20}\\nlast_time=${t + 30}\\n`, "m"));
    const object = /^object=(.*)$/m.exec(entries[0])![1];
    const bytes = await readVault(`store_get binlogs/data/${object} | od -v -An -tx1 | tr -d ' \\n'`);
    assert.strictEqual(bytes, fs.readFileSync(path.join(stub, "bin", "binlog.000001")).toString("hex"));
    assert.strictEqual(file(path.join(stub, "expire")).trim(), "0", "the server's own expiry is still on");
    assert.match(r.stderr, /the archive is empty/);
    assert.match(r.stderr, /archived binlog\.000001: 100 bytes up to 0-101-4/);
    assert.doesNotMatch(r.stderr, /ERROR/);

    fs.writeFileSync(path.join(stub, "queries"), "");
    const again = start("db-1", "primary");
    await until(
      "a second round after the restart",
      () => file(path.join(stub, "queries")).split("SHOW BINARY LOGS").length > 2,
    );
    again.kill();
    const r2 = await again.done;
    assert.strictEqual((await index()).length, 2, "a file was archived twice");
    assert.match(r2.stderr, /the archive ends at 0-101-6 \(index entry \d{16}-101-/);
    assert.doesNotMatch(r2.stderr, /archived|ERROR/);
    assert.strictEqual(file(path.join(stub, "purged")), "", "purged logs younger than the expiry");
  });

  it("logs a GAP naming both positions, records it in the entry and raises the metric", async () => {
    prefix = "p2";
    const t = now() - 100;
    setUp([
      { name: "binlog.000001", before: "", first: { gtid: "0-101-1", at: t + 1 }, created: t },
      { name: "binlog.000002", before: "0-101-4", created: t + 10 },
    ]);
    const a = start("db-1", "primary");
    await until("one entry", async () => (await index()).length === 1);
    a.kill();
    await a.done;
    // Another pod, whose oldest log starts after a transaction the archive lacks (0-101-5..8).
    writeServer([
      { name: "binlog.000009", before: "0-101-8", first: { gtid: "0-102-9", at: t + 40 }, created: t + 40 },
      { name: "binlog.000010", before: "0-102-12", created: t + 50 },
    ]);
    const b = start("db-2", "primary");
    await until("two entries", async () => (await index()).length === 2);
    await until("the metrics", () => /gap 1/.test(file(path.join(sandbox.run, "binlog-archive.prom"))));
    b.kill();
    const r = await b.done;
    const gapLines = r.stderr.split("\n").filter((l) => l.includes("GAP"));
    assert.deepStrictEqual(
      gapLines.map((l) => l.replace(/^.*archive-binlogs\.sh: /, "")),
      [
        "GAP: the archive ends at 0-101-4 but the next file starts after 0-101-8; the transactions between are in no archived file",
      ],
    );
    const entries = await index();
    assert.match(entries[1], /^server_id=102\n/m);
    assert.match(entries[1], /^gap=the archive ends at 0-101-4 but the next file starts after 0-101-8$/m);
    assert.match(file(path.join(sandbox.run, "binlog-archive.prom")), /^mysql_binlog_archive_gap 1$/m);
  });

  it("flushes the open log once its first transaction is half the bound old, and not when it holds none", async () => {
    prefix = "p3";
    const t = now();
    setUp([{ name: "binlog.000001", before: "", created: t - 100 }]);
    const a = start("db-1", "primary", store.endpoint, "10");
    await until("three rounds", () => file(path.join(stub, "queries")).split("SHOW BINARY LOGS").length > 3);
    assert.ok(!fs.existsSync(path.join(stub, "flushed")), "flushed a log that holds no transaction");
    writeServer([{ name: "binlog.000001", before: "", first: { gtid: "0-101-1", at: now() - 2 }, created: t - 100 }]);
    await until("a flush", () => fs.existsSync(path.join(stub, "flushed")), 15_000);
    a.kill();
    await a.done;
    const age = now() - (t - 2);
    assert.ok(age >= 5, `flushed when the transaction was ${age} s old, before half of 10 s`);
  });

  it("says once that the store is unreachable, whatever the rounds, and a replica uploads nothing", async () => {
    prefix = "p4";
    const t = now() - 100;
    setUp([
      { name: "binlog.000001", before: "", first: { gtid: "0-101-1", at: t }, created: t },
      { name: "binlog.000002", before: "0-101-4", created: t + 10 },
    ]);
    const dead = start("db-1", "primary", "http://127.0.0.1:1", "10");
    await until("five rounds", () => (file(path.join(extra, "tmp", "archive-binlogs.err")) !== "" ? true : false));
    await new Promise((r) => setTimeout(r, 5000));
    dead.kill();
    const r = await dead.done;
    const errors = r.stderr.split("\n").filter((l) => l.includes("ERROR"));
    assert.strictEqual(errors.length, 1, r.stderr);
    assert.match(errors[0], /ERROR: the object store is not usable: store: unreachable or refused \(store:b\)/);
    assert.doesNotMatch(r.stderr, /S3RVER|unit-archive-key/);

    fs.writeFileSync(path.join(stub, "queries"), "");
    const replica = start("db-1", "replica");
    await new Promise((r) => setTimeout(r, 3000));
    replica.kill();
    await replica.done;
    assert.strictEqual(file(path.join(stub, "queries")), "", "a replica asked its server something");
    assert.strictEqual((await index()).length, 0);
    assert.match(file(path.join(sandbox.run, "binlog-archive.prom")), /^mysql_binlog_archive_primary 0$/m);
  });
});
