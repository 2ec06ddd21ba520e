// `tools/pulumi-yaml.ts` prints Pulumi.yaml from the settings schema; the
// committed file must be exactly what it prints, so no setting's declaration drifts.

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../support/paths";

const TSX = path.join(ROOT, "node_modules/.bin/tsx");

describe("tools/pulumi-yaml.ts", function () {
  this.timeout(60_000);

  it("generates exactly the committed Pulumi.yaml (regenerate with `npx tsx tools/pulumi-yaml.ts > Pulumi.yaml`)", function () {
    const result = spawnSync(TSX, ["tools/pulumi-yaml.ts"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    assert.strictEqual(result.status, 0, result.stderr);
    assert.strictEqual(result.stdout, fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
  });
});
