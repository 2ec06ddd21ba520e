// `npm run render [-- --stack <name>]`: prints every resource the stack's
// MySqlCluster registers, as YAML, like `helm template`: no cluster and no
// Pulumi CLI needed. Settings come from Pulumi.yaml defaults and
// Pulumi.<stack>.yaml; generated passwords and certificates are shown as
// placeholders, never as values. Each document is the Kubernetes object a
// resource registers, after a comment naming the resource and how it is
// registered (which are Patches, what they wait for); the settings guard,
// which is no Kubernetes object, is a comment with its inputs at the top.

import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { argsFromConfig, renderCluster, resolveArgs } from "../components/mysql-cluster";
import { registrationSummary } from "../components/mysql-cluster/render";
import { readStackConfig } from "./stack-file";

/** YAML text as comment lines. */
function comment(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => `# ${line}`.trimEnd())
    .join("\n");
}

function main(argv: string[]): void {
  const stackFlag = argv.indexOf("--stack");
  const stack = stackFlag >= 0 ? argv[stackFlag + 1] : "dev";
  const root = path.join(__dirname, "..");
  if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) {
    throw new Error(`no stack file Pulumi.${stack}.yaml in ${root}`);
  }
  const config = readStackConfig(root, stack);
  const { name, args } = argsFromConfig((key) => config[key]);
  const rendered = renderCluster(resolveArgs(name, args));
  const guard = [
    `SettingsGuard "${rendered.guard.resourceName}": a Pulumi dynamic resource, not a Kubernetes object;`,
    "it refuses setting changes a running cluster cannot take, and the objects below wait for it. Its inputs:",
    stringify(rendered.guard.settings).replace(/^/gm, "  "),
  ].join("\n");
  const documents = rendered.resources.map(
    (r) => `${comment(registrationSummary(r, rendered))}\n${stringify(r.object, { lineWidth: 0 })}`,
  );
  process.stdout.write(`${comment(guard)}\n${documents.join("---\n")}`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
