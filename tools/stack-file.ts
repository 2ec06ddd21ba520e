// Reads a stack's settings the way the Pulumi CLI would hand them to the
// program: Pulumi.yaml's declared defaults, overridden by Pulumi.<stack>.yaml's
// "<project>:<key>" values. Used where there is no CLI (render, tests). It
// applies the stack program's check (argsFromConfig with every key of the
// stack), so `npm run render` refuses an unknown key or a bad value with the
// same error `pulumi preview` gives.

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { argsFromConfig } from "../components/mysql-cluster/stack-config";

/** A config value as the CLI passes it to the program: scalars as text, structured values as JSON. */
function configText(value: unknown): string {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function readStackConfig(root: string, stack: string): Record<string, string> {
  const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  const values: Record<string, string> = {};
  for (const [key, decl] of Object.entries<{ default?: unknown }>(project.config ?? {})) {
    if (decl && decl.default !== undefined) values[key] = configText(decl.default);
  }
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  const stackConfig = fs.existsSync(stackFile) ? (parse(fs.readFileSync(stackFile, "utf8"))?.config ?? {}) : {};
  const allKeys = Object.keys(values).map((key) => `${project.name}:${key}`);
  for (const [fullKey, value] of Object.entries(stackConfig)) {
    const [namespace, key] = fullKey.includes(":")
      ? [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)]
      : [project.name, fullKey];
    allKeys.push(`${namespace}:${key}`);
    if (namespace === project.name) values[key] = configText(value);
  }
  argsFromConfig((key) => values[key], allKeys, project.name);
  return values;
}
