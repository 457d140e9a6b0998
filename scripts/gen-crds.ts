/**
 * Writes the CRDs in deploy/crds/ and the Helm chart's crds/ from the operator's zod schemas (`npm run gen:crds`);
 * `--check` only says whether the committed files are current (exit 1 when not).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CHART_CRD_FILE, CRD_FILE, renderCrdYaml } from "@/operator/executors/kubernetes/crd";

const want = renderCrdYaml();
for (const name of [CRD_FILE, CHART_CRD_FILE]) {
  const file = path.join(import.meta.dirname, "..", name);
  let have = "";
  try {
    have = readFileSync(file, "utf8");
  } catch {
    // Missing: written below, or reported by --check.
  }
  if (process.argv.includes("--check")) {
    if (have !== want) {
      console.error(`${name} is out of date: run \`npm run gen:crds\``);
      process.exitCode = 1;
    } else console.log(`${name} is current`);
  } else if (have === want) {
    console.log(`${name} unchanged`);
  } else {
    writeFileSync(file, want);
    console.log(`wrote ${name}`);
  }
}
