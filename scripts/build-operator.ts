import { buildOperator } from "./lib/build";

await buildOperator(process.cwd());
