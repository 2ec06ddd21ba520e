// The README's quick start on an empty cluster: `pulumi up` with the dev stack
// (Pulumi.dev.yaml), run through the provider/engine model with nothing in the
// cluster but the namespaces every cluster has. Every object must be
// creatable: its namespace exists or the program creates it first (issue 13,
// defect 2: the dev stack named a namespace nothing created).

import * as assert from "assert";
import { deployFresh, installMocks } from "../../support/pulumi-mocks";
import { BUILTIN_NAMESPACES, plan } from "../../support/provider-model";
import { stackArgs } from "../../support/stack";

describe("the quick start (dev stack) on an empty cluster, through the provider/engine model", function () {
  it("creates every object, with no failure and no mounted object missing", async function () {
    const mocks = await installMocks();
    const { MySqlCluster } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../../components/mysql-cluster") as typeof import("../../../components/mysql-cluster");
    const { name, args } = stackArgs("dev");
    await deployFresh(
      mocks,
      () => new MySqlCluster(name, args),
      (c) => [c.writeEndpoint, c.readEndpoint],
    );
    const empty = BUILTIN_NAMESPACES.map((ns) => ({ kind: "Namespace", namespace: "default", name: ns }));
    const p = await plan({ olds: [], news: [...mocks.resources], live: empty });
    assert.deepStrictEqual(
      p.failures.map((f) => `${f.kind}: ${f.message}`),
      [],
    );
    assert.deepStrictEqual(p.gaps, []);
    assert.ok(p.steps.filter((s) => s.op === "create").length >= 10);
  });
});
