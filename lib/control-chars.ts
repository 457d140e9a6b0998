/**
 * C0 control characters and DEL. They have no place in a URL, a git ref or a user name, and in an
 * argument, a header or a log line they can forge a line of their own. A loop, not a regular
 * expression, so the characters it looks for are not spelled inside a pattern.
 */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x1f || c === 0x7f) return true;
  }
  return false;
}
