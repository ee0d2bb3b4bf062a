/**
 * BEGIN IMMEDIATE … COMMIT around one unit of work on a connection. These never join a
 * transaction that is already open: nesting is the writer's business (writer.ts), which knows
 * whether the open transaction is the caller's own.
 */
import type { DatabaseSync } from "node:sqlite";
import { isReadOnly } from "./read_only.ts";

/** Whether a transaction is open on the connection (`isTransaction` is missing from the types). */
export function inTransaction(db: DatabaseSync): boolean {
  return (db as { isTransaction?: boolean }).isTransaction === true;
}

/** Runs `fn` in a new transaction; throws if one is already open (a programming error). */
export function runTransaction<T>(db: DatabaseSync, fn: () => T): T {
  begin(db);
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    rollback(db);
    throw err;
  }
}

/** The same for async work (libsignal's store callbacks are async); the caller serialises. */
export async function runAsyncTransaction<T>(db: DatabaseSync, fn: () => Promise<T>): Promise<T> {
  begin(db);
  try {
    const result = await fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    rollback(db);
    throw err;
  }
}

function begin(db: DatabaseSync): void {
  if (inTransaction(db)) throw new Error("a transaction is already open on this connection");
  // A read-only connection cannot take the write lock; deferred, its reads still work.
  db.exec(isReadOnly(db) ? "BEGIN" : "BEGIN IMMEDIATE");
}

/**
 * SQLite has already rolled back on some errors (SQLITE_FULL, SQLITE_IOERR): a second ROLLBACK
 * would throw "no transaction is active" and hide the real error.
 */
function rollback(db: DatabaseSync): void {
  if (inTransaction(db)) db.exec("ROLLBACK");
}
