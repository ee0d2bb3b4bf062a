/**
 * `PRAGMA quick_check` before a node starts serving: a corrupt page found now is a clear refusal,
 * not a node that runs and fails every delivery. It reads every page (O(size), without the
 * index cross-checks of `integrity_check`).
 */
import type { Database } from "./db.ts";
import { StoreError, storeErrorOf } from "./store_error.ts";

/**
 * Checks the store's pages; returns how long the check took (ms).
 * @throws {StoreError} `corrupt` naming SQLite's first finding
 */
export function checkIntegrity(db: Database, path: string): number {
  const started = performance.now();
  let rows: Array<{ quick_check: string }>;
  try {
    rows = db.prepare("PRAGMA quick_check(5)").all() as Array<{ quick_check: string }>;
  } catch (err) {
    const cause = storeErrorOf(err);
    if (!cause) throw err;
    throw new StoreError(cause.reason, `${path}: ${cause.message}`, { path, cause: err });
  }
  const findings = rows.map((row) => row.quick_check).filter((text) => text !== "ok");
  if (findings.length > 0) {
    throw new StoreError("corrupt", `${path} failed its integrity check: ${findings[0]}`, {
      path,
    });
  }
  return performance.now() - started;
}
