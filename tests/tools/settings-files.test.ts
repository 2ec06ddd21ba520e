// The settings schema (components/mysql-cluster/settings.ts) is the one place a
// setting is declared: the committed Args types and their JSDoc, Pulumi.yaml and
// the README's settings table must be exactly what tools/settings-files.ts
// writes from it (regenerate with `npx tsx tools/settings-files.ts`), and the
// defaults the schema documents must be the ones resolveArgs applies.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { MySqlClusterArgs, resolveArgs } from "../../components/mysql-cluster/args";
import { FLAVOR_SPECS, FLAVORS } from "../../components/mysql-cluster/flavors";
import { SETTING_ENTRIES, SETTINGS } from "../../components/mysql-cluster/settings";
import { STACK_SETTINGS } from "../../components/mysql-cluster/stack-config";
import {
  ARGS_TYPES_FILE,
  argsTypesSource,
  committedReadmeTable,
  defaultText,
  jsDocLines,
  pulumiYamlText,
  readmeSettingsTable,
} from "../../tools/settings-files";
import { ROOT } from "../support/paths";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const REGENERATE = "regenerate with `npx tsx tools/settings-files.ts`";

// Compile-time: the Args type has exactly the schema's component settings.
type ComponentKeys = Exclude<keyof typeof SETTINGS, "clusterName">;
export const SAME_KEYS: [ComponentKeys] extends [keyof MySqlClusterArgs]
  ? [keyof MySqlClusterArgs] extends [ComponentKeys]
    ? true
    : never
  : never = true;

/** Each property of an interface in the committed Args file, with its JSDoc text (lines joined by spaces). */
function documentedProperties(interfaceName: string): Map<string, string> {
  const source = ts.createSourceFile(ARGS_TYPES_FILE, read(ARGS_TYPES_FILE), ts.ScriptTarget.ES2022, true);
  const found = new Map<string, string>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== interfaceName) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member)) continue;
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      found.set(
        member.name.getText(source),
        docs
          .map((d) => ts.getTextOfJSDocComment(d.comment) ?? "")
          .join(" ")
          .replace(/\s+/g, " ")
          .trim(),
      );
    }
  });
  return found;
}

describe("files written from the settings schema", function () {
  it(`the committed ${ARGS_TYPES_FILE} is what the schema writes (${REGENERATE})`, function () {
    assert.strictEqual(read(ARGS_TYPES_FILE), argsTypesSource());
  });

  it(`the committed Pulumi.yaml is what the schema writes (${REGENERATE})`, function () {
    assert.strictEqual(read("Pulumi.yaml"), pulumiYamlText());
  });

  it(`the README's settings table is what the schema writes (${REGENERATE})`, function () {
    const readme = read("README.md");
    const { start, end } = committedReadmeTable(readme);
    assert.strictEqual(readme.slice(start, end), readmeSettingsTable());
  });

  it("the README's table has one row per setting, in the schema's order, with its default and accepted values", function () {
    const readme = read("README.md");
    const { start, end } = committedReadmeTable(readme);
    const rows = readme
      .slice(start, end)
      .split("\n")
      .filter((line) => line.startsWith("| `"));
    assert.deepStrictEqual(
      rows.map((row) => /^\| `([A-Za-z]+)` \|/.exec(row)?.[1]),
      SETTING_ENTRIES.map(([key]) => key),
    );
    for (const [i, [key, spec]] of SETTING_ENTRIES.entries())
      assert.strictEqual(rows[i], `| \`${key}\` | ${defaultText(spec)} | ${spec.accepted} |`, key);
  });

  it("documents every Args property with exactly the schema's description and default, and no other property", function () {
    const documented = documentedProperties("MySqlClusterArgs");
    const expected = SETTING_ENTRIES.filter(([, spec]) => spec.arg !== false);
    assert.deepStrictEqual(
      [...documented.keys()],
      expected.map(([key]) => key),
    );
    for (const [key, spec] of expected)
      assert.strictEqual(documented.get(key), jsDocLines(spec).join(" ").replace(/\s+/g, " "), key);
  });

  it("declares in Pulumi.yaml, through STACK_SETTINGS, every setting with the schema's description and default", function () {
    assert.deepStrictEqual(
      STACK_SETTINGS.map((s) => [s.key, s.description, s.default]),
      SETTING_ENTRIES.map(([key, spec]) => [key, spec.description, spec.default]),
    );
  });
});

describe("the defaults the schema documents", function () {
  for (const flavor of FLAVORS) {
    it(`are the ones resolveArgs applies (${flavor})`, function () {
      const resolved = resolveArgs("db", { flavor }) as unknown as Record<string, unknown>;
      for (const [key, spec] of SETTING_ENTRIES) {
        if (spec.arg === false) continue;
        const expected = key === "flavor" ? flavor : (spec.default ?? spec.flavorDefault?.(FLAVOR_SPECS[flavor]));
        assert.strictEqual(resolved[key], expected, key);
      }
    });
  }

  it("are accepted by their own checks", function () {
    for (const [key, spec] of SETTING_ENTRIES) {
      if (spec.default === undefined || typeof spec.check === "function") continue;
      assert.strictEqual(spec.check.refuses(spec.default), undefined, key);
    }
  });
});
