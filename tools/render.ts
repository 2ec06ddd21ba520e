// `npm run render [-- --stack <name>]`: prints every Kubernetes object the
// stack would create, as YAML, like `helm template`: no cluster and no Pulumi
// CLI needed. Settings come from Pulumi.yaml defaults and Pulumi.<stack>.yaml;
// generated passwords are shown as placeholders, never as values.

import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { argsFromConfig, renderObjects, resolveArgs } from "../components/mysql-cluster";
import { readStackConfig } from "./stack-file";

function main(argv: string[]): void {
  const stackFlag = argv.indexOf("--stack");
  const stack = stackFlag >= 0 ? argv[stackFlag + 1] : "dev";
  const root = path.join(__dirname, "..");
  if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) {
    throw new Error(`no stack file Pulumi.${stack}.yaml in ${root}`);
  }
  const config = readStackConfig(root, stack);
  const { name, args } = argsFromConfig((key) => config[key]);
  const objects = renderObjects(resolveArgs(name, args));
  process.stdout.write(objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n"));
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
