// The repository's ESLint rules, loaded through ../../eslint.config.mjs. It lives here so that its
// imports resolve in this workspace, where typescript-eslint finds the TypeScript 6 it parses with.
import js from "@eslint/js";
import nextVitals from "eslint-config-next/core-web-vitals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "tools/lint/node_modules/**",
      ".next/**",
      ".next-*/**",
      ".gantry/**",
      "dist/**",
      "test-results/**",
      "playwright-report/**",
      // Small failing projects whose real output the triage rules are tested on (their errors are the point).
      "tests/fixtures/triage/projects/**",
      "next-env.d.ts",
      "server/db/migrations/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...nextVitals,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    settings: { next: { rootDir: "." } },
    rules: {
      // `_name` marks a parameter or binding that is there for its position only.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Tests and benchmarks assert on what they just created: `!` and loose casts of a response
    // body there say "the test fails here if it is missing", which is what a test wants.
    files: ["tests/**", "e2e/**", "bench/**", "**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
);
