/**
 * A unique-key violation, however deep Drizzle wrapped it: Drizzle throws a DrizzleQueryError
 * ("Failed query: …") whose `cause` is mysql2's error with `code: "ER_DUP_ENTRY"`.
 */
export function isDuplicateKey(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    if ((cur as { code?: string }).code === "ER_DUP_ENTRY") return true;
  }
  return false;
}
