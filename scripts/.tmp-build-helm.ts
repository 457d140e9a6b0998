import { ensureHelm } from "./lib/tools/helm";
ensureHelm(console.log).then((b) => console.log("HELM", b), (e) => { console.error(e); process.exit(1); });
