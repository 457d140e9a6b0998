import { NextResponse, type NextRequest } from "next/server";
import { encode, getToken } from "next-auth/jwt";

/**
 * Sends signed-out browsers to /login, remembering where they were going. Pages check the
 * session again themselves; this only adds the `callbackUrl`. The API answers 401 on its own.
 */
export async function proxy(req: NextRequest) {
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (token) return renew(token);
  const url = new URL("/login", req.url);
  const target = req.nextUrl.pathname + req.nextUrl.search;
  if (target !== "/") url.searchParams.set("callbackUrl", target);
  return NextResponse.redirect(url);
}

const MAX_AGE = Number(process.env.GANTRY_SESSION_MAX_AGE) > 0 ? Number(process.env.GANTRY_SESSION_MAX_AGE) : 12 * 3600;

/**
 * Sessions end after GANTRY_SESSION_MAX_AGE without use: each page load re-issues the session
 * cookie with a fresh expiry (at most once a minute), so an active user stays signed in.
 */
async function renew(token: Awaited<ReturnType<typeof getToken>> & object) {
  const res = NextResponse.next();
  const exp = typeof token.exp === "number" ? token.exp : 0;
  if (exp - Date.now() / 1000 > MAX_AGE - 60 || !process.env.NEXTAUTH_SECRET) return res;
  const secure = (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
  const { exp: _e, iat: _i, jti: _j, ...claims } = token as Record<string, unknown>;
  const value = await encode({ token: claims, secret: process.env.NEXTAUTH_SECRET, maxAge: MAX_AGE });
  res.cookies.set(`${secure ? "__Secure-" : ""}next-auth.session-token`, value, { httpOnly: true, sameSite: "lax", path: "/", secure, maxAge: MAX_AGE });
  return res;
}

export const config = {
  matcher: ["/((?!api/|_next/|login|icon\\.svg|favicon\\.ico|robots\\.txt).*)"],
};
