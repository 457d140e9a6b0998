import { hasControlChars } from "./control-chars";

/**
 * URLs that came from outside (webhook payloads) and may be shown as links: only http(s), so a
 * `javascript:` or `data:` URL never runs in a viewer's browser. Shared by the webhook receiver,
 * which stores nothing else, and the UI, which links nothing else (rows stored before).
 */
export function safeHttpUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 2000) return null;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return null;
  }
  return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
}

/** A repository URL a clone may use: a URL of a git transport, or scp-like `git@host:path`. */
export function safeCloneUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 2000 || hasControlChars(value)) return null;
  if (/^[\w.-]+@[\w.-]+:[^/\\]/.test(value) && !value.includes("://")) return value;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return null;
  }
  return ["http:", "https:", "ssh:", "git:", "file:"].includes(u.protocol) ? value : null;
}
