/** Only same-site paths: a crafted ?callbackUrl=https://evil.example must not redirect off-site. */
export function safeCallbackUrl(raw: string | string[] | undefined): string {
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (!v || !v.startsWith("/") || v.startsWith("//") || v.startsWith("/\\") || v.startsWith("/login")) return "/pipelines";
  return v;
}
