// `npm run lint` and the first step of `npm test`: types (tsc), ESLint with zero warnings, and
// Prettier's formatting. `npm run lint -- --fix` rewrites what the tools can fix themselves.
import path from "node:path";
import { ROOT } from "./stack";
import { run, step } from "./proc";

const LINT_BIN = path.join(ROOT, "tools/lint/node_modules/.bin");

export async function lint(args: string[]) {
  const fix = args.includes("--fix");
  step("type check (tsc)…");
  await run(path.join(ROOT, "node_modules/.bin/tsc"), ["--noEmit", "-p", "."], { cwd: ROOT });
  step(fix ? "formatting (prettier --write)…" : "formatting (prettier --check)…");
  await run(path.join(LINT_BIN, "prettier"), [fix ? "--write" : "--check", "--log-level", "warn", "."], { cwd: ROOT });
  step(fix ? "lint (eslint --fix)…" : "lint (eslint, zero warnings)…");
  await run(
    path.join(LINT_BIN, "eslint"),
    ["--max-warnings", "0", "--cache", "--cache-location", ".gantry/eslintcache", ...(fix ? ["--fix"] : []), "."],
    {
      cwd: ROOT,
    },
  );
}
