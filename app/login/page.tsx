import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentUser } from "@/server/auth/authenticate";
import { LoginForm } from "./login-form";
import { safeCallbackUrl } from "@/components/shell/callback-url";
import { ssoProviderList } from "@/server/auth/sso-providers";
import { signInErrorMessage } from "@/lib/login-errors";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }>;
}) {
  const { callbackUrl, error } = await searchParams;
  // next-auth sends failed single sign-ons (and refusals by the linking rules) back here with ?error=.
  const initialError = signInErrorMessage(Array.isArray(error) ? error[0] : error) || null;
  const target = safeCallbackUrl(callbackUrl, process.env.NEXTAUTH_URL);
  if (await currentUser()) redirect(target);
  return (
    <main className="flex min-h-full items-center justify-center bg-background p-6">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2">
          <Logo />
          <span className="text-xl font-semibold tracking-tight">Gantry</span>
        </div>
        <div className="rounded-lg border bg-surface p-6 shadow-sm">
          <h1 className="mb-1 text-base font-semibold">Sign in</h1>
          <p className="mb-5 text-sm text-muted">
            Use your Gantry account. <code className="font-mono text-xs">npm start</code> prints the admin login.
          </p>
          <LoginForm callbackUrl={target} providers={ssoProviderList()} initialError={initialError} />
        </div>
      </div>
    </main>
  );
}

function Logo() {
  return (
    <svg
      viewBox="0 0 24 24"
      className="size-7 text-accent"
      aria-hidden
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
    >
      <path d="M4 20V6l8-3 8 3v14" />
      <path d="M4 10h16M9 10v10M15 10v10" />
    </svg>
  );
}
