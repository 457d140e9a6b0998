import { NextResponse, type NextRequest } from "next/server";
import { encode, getToken } from "next-auth/jwt";
import { contentSecurityPolicy } from "@/lib/csp";

/**
 * Every page gets a Content-Security-Policy with a fresh nonce (lib/csp.ts). Signed-out browsers
 * are sent to /login, remembering where they were going; pages check the session again
 * themselves, this only adds the `callbackUrl`. The API answers 401 on its own.
 */
export async function proxy(req: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64");
  const csp = contentSecurityPolicy(nonce, {
    dev: process.env.NODE_ENV === "development",
    https: (process.env.NEXTAUTH_URL ?? "").startsWith("https://"),
  });
  const withCsp = (res: NextResponse) => {
    res.headers.set("content-security-policy", csp);
    return res;
  };
  // Next.js reads the nonce from the request's CSP header and puts it on the scripts it renders.
  const headers = new Headers(req.headers);
  headers.set("content-security-policy", csp);
  headers.set("x-nonce", nonce);
  const next = () => withCsp(NextResponse.next({ request: { headers } }));

  if (req.nextUrl.pathname === "/login" || req.nextUrl.pathname.startsWith("/login/")) return next();
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (token) return renew(token, next());
  const url = new URL("/login", req.url);
  const target = req.nextUrl.pathname + req.nextUrl.search;
  if (target !== "/") url.searchParams.set("callbackUrl", target);
  return withCsp(NextResponse.redirect(url));
}

const MAX_AGE = Number(process.env.GANTRY_SESSION_MAX_AGE) > 0 ? Number(process.env.GANTRY_SESSION_MAX_AGE) : 12 * 3600;

/**
 * Sessions end after GANTRY_SESSION_MAX_AGE without use: each page load re-issues the session
 * cookie with a fresh expiry (at most once a minute), so an active user stays signed in.
 */
async function renew(token: Awaited<ReturnType<typeof getToken>> & object, res: NextResponse) {
  const exp = typeof token.exp === "number" ? token.exp : 0;
  if (exp - Date.now() / 1000 > MAX_AGE - 60 || !process.env.NEXTAUTH_SECRET) return res;
  const secure = (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
  const { exp: _e, iat: _i, jti: _j, ...claims } = token as Record<string, unknown>;
  const value = await encode({ token: claims, secret: process.env.NEXTAUTH_SECRET, maxAge: MAX_AGE });
  res.cookies.set(`${secure ? "__Secure-" : ""}next-auth.session-token`, value, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure,
    maxAge: MAX_AGE,
  });
  return res;
}

export const config = {
  // Pages only: the API, Next's static files and the icons need no CSP nonce or sign-in redirect
  // (their security headers come from next.config.ts).
  matcher: ["/((?!api/|_next/static|_next/image|icon\\.svg|favicon\\.ico|robots\\.txt).*)"],
};
