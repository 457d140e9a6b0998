import { describe, expect, it } from "vitest";
import { lockedError, signInErrorMessage } from "./login-errors";

describe("sign-in error messages", () => {
  it("tells a waiting user how long: seconds for short waits, minutes rounded up for long ones", () => {
    const now = Date.now();
    expect(lockedError(new Date(now + 14 * 60_000 + 1), now)).toBe("locked:841");
    expect(signInErrorMessage("locked:900")).toBe("Too many failed sign-ins; try again in 15 minutes.");
    expect(signInErrorMessage(lockedError(new Date(now + 14 * 60_000 + 1), now))).toBe(
      "Too many failed sign-ins; try again in 15 minutes.",
    );
    expect(signInErrorMessage(lockedError(new Date(now + 1500), now))).toBe("Too many failed sign-ins; try again in 2 seconds.");
    expect(signInErrorMessage("locked:1")).toBe("Too many failed sign-ins; try again in 1 second.");
    expect(signInErrorMessage("locked:nonsense")).toBe("Too many failed sign-ins; try again in 15 minutes.");
  });
  it("maps next-auth's codes and passes SSO refusals through", () => {
    expect(signInErrorMessage("CredentialsSignin")).toBe("Wrong username or password.");
    expect(signInErrorMessage("sso:No Gantry user matches this account.")).toBe("No Gantry user matches this account.");
  });
});
