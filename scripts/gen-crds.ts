/**
 * Writes the CRDs in deploy/crds/ from the operator's zod schemas (`npm run gen:crds`);
 * `--check` only says whether the committed files are current (exit 1 when not).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CRD_FILE, renderCrdYaml } from "@/operator/executors/kubernetes/crd";

const file = path.join(import.meta.dirname, "..", CRD_FILE);
const want = renderCrdYaml();
let have = "";
try {
  have = readFileSync(file, "utf8");
} catch {
  // Missing: written below, or reported by --check.
}
if (process.argv.includes("--check")) {
  if (have !== want) {
    console.error(`${CRD_FILE} is out of date: run \`npm run gen:crds\``);
    process.exit(1);
  }
  console.log(`${CRD_FILE} is current`);
} else if (have === want) {
  console.log(`${CRD_FILE} unchanged`);
} else {
  writeFileSync(file, want);
  console.log(`wrote ${CRD_FILE}`);
}
