// Shared by the settings tests: the MySqlClusterConfigError resolveArgs throws
// for a set of arguments, failing the test when it accepts them.

import * as assert from "assert";
import { MySqlClusterArgs, MySqlClusterConfigError, resolveArgs } from "../../components/mysql-cluster/args";

export function errorFor(name: string, args: MySqlClusterArgs): MySqlClusterConfigError {
  try {
    resolveArgs(name, args);
  } catch (error) {
    assert.ok(error instanceof MySqlClusterConfigError, `expected a MySqlClusterConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`resolveArgs(${JSON.stringify(name)}, ${JSON.stringify(args)}) accepted invalid settings`);
}
