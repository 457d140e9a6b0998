import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";

/**
 * Sends signed-out browsers to /login, remembering where they were going. Pages check the
 * session again themselves; this only adds the `callbackUrl`. The API answers 401 on its own.
 */
export async function proxy(req: NextRequest) {
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (token) return NextResponse.next();
  const url = new URL("/login", req.url);
  const target = req.nextUrl.pathname + req.nextUrl.search;
  if (target !== "/") url.searchParams.set("callbackUrl", target);
  return NextResponse.redirect(url);
}

export const config = {
  matcher: ["/((?!api/|_next/|login|icon\\.svg|favicon\\.ico|robots\\.txt).*)"],
};
