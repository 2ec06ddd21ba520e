// Flat ESLint config: typescript-eslint's recommended rules for every .ts file
// (component, stack program, tools, tests, examples).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["node_modules/", "bin/", "bench/out/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
    },
    rules: {
      // Unused arguments are fine when prefixed with "_" (provider callbacks, mock signatures).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    // Node-run config files and scripts.
    files: ["**/*.mjs", "**/*.cjs", "**/*.js"],
    languageOptions: {
      globals: { process: "readonly", console: "readonly", __dirname: "readonly", require: "readonly", module: "writable" },
    },
  },
);
