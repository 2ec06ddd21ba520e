// The named checkers (components/mysql-cluster/checks.ts): each accepts exactly
// its stated range (the bounds themselves included) and, for a refused value,
// gives the text of what it accepts, which is what the error shows.

import * as assert from "assert";
import {
  Checker,
  all,
  cronSchedule,
  dns1035Label,
  dnsDomain,
  dnsLabel,
  dnsSubdomain,
  imageReference,
  labelMap,
  matching,
  noneOf,
  oneOf,
  quantity,
  sqlIdentifier,
  tolerationList,
  trueOrFalse,
  wholeNumber,
} from "../../../components/mysql-cluster/checks";

/** [checker, accepted values, refused values] */
const CASES: [string, Checker, unknown[], unknown[]][] = [
  ["trueOrFalse", trueOrFalse, [true, false], ["true", 1, null, undefined]],
  ["oneOf", oneOf(["mysql", "mariadb"]), ["mysql", "mariadb"], ["MySQL", "postgres", "", 1]],
  ["wholeNumber(1, 64)", wholeNumber(1, 64), [1, 64, 32], [0, 65, 1.5, "1", NaN, Infinity]],
  [
    "wholeNumber(0, MAX_SAFE_INTEGER)",
    wholeNumber(0, Number.MAX_SAFE_INTEGER),
    [0, Number.MAX_SAFE_INTEGER],
    [-1, 2 ** 60, 0.5],
  ],
  [
    "dnsLabel(63)",
    dnsLabel(),
    ["a", "0db", "a-b", "n".repeat(63)],
    ["n".repeat(64), "A", "a_b", "-a", "a-", "a.b", ""],
  ],
  ["dns1035Label(52)", dns1035Label(52), ["a", "db-1", "a".repeat(52)], ["1db", "a".repeat(53), "Db", "a-"]],
  ["dnsSubdomain", dnsSubdomain(), ["a", "a.b-c", "s".repeat(253)], ["s".repeat(254), "a..b", "A", "a b", ".a"]],
  [
    "dnsDomain",
    dnsDomain(),
    ["cluster.local", `${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(63)}.${"g".repeat(63)}`],
    [`${"a".repeat(64)}.local`, "cluster.local.", "a b"],
  ],
  [
    "quantity(1Mi, 1Ei)",
    quantity(2 ** 20, 2 ** 60, "q"),
    ["1Mi", "1Ei", "1e10", "+10Gi", "1.5Gi"],
    ["1023Ki", "2Ei", "10GB", "10Gi ", "-1Mi", 10],
  ],
  [
    "quantity(0 exclusive, 10000)",
    quantity(0, 10_000, "cpu", true),
    ["1m", "0.25", "10000"],
    ["0", "0m", "10001", "-1"],
  ],
  ["sqlIdentifier(32)", sqlIdentifier(32), ["shop", "_x", "a".repeat(32)], ["a".repeat(33), "1a", "a-b", "a'b", ""]],
  ["noneOf", noneOf(["root"], "not root"), ["shop"], ["root", "ROOT", 1]],
  [
    "matching",
    matching(/^(latest|[0-9]{8}T[0-9]{6}Z)$/, "m"),
    ["latest", "20261125T030000Z"],
    ["latest ", "2026", "Latest"],
  ],
  [
    "imageReference",
    imageReference("mysql:8.4"),
    ["mysql:8.4", "[::1]:5000/x:1", `mysql@sha256:${"a".repeat(64)}`],
    ["mysql:8.4 ", "MySQL", "a;b", "a".repeat(256)],
  ],
  [
    "cronSchedule",
    cronSchedule("c"),
    ["0 3 * * *", "@daily", "0 3 * * SUN"],
    ["0 3 * * 7", "@every 1h", "TZ=UTC 0 3 * * *", " 0 3 * * *"],
  ],
  [
    "labelMap",
    labelMap("a=b"),
    [{}, { app: "shop" }, { "example.com/a": "" }],
    ["app=shop", [], null, { "bad key": "x" }, { a: "v".repeat(64) }, { a: 1 }],
  ],
  ["labelMap (nonEmpty)", labelMap("a=b", true), [{ app: "shop" }], [{}]],
  [
    "tolerationList",
    tolerationList("[]"),
    [[], [{ operator: "Exists" }], [{ key: "a", value: "b", effect: "NoExecute", tolerationSeconds: 5 }]],
    [
      "[]",
      [{}],
      [{ key: "a", operator: "Exists", value: "b" }],
      [{ key: "a", color: "red" }],
      [{ key: "a", effect: "NoSchedule", tolerationSeconds: 5 }],
    ],
  ],
];

describe("validation checkers", function () {
  for (const [what, check, accepted, refused] of CASES) {
    it(`${what} accepts ${accepted.length} values and refuses ${refused.length}, saying what it accepts`, function () {
      for (const value of accepted) assert.strictEqual(check.refuses(value), undefined, JSON.stringify(value));
      for (const value of refused)
        assert.strictEqual(check.refuses(value), check.accepted, String(JSON.stringify(value)));
    });
  }

  it("say the accepted values in the error's words", function () {
    assert.strictEqual(wholeNumber(1, 64).accepted, "a whole number from 1 to 64");
    assert.strictEqual(wholeNumber(0, Number.MAX_SAFE_INTEGER).accepted, "a whole number from 0 up");
    assert.strictEqual(oneOf(["mysql", "mariadb"]).accepted, 'one of "mysql", "mariadb"');
    assert.strictEqual(trueOrFalse.accepted, "true or false");
    assert.strictEqual(
      dnsLabel(63).accepted,
      'a DNS label of at most 63 characters (lower-case letters, digits and "-")',
    );
    assert.match(
      imageReference("mysql:8.4").accepted,
      /^an image reference \[registry\[:port\]\/\]name\[:tag\]\[@digest\] .*e\.g\. "mysql:8\.4"$/,
    );
    assert.match(
      labelMap("app=shop").accepted,
      /^labels as "key=value" pairs separated by commas, each key once \(in TypeScript a map\), e\.g\. "app=shop"/,
    );
  });

  it("all() describes a value by the first check it fails", function () {
    const appDatabase = all(sqlIdentifier(64), noneOf(["mysql"], "not a system database"));
    assert.strictEqual(appDatabase.refuses("a-b"), sqlIdentifier(64).accepted);
    assert.strictEqual(appDatabase.refuses("MySQL"), "not a system database");
    assert.strictEqual(appDatabase.refuses("shop"), undefined);
  });
});
