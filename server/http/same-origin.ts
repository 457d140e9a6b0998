import { AppError } from "@/lib/errors";

/**
 * Cross-site request forgery guard for requests that a browser authenticates on its own (the
 * session cookie). A page on another origin — another port of the same host is a different origin
 * but the same *site*, so SameSite=Lax cookies still go along — must not be able to make the
 * signed-in user's browser write. Browsers say where a request comes from in `Origin` (every
 * cross-origin POST/PUT/PATCH/DELETE, `no-cors` included) and in `Sec-Fetch-Site`; requests that
 * carry neither come from non-browser clients, which cannot borrow a user's cookie.
 * Bearer tokens are never sent by a browser on its own, so token calls are not checked.
 */

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origins this app is reached under: its public URL(s) and the Host the request was sent to. */
function ownOrigins(req: Request): Set<string> {
  const origins = new Set<string>();
  for (const u of [process.env.NEXTAUTH_URL, process.env.GANTRY_PUBLIC_URL]) {
    if (!u) continue;
    try {
      origins.add(new URL(u).origin);
    } catch {
      // A malformed setting is reported by the config that owns it; it just is not an origin here.
    }
  }
  for (const host of [req.headers.get("host"), req.headers.get("x-forwarded-host")?.split(",")[0].trim()]) {
    if (!host) continue;
    // The scheme comes from the request URL (or the proxy in front); a page cannot choose the
    // Host header of a request its browser sends to us, so Origin == our Host means same origin.
    const proto = req.headers.get("x-forwarded-proto")?.split(",")[0].trim() || new URL(req.url).protocol.replace(/:$/, "");
    origins.add(`${proto}://${host.toLowerCase()}`);
  }
  return origins;
}

/** Why a cookie-authenticated request must be refused, or null when it may go on. Pure. */
export function crossSiteReason(req: Request): string | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  const origin = req.headers.get("origin");
  if (origin !== null) {
    if (origin === "null") return "the request comes from an opaque origin (a sandboxed frame, a file or a redirect)";
    if (!ownOrigins(req).has(origin.toLowerCase())) return `the request comes from ${origin}, not from this app`;
    return null;
  }
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `the request comes from a ${site} page, not from this app`;
  return null;
}

/** Throws 403 for a cross-site write that relies on the browser's cookie. */
export function assertSameOrigin(req: Request): void {
  const reason = crossSiteReason(req);
  if (reason) {
    throw new AppError(
      "forbidden",
      `cross-site request refused: ${reason}. Browsers may write only from Gantry's own pages; scripts and other services authenticate with 'Authorization: Bearer <token>'`,
      { reason: "cross_site" },
    );
  }
}
