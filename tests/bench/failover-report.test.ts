// The failover benchmark's summary (bench/failover-report.ts): medians over
// the runs that kept the guarantees only, violated and failed runs named and
// left out, and the goal verdicts the report prints.

import * as assert from "assert";
import { FailoverRun, failoverSection, summarize } from "../../bench/failover-report";

const run = (over: Partial<FailoverRun>): FailoverRun => ({
  case: "nodeLost",
  rep: 1,
  from: 0,
  to: 1,
  pause: 20,
  pooledPause: 21,
  rejoin: 40,
  lost: 0,
  twoWritable: 0,
  ...over,
});

describe("bench/failover-report: the failover figures", () => {
  it("takes medians and spreads over the good runs only, naming violated and failed ones", () => {
    const [s] = summarize({
      leaseSeconds: 10,
      replicas: 3,
      runs: [
        run({ rep: 1, pause: 18 }),
        run({ rep: 2, pause: 22 }),
        run({ rep: 3, pause: 5, lost: 2 }),
        run({ rep: 4, pause: 1, twoWritable: 1 }),
        run({ rep: 5, pause: 1, error: "timed out" }),
      ],
    });
    assert.strictEqual(s.case, "nodeLost");
    assert.deepStrictEqual([s.pause.median, s.pause.min, s.pause.max, s.pause.n], [20, 18, 22, 2]);
    assert.deepStrictEqual(
      s.violated.map((r) => r.rep),
      [3, 4],
    );
    assert.deepStrictEqual(
      s.failed.map((r) => r.rep),
      [5],
    );
    assert.strictEqual(s.good, 2);
    assert.strictEqual(s.meetsGoal, true);
  });

  it("judges each case against its own goal, and a rejoin that never came is no figure", () => {
    const sums = summarize({
      leaseSeconds: 10,
      replicas: 3,
      runs: [
        run({ case: "switchover", pause: 2.5, rejoin: undefined }),
        run({ case: "crash", pause: 9 }),
        run({ case: "podDeleted", pause: 30 }),
        run({ case: "nodeLost", pause: 1, lost: 1 }),
      ],
    });
    assert.deepStrictEqual(
      sums.map((s) => [s.case, s.meetsGoal]),
      [
        ["switchover", false],
        ["crash", true],
        ["podDeleted", false],
        ["nodeLost", undefined],
      ],
    );
    assert.strictEqual(sums[0].rejoin.n, 0);
  });

  it("prints a violated case as violated, never as met, and lists the run", () => {
    const text = failoverSection({
      leaseSeconds: 10,
      replicas: 3,
      runs: [run({ case: "partition", pause: 3, lost: 1 }), run({ case: "partition", rep: 2, pause: 19 })],
    });
    const row = text.split("\n").find((l) => l.startsWith("| primary cut off"))!;
    assert.match(row, /19\.0 s \(n=1\)/);
    assert.match(row, /\*\*violated\*\* in 1 run/);
    assert.match(text, /repetition 1: 1 acknowledged write\(s\) lost/);
  });
});
