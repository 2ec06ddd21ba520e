// The runner's StatefulSet controller refuses a scale-down as the real one
// does with OrderedReady (kubernetes pkg/controller/statefulset/
// stateful_set_control.go): not while a pod it keeps is not Running and Ready
// or is terminating (a lost node), one condemned pod at a time, highest first.

import * as assert from "assert";
import { PodHealth, scaleDownStep } from "../../local/statefulset-controller";

const pod = (ordinal: number, state: "ready" | "unready" | "terminating" = "ready"): PodHealth => ({
  ordinal,
  terminating: state === "terminating",
  runningAndReady: state === "ready",
});

describe("local runner: StatefulSet scale-down (OrderedReady)", function () {
  it("removes the highest condemned pod first, one at a time, when every pod is Running and Ready", function () {
    assert.deepStrictEqual(scaleDownStep([pod(0), pod(1), pod(2), pod(3)], 2, true), { remove: [3] });
    assert.deepStrictEqual(scaleDownStep([pod(0), pod(1), pod(2)], 2, true), { remove: [2] });
    assert.deepStrictEqual(scaleDownStep([pod(0), pod(1)], 2, true), { remove: [] });
  });

  it("waits while a pod it keeps is not Running and Ready, or is terminating (its node is lost)", function () {
    assert.deepStrictEqual(scaleDownStep([pod(0, "unready"), pod(1), pod(2)], 2, true), {
      remove: [],
      waitingFor: "pod 0 to be Running and Ready",
    });
    assert.deepStrictEqual(scaleDownStep([pod(0, "terminating"), pod(1), pod(2)], 2, true), {
      remove: [],
      waitingFor: "pod 0 to terminate",
    });
    assert.deepStrictEqual(scaleDownStep([pod(1), pod(2)], 2, true), { remove: [], waitingFor: "pod 0 to be created" });
  });

  it("removes an unready condemned pod only when it is the first unhealthy one, and waits for a terminating one", function () {
    assert.deepStrictEqual(scaleDownStep([pod(0), pod(1), pod(2, "unready")], 2, true), { remove: [2] });
    assert.deepStrictEqual(scaleDownStep([pod(0), pod(1), pod(2, "unready"), pod(3, "unready")], 2, true), {
      remove: [],
      waitingFor: "pod 2 to be Running and Ready prior to scale down",
    });
    assert.deepStrictEqual(scaleDownStep([pod(0), pod(1), pod(2), pod(3, "terminating")], 2, true), {
      remove: [],
      waitingFor: "pod 3 to terminate prior to scale down",
    });
  });

  it("removes every condemned pod at once with Parallel, whatever their state", function () {
    assert.deepStrictEqual(scaleDownStep([pod(0, "unready"), pod(1), pod(2, "unready"), pod(3)], 2, false), {
      remove: [2, 3],
    });
  });
});
