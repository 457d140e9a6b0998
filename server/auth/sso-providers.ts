import type { OAuthConfig } from "next-auth/providers/oauth";
import { authConfig } from "./auth-config";

/**
 * The single sign-on providers whose environment variables are set: GitLab (gitlab.com or a
 * self-managed instance), GitHub, and one generic OpenID Connect provider. Each returns the
 * provider profile with `email_verified` normalised, which the linking rules rely on.
 */

export interface SsoProfile {
  id: string;
  name: string | null;
  email: string | null;
  /** The provider vouches for the address (OIDC `email_verified`, GitLab `confirmed_at`, GitHub's verified primary email). */
  emailVerified: boolean;
  username: string | null;
}

export interface SsoProviderInfo {
  id: string;
  name: string;
}

type P = OAuthConfig<Record<string, unknown>>;

function oidc(): P | null {
  const c = authConfig();
  if (!c.GANTRY_OIDC_ISSUER || !c.GANTRY_OIDC_CLIENT_ID || !c.GANTRY_OIDC_CLIENT_SECRET) return null;
  const issuer = c.GANTRY_OIDC_ISSUER.replace(/\/$/, "");
  return {
    id: "oidc",
    name: c.GANTRY_OIDC_NAME,
    type: "oauth",
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"],
    clientId: c.GANTRY_OIDC_CLIENT_ID,
    clientSecret: c.GANTRY_OIDC_CLIENT_SECRET,
    // An ID token often carries only `sub`; the rest comes from the userinfo endpoint.
    profile: async (idClaims, tokens) => {
      const p = { ...idClaims, ...(await userinfo(issuer, tokens.access_token, idClaims.sub)) };
      return {
        id: String(p.sub),
        name: (p.name as string) ?? (p.preferred_username as string) ?? null,
        email: (p.email as string) ?? null,
        emailVerified: p.email_verified === true || p.email_verified === "true",
        username: (p.preferred_username as string) ?? (p.nickname as string) ?? null,
      } satisfies SsoProfile;
    },
  };
}

const discovered = new Map<string, string | null>();

/** The provider's userinfo claims for this access token (empty when unavailable or for another subject). */
async function userinfo(issuer: string, accessToken: string | undefined, sub: unknown): Promise<Record<string, unknown>> {
  if (!accessToken) return {};
  try {
    if (!discovered.has(issuer)) {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
      discovered.set(issuer, res.ok ? (((await res.json()) as { userinfo_endpoint?: string }).userinfo_endpoint ?? null) : null);
    }
    const url = discovered.get(issuer);
    if (!url) return {};
    const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return {};
    const claims = (await res.json()) as Record<string, unknown>;
    return claims.sub === sub ? claims : {};
  } catch {
    return {};
  }
}

function gitlab(): P | null {
  const c = authConfig();
  if (!c.GANTRY_GITLAB_CLIENT_ID || !c.GANTRY_GITLAB_CLIENT_SECRET) return null;
  const base = c.GANTRY_GITLAB_URL.replace(/\/$/, "");
  return {
    id: "gitlab",
    name: "GitLab",
    type: "oauth",
    authorization: { url: `${base}/oauth/authorize`, params: { scope: "read_user" } },
    token: `${base}/oauth/token`,
    userinfo: `${base}/api/v4/user`,
    checks: ["pkce", "state"],
    clientId: c.GANTRY_GITLAB_CLIENT_ID,
    clientSecret: c.GANTRY_GITLAB_CLIENT_SECRET,
    profile: (p) =>
      ({
        id: String(p.id),
        name: (p.name as string) ?? null,
        email: (p.email as string) ?? null,
        // GitLab's primary address can only be set to a confirmed one.
        emailVerified: !!p.confirmed_at,
        username: (p.username as string) ?? null,
      }) satisfies SsoProfile,
  };
}

function github(): P | null {
  const c = authConfig();
  if (!c.GANTRY_GITHUB_CLIENT_ID || !c.GANTRY_GITHUB_CLIENT_SECRET) return null;
  return {
    id: "github",
    name: "GitHub",
    type: "oauth",
    authorization: { url: "https://github.com/login/oauth/authorize", params: { scope: "read:user user:email" } },
    token: "https://github.com/login/oauth/access_token",
    userinfo: {
      url: "https://api.github.com/user",
      // The profile's email may be unverified or hidden; /user/emails says which one is the verified primary.
      async request({ client, tokens }) {
        const token = tokens.access_token;
        if (!token) throw new Error("GitHub answered the code exchange without an access token");
        const profile = (await client.userinfo(token)) as Record<string, unknown>;
        const res = await fetch("https://api.github.com/user/emails", {
          headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json" },
        });
        if (res.ok) {
          const emails = (await res.json()) as { email: string; primary: boolean; verified: boolean }[];
          const primary = emails.find((e) => e.primary);
          if (primary) Object.assign(profile, { email: primary.email, email_verified: primary.verified });
        }
        return profile;
      },
    },
    clientId: c.GANTRY_GITHUB_CLIENT_ID,
    clientSecret: c.GANTRY_GITHUB_CLIENT_SECRET,
    profile: (p) =>
      ({
        id: String(p.id),
        name: (p.name as string) ?? (p.login as string) ?? null,
        email: (p.email as string) ?? null,
        emailVerified: p.email_verified === true,
        username: (p.login as string) ?? null,
      }) satisfies SsoProfile,
  };
}

export function ssoProviders(): P[] {
  return [oidc(), gitlab(), github()].filter((p): p is P => p !== null);
}

/** For the sign-in page: one button per configured provider. */
export function ssoProviderList(): SsoProviderInfo[] {
  return ssoProviders().map((p) => ({ id: p.id, name: p.name }));
}
