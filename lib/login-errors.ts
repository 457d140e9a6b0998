/**
 * Why a password sign-in was refused, as next-auth passes it to the login page (`error`): the
 * server throws `locked:<seconds>` when the throttle makes this sign-in wait (server/auth/login-throttle.ts).
 */
export const LOCKED_PREFIX = "locked:";

export const lockedError = (until: Date, now = Date.now()) => `${LOCKED_PREFIX}${Math.max(1, Math.ceil((until.getTime() - now) / 1000))}`;

/** "45 seconds", "2 minutes": seconds under two minutes, whole minutes (rounded up) above. */
function waitText(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const mins = Math.ceil(seconds / 60);
  return `${mins} minutes`;
}

/** The sentence the login page shows for a sign-in error code. */
export function signInErrorMessage(error: string | null | undefined): string {
  if (!error) return "";
  if (error.startsWith(LOCKED_PREFIX)) {
    const n = Number(error.slice(LOCKED_PREFIX.length));
    const seconds = Number.isInteger(n) && n > 0 ? n : 15 * 60;
    return `Too many failed sign-ins; try again in ${waitText(seconds)}.`;
  }
  if (error.startsWith("sso:")) return error.slice(4);
  switch (error) {
    case "CredentialsSignin":
      return "Wrong username or password.";
    case "OAuthSignin":
    case "OAuthCallback":
    case "Callback":
      return "Single sign-on failed: the provider could not be reached or refused the sign-in. Try again.";
    case "OAuthAccountNotLinked":
    case "AccessDenied":
      return "This account may not sign in to Gantry.";
    case "SessionRequired":
      return "Your session has expired; sign in again.";
    default:
      return `Sign-in failed: ${error}`;
  }
}
