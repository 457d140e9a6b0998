import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "../db/client";
import { verifyPassword, type SessionUser } from "./users";

const Credentials = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });

export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: 12 * 3600 },
  pages: { signIn: "/login" },
  // `npm start` writes a random secret to `.gantry/` and passes it on, so sessions survive restarts.
  secret: process.env.NEXTAUTH_SECRET,
  providers: [
    CredentialsProvider({
      name: "Gantry",
      credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(raw) {
        const c = Credentials.safeParse(raw);
        if (!c.success) return null;
        const u = await verifyPassword(getDb(), c.data.username, c.data.password);
        return u ? { id: u.id, name: u.name, email: null, username: u.username, role: u.role } : null;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
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
