/**
 * Where to go after signing in: only a page of this app. The value is resolved the way a browser
 * will resolve it (WHATWG URL parsing drops tabs and newlines, reads `\` as `/`, decodes the
 * scheme), against the app's own origin, and kept only when that origin is unchanged; what is
 * returned is the normalised path, so the browser cannot read it differently later.
 */
const BASE = "https://gantry.invalid";

export function safeCallbackUrl(raw: string | string[] | undefined, appOrigin?: string): string {
  const fallback = "/pipelines";
  const target = sameOriginPath(Array.isArray(raw) ? raw[0] : raw, appOrigin);
  // The login page itself (with its own callbackUrl) would only loop.
  if (!target || /^\/login(?:[/?#]|$)/.test(target)) return fallback;
  return target;
}

/** The path, query and fragment `raw` points to when it stays on the app's origin, else null. */
export function sameOriginPath(raw: string | undefined, appOrigin?: string): string | null {
  if (!raw) return null;
  let base = BASE;
  if (appOrigin) {
    try {
      base = new URL(appOrigin).origin;
    } catch {
      // Not a URL: judge against the placeholder origin, which accepts only relative paths.
    }
  }
  // A value with a scheme of its own is absolute wherever it is resolved ("https:/x" is relative
  // only to an https page): it must name the app's origin itself.
  let url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url) {
    try {
      url = new URL(raw, base);
    } catch {
      return null;
    }
  }
  return url.origin === base ? url.pathname + url.search + url.hash : null;
}
