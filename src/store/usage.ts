/**
 * When the identity was last used, for the dead-man switch (`panic --if-unused-for`). Kept in the
 * plain `meta` table so it can be read without the passphrase; it says only "used at T".
 */
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { type Database, isReadOnly } from "./db.ts";
import { isStoreError, storeErrorOf } from "./store_error.ts";
import { databasePath } from "./layout.ts";

const KEY = "last_unlock_at";

/**
 * Records a use at `now` (call inside a write). A store that cannot be written (read-only media or
 * file) is skipped without an error: reading must keep working there.
 */
export function recordUse(db: Database, now: number): void {
  if (isReadOnly(db)) return;
  try {
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(KEY, String(now));
  } catch (err) {
    if (!isStoreError(storeErrorOf(err), "read_only")) throw err;
  }
}

/**
 * Milliseconds since the identity of `home` was last used (or created), read without the
 * passphrase; `undefined` when there is no database.
 */
export function unusedFor(home: string, now: number): number | undefined {
  const path = databasePath(home);
  if (!existsSync(path)) return undefined;
  const db = new DatabaseSync(path);
  try {
    const row = db.prepare(
      `SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?),
                       (SELECT created_at FROM identity WHERE id = 1)) AS last`,
    ).get(KEY) as { last: number | null } | undefined;
    return row?.last == null ? undefined : now - Number(row.last);
  } finally {
    db.close();
  }
}
