/**
 * Transactions that nest into a caller's: when one is already open on the connection the work
 * joins it (so messaging can commit a decrypted message together with the ratchet step).
 */
import type { Database } from "./db.ts";

export function inTransaction(db: Database): boolean {
  return (db as { isTransaction?: boolean }).isTransaction === true;
}

/** BEGIN IMMEDIATE … COMMIT around `fn`, or just `fn` inside an open transaction. */
export function withTransaction<T>(db: Database, fn: () => T): T {
  if (inTransaction(db)) return fn();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

/** The same for async work (libsignal's store callbacks are async). Callers must serialise. */
export async function withAsyncTransaction<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  if (inTransaction(db)) return await fn();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = await fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}
