/** Starts the private test MariaDB and keeps it up: for running single test files by hand. */
import path from "node:path";
import { startMariaDb } from "./lib/mariadb";
import { ROOT } from "./lib/stack";

const m = await startMariaDb(path.join(ROOT, ".gantry/dev-test-db"), Number(process.env.GANTRY_DB_PORT ?? 3399));
console.log(`MariaDB admin URL: ${m.adminUrl}`);
process.on("SIGINT", () => void m.stop().then(() => process.exit(0)));
process.on("SIGTERM", () => void m.stop().then(() => process.exit(0)));
setInterval(() => undefined, 1 << 30);
