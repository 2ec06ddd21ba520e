// Reads a stack's settings the way the Pulumi CLI would hand them to the
// program: Pulumi.yaml's declared defaults, overridden by Pulumi.<stack>.yaml's
// "<project>:<key>" values. Used where there is no CLI (render, tests).

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export function readStackConfig(root: string, stack: string): Record<string, string> {
  const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  const values: Record<string, string> = {};
  for (const [key, decl] of Object.entries<{ default?: unknown }>(project.config ?? {})) {
    if (decl && decl.default !== undefined) values[key] = String(decl.default);
  }
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  const stackConfig = fs.existsSync(stackFile) ? parse(fs.readFileSync(stackFile, "utf8"))?.config ?? {} : {};
  for (const [fullKey, value] of Object.entries(stackConfig)) {
    const [namespace, key] = fullKey.includes(":") ? fullKey.split(":", 2) : [project.name, fullKey];
    if (namespace === project.name) values[key] = String(value);
  }
  return values;
}
