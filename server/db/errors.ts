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

/**
 * InnoDB chose this transaction as a deadlock's victim, or it waited too long for a lock: the
 * transaction was rolled back whole, and running it again is safe.
 */
export function isLockConflict(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: string }).code;
    if (code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT") return true;
  }
  return false;
}

/** Runs `tx` again (up to `attempts` times in all) when the database rolled it back over a lock conflict. */
export async function retryOnLockConflict<T>(tx: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await tx();
    } catch (e) {
      if (i >= attempts || !isLockConflict(e)) throw e;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}
