/**
 * The Content-Security-Policy of Gantry's pages. Scripts run only with the per-request nonce
 * (Next.js puts it on its own scripts when it finds it in the request's CSP header) and what they
 * load ('strict-dynamic'); nothing may frame the app, post forms elsewhere or change the base URL.
 * Styles allow inline attributes: React renders `style=""` for the designer's canvas and the
 * virtualised log rows, and a style cannot run code.
 */
export function contentSecurityPolicy(nonce: string, opts: { dev?: boolean; https?: boolean } = {}): string {
  const directives = [
    "default-src 'self'",
    // React needs eval only in development, for its debugging stacks.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** API responses are data, never a page: nothing in them may run or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";
