#!/usr/bin/env node
// The `gantry` command. In a checkout it runs the TypeScript source through tsx; a packaged
// release carries the bundle (npm run build:cli → dist/gantry-cli.mjs) and runs that instead.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = fileURLToPath(new URL("../dist/gantry-cli.mjs", import.meta.url));
let mod;
if (existsSync(bundle)) {
  mod = await import(bundle);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import("../cli/main.ts");
}
process.exitCode = await mod.main(process.argv.slice(2));
