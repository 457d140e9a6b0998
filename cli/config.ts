import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/**
 * Where `gantry login` keeps the server and token: $GANTRY_CONFIG, else
 * $XDG_CONFIG_HOME/gantry/config.json (~/.config/gantry/config.json), readable by the user only.
 * GANTRY_URL and GANTRY_TOKEN override it (for CI jobs).
 */
export interface CliConfig {
  url: string;
  token: string;
}

export function configPath(): string {
  if (process.env.GANTRY_CONFIG) return process.env.GANTRY_CONFIG;
  const base = process.env.XDG_CONFIG_HOME || path.join(homedir(), ".config");
  return path.join(base, "gantry", "config.json");
}

export function readConfig(): CliConfig | null {
  const env = { url: process.env.GANTRY_URL, token: process.env.GANTRY_TOKEN };
  let file: Partial<CliConfig> = {};
  const p = configPath();
  if (existsSync(p)) {
    try {
      file = JSON.parse(readFileSync(p, "utf8"));
    } catch {
      throw new Error(`${p} is not valid JSON; run 'gantry login' again`);
    }
  }
  const url = env.url || file.url;
  const token = env.token || file.token;
  return url && token ? { url: url.replace(/\/+$/, ""), token } : null;
}

export function writeConfig(c: CliConfig) {
  const p = configPath();
  mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
  writeFileSync(p, JSON.stringify(c, null, 2) + "\n", { mode: 0o600 });
  chmodSync(p, 0o600);
  return p;
}
