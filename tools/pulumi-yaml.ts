// `npx tsx tools/pulumi-yaml.ts > Pulumi.yaml`: prints the project file written
// from the settings schema, so Pulumi.yaml's declarations (type, default,
// description) never drift from what the program reads. tools/settings-files.ts
// writes it together with the Args types and the README's settings table.

import { pulumiYamlText } from "./settings-files";

process.stdout.write(pulumiYamlText());
