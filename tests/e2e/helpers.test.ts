// The e2e helper itself (no pods started): every e2e cluster's credentials
// Secret holds the passwords the test knows, for every key the component's
// builder asks for. Before, the helper listed five keys by hand and the
// exporter's password reached every e2e Secret as the string "undefined".
import * as assert from "assert";
import { requiredSecretKeys } from "../../components/mysql-cluster/builders/credentials-secret";
import { SecretObject } from "../../components/mysql-cluster/builders/types";
import { resolveArgs } from "../../components/mysql-cluster";
import { SECRET_KEYS } from "../../components/mysql-cluster/names";
import { E2E_ARGS, TestCluster } from "./helpers";

describe("e2e helper TestCluster", () => {
  for (const [what, args] of [
    ["the e2e settings (metrics on)", { ...E2E_ARGS }],
    [
      "metrics and the application user off",
      { ...E2E_ARGS, metrics: false, appUser: undefined, appDatabase: undefined },
    ],
  ] as const) {
    it(`renders a credentials Secret holding the test's own generated password for every key the builder asks for: ${what}`, () => {
      const cluster = new TestCluster("helper", args);
      const secret = cluster
        .render(1)
        .find((o) => (o as SecretObject<string>).kind === "Secret" && (o as SecretObject<string>).stringData);
      assert.ok(secret, "no credentials Secret rendered");
      const data = (secret as SecretObject<string>).stringData;
      const required = requiredSecretKeys(resolveArgs("helper", args));
      assert.deepStrictEqual(Object.keys(data).sort(), [...required].sort());
      for (const key of required) {
        assert.strictEqual(data[key], cluster.passwords[key], `${key}: the Secret's value is not the test's`);
        assert.match(data[key], /^[A-Za-z0-9_]{24}$/, `${key}: not a generated password`);
      }
    });
  }

  it("knows a password for every key of the component's credentials Secret, so a reconfigure can turn any on", () => {
    const cluster = new TestCluster("helper", { ...E2E_ARGS, metrics: false });
    assert.deepStrictEqual(Object.keys(cluster.passwords).sort(), Object.values(SECRET_KEYS).sort());
    assert.strictEqual(new Set(Object.values(cluster.passwords)).size, Object.values(SECRET_KEYS).length);
    cluster.args = { ...cluster.args, metrics: true };
    const secret = cluster.render(1).find((o) => (o as SecretObject<string>).kind === "Secret") as SecretObject<string>;
    assert.strictEqual(secret.stringData[SECRET_KEYS.exporter], cluster.passwords[SECRET_KEYS.exporter]);
  });
});
