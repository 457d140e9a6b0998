/**
 * A real OpenID Connect provider for the tests (the `oidc-provider` package, its built-in login
 * and consent pages): any login name signs in; the names below have profiles with a verified
 * email. Started by `npm test` (scripts/gantry.ts) on a free port with one client registered for
 * the stack's callback URL; also runnable alone:
 *   tsx tests/oidc/provider.ts <port> <redirect_uri>
 */
import Provider from "oidc-provider";

export const TEST_OIDC_CLIENT = { id: "gantry-test", secret: "gantry-test-secret-0123456789abcdef" };

/** Known accounts: login name → claims. Other login names get only a subject. */
export const TEST_OIDC_USERS: Record<string, { email: string; email_verified: boolean; name: string; preferred_username: string }> = {
  "oidc-alice": { email: "oidc-alice@example.test", email_verified: true, name: "Alice Oidc", preferred_username: "oidc-alice" },
  "oidc-bob": { email: "oidc-bob@example.test", email_verified: false, name: "Bob Oidc", preferred_username: "oidc-bob" },
};

export interface TestOidc {
  issuer: string;
  close(): Promise<void>;
}

export async function startTestOidc(port: number, redirectUris: string[]): Promise<TestOidc> {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_OIDC_CLIENT.id,
        client_secret: TEST_OIDC_CLIENT.secret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: async () => ({ sub, ...(TEST_OIDC_USERS[sub] ?? {}) }) };
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["gantry-test-oidc-cookie-key"] },
  });
  const server = provider.listen(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [port, ...uris] = process.argv.slice(2);
  startTestOidc(Number(port), uris).then((o) => console.log(`test OIDC provider at ${o.issuer}`));
}
