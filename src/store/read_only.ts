/**
 * Connections opened read-only (their directory or file cannot be written: read-only media). A
 * transaction on one starts deferred, so reads in a "write" work and only a real write fails, with
 * SQLITE_READONLY (a `read_only` StoreError).
 */
import type { DatabaseSync } from "node:sqlite";

const readOnlyConnections = new WeakSet<DatabaseSync>();

export function markReadOnly(db: DatabaseSync): void {
  readOnlyConnections.add(db);
}

/** Whether `db` was opened read-only. */
export function isReadOnly(db: DatabaseSync): boolean {
  return readOnlyConnections.has(db);
}
