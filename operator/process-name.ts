// Imported first by main.ts: the shared logger reads GANTRY_PROCESS when it is created, and ES
// modules run their imports in order, so this names the process before anything logs.
process.env.GANTRY_PROCESS ??= "operator";
