/** Rows an UPDATE or DELETE changed, from mysql2's result header (Drizzle returns it as-is, or in a tuple). */
export function affectedRows(r: unknown): number {
  const h = Array.isArray(r) ? r[0] : r;
  return Number((h as { affectedRows?: number } | undefined)?.affectedRows ?? 0);
}
