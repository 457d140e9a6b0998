import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { sameOriginPath } from "@/components/shell/callback-url";
import { lockedError } from "@/lib/login-errors";
import { getDb } from "../db/client";
import { clientAddress } from "../http/client-address";
import { logger } from "../logger";
import { authConfig, throttleLimits } from "./auth-config";
import { lockedUntil, recordFailure, recordSuccess } from "./login-throttle";
import { resolveSsoUser, userForAccount } from "./sso";
import { ssoProviders, type SsoProfile } from "./sso-providers";
import { recordSignIn, verifyPassword, type SessionUser } from "./users";

const Credentials = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });

/** A sign-in refusal shown on the login page as it is written (lib/login-errors.ts). */
const refuse = (message: string) => `/login?error=${encodeURIComponent(`sso:${message}`)}`;

const cfg = authConfig();

export const authOptions: NextAuthOptions = {
  // JWT sessions, renewed while the user is active: the cookie is re-issued on each session read,
  // so GANTRY_SESSION_MAX_AGE is an idle timeout. Each request re-reads the user (authenticate.ts).
  session: { strategy: "jwt", maxAge: cfg.GANTRY_SESSION_MAX_AGE },
  pages: { signIn: "/login", error: "/login" },
  // `npm start` writes a random secret to `.gantry/` and passes it on, so sessions survive restarts.
  secret: process.env.NEXTAUTH_SECRET,
  providers: [
    CredentialsProvider({
      name: "Gantry",
      credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(raw, req) {
        const c = Credentials.safeParse(raw);
        if (!c.success) return null;
        const db = getDb();
        const address = clientAddress(req?.headers);
        // Locked: refused without looking at the password, so a lock cannot be used to test guesses.
        const locked = await lockedUntil(db, c.data.username, address);
        if (locked) throw new Error(lockedError(locked));
        const u = await verifyPassword(db, c.data.username, c.data.password);
        if (!u) {
          const lock = await recordFailure(db, c.data.username, address, throttleLimits());
          if (lock) {
            logger.warn({ username: c.data.username, address, until: lock }, "sign-in locked after repeated failures");
            throw new Error(lockedError(lock));
          }
          return null;
        }
        await recordSuccess(db, c.data.username, address);
        await recordSignIn(db, u.id);
        return { id: u.id, name: u.name, email: null, username: u.username, role: u.role };
      },
    }),
    ...ssoProviders(),
  ],
  callbacks: {
    // Where next-auth sends the browser after a sign-in (single sign-on above all): a page of this
    // app only, judged as the browser will read it (components/shell/callback-url.ts).
    redirect({ url, baseUrl }) {
      return new URL(sameOriginPath(url, baseUrl) ?? "/", baseUrl).toString();
    },
    async signIn({ user, account }) {
      if (!account || account.type !== "oauth") return true;
      const p = user as unknown as SsoProfile;
      const provider = ssoProviders().find((x) => x.id === account.provider);
      const r = await resolveSsoUser(
        getDb(),
        {
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          email: p.email,
          emailVerified: p.emailVerified,
          username: p.username,
          name: p.name,
        },
        { autoCreate: cfg.GANTRY_SSO_AUTO_CREATE, providerName: provider?.name ?? account.provider },
      );
      if ("refused" in r) {
        logger.info({ provider: account.provider, account: account.providerAccountId, reason: r.refused }, "single sign-on refused");
        return refuse(r.refused);
      }
      logger.info({ provider: account.provider, user: r.user.username, how: r.how }, "single sign-on");
      await recordSignIn(getDb(), r.user.id);
      return true;
    },
    async jwt({ token, user, account }) {
      if (user && account?.type === "oauth") {
        // The provider's profile is not our user: look up the one signIn linked it to.
        const u = await userForAccount(getDb(), account.provider, account.providerAccountId);
        if (!u) throw new Error("AccessDenied");
        Object.assign(token, { sub: u.id, uid: u.id, username: u.username, role: u.role, name: u.name, email: null, picture: null });
      } else if (user) {
        const u = user as unknown as SessionUser;
        token.uid = u.id;
        token.username = u.username;
        token.role = u.role;
      }
      return token;
    },
    session({ session, token }) {
      (session as unknown as { user: SessionUser }).user = {
        id: token.uid as string,
        username: token.username as string,
        name: token.name ?? (token.username as string),
        role: token.role as SessionUser["role"],
      };
      return session;
    },
  },
};
