import { describe, expect, it } from "vitest";
import { createMasker, MASK, maskVariants } from "./mask";

describe("secret masking", () => {
  const secret = "s3cr3t-Value/with+chars=";
  const mask = createMasker([secret]);

  it("masks the plain value wherever it appears in a line", () => {
    expect(mask(`token=${secret} and again ${secret}.`)).toBe(`token=${MASK} and again ${MASK}.`);
  });

  it("masks the base64 form, with and without padding", () => {
    const b64 = Buffer.from(secret).toString("base64");
    expect(mask(`echo ${b64}`)).toBe(`echo ${MASK}`);
    const short = createMasker(["abcd"]); // base64 "YWJjZA==" has padding
    expect(short("YWJjZA== YWJjZA")).toBe(`${MASK} ${MASK}`);
  });

  it("masks the URL-encoded form (a secret in a printed URL)", () => {
    expect(mask(`https://x.test/?t=${encodeURIComponent(secret)}`)).toBe(`https://x.test/?t=${MASK}`);
  });

  it("treats regex metacharacters in a secret literally", () => {
    const m = createMasker(["a.b*c(d)"]);
    expect(m("a.b*c(d) axbbbcd")).toBe(`${MASK} axbbbcd`);
  });

  it("masks the longest matching secret first, leaving no fragment of it", () => {
    const m = createMasker(["abc123", "abc123456789"]);
    expect(m("x abc123456789 y")).toBe(`x ${MASK} y`);
  });

  it("ignores secrets too short to mask without shredding every line, and empty ones", () => {
    expect(maskVariants("ab")).toEqual([]);
    const m = createMasker(["", "a"]);
    expect(m("a banana")).toBe("a banana");
    expect(m.maxLength).toBe(0);
  });

  it("masks each line of a multi-line secret, since logs are masked line by line", () => {
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END KEY-----";
    const m = createMasker([pem]);
    expect(m("MIIBOgIBAAJBAKj34GkxFhD9")).toBe(MASK);
    expect(m("-----BEGIN KEY-----")).toBe(MASK);
  });

  it("reports the longest masked text, which the log writer needs to split long lines safely", () => {
    const b64 = Buffer.from(secret).toString("base64");
    expect(mask.maxLength).toBe(Math.max(b64.length, encodeURIComponent(secret).length, secret.length));
  });

  it("leaves lines without secrets untouched", () => {
    expect(mask("nothing to see 👋 \u001b[32mgreen\u001b[0m")).toBe("nothing to see 👋 \u001b[32mgreen\u001b[0m");
  });
});

describe("secrets inside longer base64 texts", () => {
  it("masks a secret encoded together with text around it, at every byte offset", () => {
    const secret = "hunter2-token";
    const mask = createMasker([secret]);
    for (const before of ["", "u", "us", "user:", "admin:"]) {
      const blob = Buffer.from(`${before}${secret}:tail`).toString("base64");
      const out = mask(`auth ${blob}`);
      expect(out, before).toContain(MASK);
      // What is left cannot be decoded back to the secret.
      const rest = out
        .slice(5)
        .split(MASK)
        .map((p) => Buffer.from(p, "base64").toString("latin1"))
        .join("");
      expect(rest).not.toContain(secret);
      expect(rest).not.toContain("hunter2");
    }
  });

  it("leaves short secrets to the exact forms only", () => {
    expect(maskVariants("abcde")).toHaveLength(new Set(maskVariants("abcde")).size);
    expect(maskVariants("abcde").every((v) => v.length >= 3)).toBe(true);
  });
});

describe("secrets hidden by line breaks and terminal escapes", () => {
  it("masks a secret with an SGR sequence inside it (\\e[1m…\\e[0m), and several of them", () => {
    const m = createMasker(["abcdef-S3CRET"]);
    expect(m("token: abc\u001b[1mdef-S3CRET\u001b[0m done")).toBe(`token: ${MASK}\u001b[0m done`);
    expect(m("a\u001b[31mb\u001b[0mc\u001b[38;5;196mdef-S3\u001b[2KCRET")).toBe(MASK);
    // Its base64 form too.
    const b64 = Buffer.from("abcdef-S3CRET").toString("base64");
    expect(m(`${b64.slice(0, 5)}\u001b[1m${b64.slice(5)}`)).toBe(MASK);
  });

  it("masks each line of a multi-line value printed on two lines, short lines included", () => {
    const m = createMasker(["user-x7\npa55"]);
    expect(m("user-x7")).toBe(MASK);
    expect(m("pa55")).toBe(MASK);
    expect(m("  pa55  ")).toBe(MASK);
    expect(m("login: user-x7")).toBe(`login: ${MASK}`);
    expect(m("pa55 was the rest")).toBe(`${MASK} was the rest`);
    expect(m("\u001b[1mpa\u001b[0m55")).toBe(MASK);
    // A line that only mentions a short line somewhere else stays readable.
    expect(m("the pa55word field")).toBe("the pa55word field");
  });

  it("masks CRLF-separated multi-line values line by line", () => {
    const m = createMasker(["first-line-of-it\r\nsecond-line-of-it"]);
    expect(m("first-line-of-it")).toBe(MASK);
    expect(m("second-line-of-it\r")).toBe(`${MASK}\r`);
  });

  it("masks a long secret's base64 wrapped at 76 columns, as `base64` prints it", () => {
    const secret = "k".repeat(40) + "-0123456789-abcdefghijklmnopqrstuvwxyz-" + "z".repeat(40);
    const m = createMasker([secret]);
    const wrapped = Buffer.from(secret)
      .toString("base64")
      .match(/.{1,76}/g)!;
    expect(wrapped.length).toBeGreaterThan(1);
    for (const l of wrapped.slice(0, -1)) expect(m(l)).toBe(MASK);
  });
});
