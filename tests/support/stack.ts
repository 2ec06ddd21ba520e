// A stack's settings as the Pulumi CLI hands them to the program, without the
// CLI: Pulumi.yaml's defaults overridden by Pulumi.<stack>.yaml
// (tools/stack-file.ts), as component args or as the program's config map.

import { MySqlClusterArgs } from "../../components/mysql-cluster/args";
import { argsFromConfig } from "../../components/mysql-cluster/stack-config";
import { readStackConfig } from "../../tools/stack-file";
import { ROOT } from "./paths";

/** The cluster name and args a stack's settings give the component. */
export function stackArgs(stack: string): { name: string; args: MySqlClusterArgs } {
  const config = readStackConfig(ROOT, stack);
  return argsFromConfig((key) => config[key]);
}

/** The stack's config as the program reads it ("<project>:<key>" -> string), with overrides by bare key. */
export function stackConfig(
  stack: string,
  overrides: Record<string, string> = {},
  project = "mysql-cluster",
): Record<string, string> {
  const values = { ...readStackConfig(ROOT, stack), ...overrides };
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${project}:${k}`, v]));
}
