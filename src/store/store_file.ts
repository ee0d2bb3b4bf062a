/**
 * Checks on a database file before SQLite opens it, so that opening never changes a file that is
 * not a healthy store of ours: SQLite would happily turn an empty file into a new database, and a
 * file of another user into one that user can no longer read.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import process from "node:process";
import { StoreError, storeErrorOf } from "./store_error.ts";

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = "SQLite format 3\u0000";
/** A database file holds at least its 100-byte header. */
const MIN_DATABASE_BYTES = 100;

/**
 * What is at `path`: `absent`, `empty` (0 bytes: never written) or `database`.
 * @throws {StoreError} `corrupt` when it is not an SQLite database (or is truncated), `permission`
 *   when it cannot be read or belongs to another user, `missing` when a parent is not a directory
 */
export function checkStoreFile(path: string): "absent" | "empty" | "database" {
  let size: number;
  let uid: number;
  try {
    ({ size, uid } = statSync(path));
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return "absent";
    throw fileError(err, path);
  }
  const me = process.getuid?.();
  if (me !== undefined && uid !== me) {
    throw new StoreError("permission", `${path} belongs to another user (uid ${uid})`, { path });
  }
  if (size === 0) return "empty";
  let head: string;
  try {
    const fd = openSync(path, "r");
    try {
      const buffer = new Uint8Array(SQLITE_HEADER.length);
      const read = readSync(fd, buffer, 0, buffer.length, 0);
      head = new TextDecoder("latin1").decode(buffer.subarray(0, read));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw fileError(err, path);
  }
  if (head !== SQLITE_HEADER || size < MIN_DATABASE_BYTES) {
    throw new StoreError("corrupt", `${path} is not an SQLite database (or is truncated)`, {
      path,
    });
  }
  return "database";
}

/**
 * Whether the file at `path` can be opened for writing. `access(W_OK)` is no test here: for root,
 * node:fs under Deno reports a read-only mount as writable (measured). Opening `r+` changes
 * nothing and fails with EROFS/EACCES where SQLite could not write.
 */
export function fileWritable(path: string): boolean {
  try {
    closeSync(openSync(path, "r+"));
    return true;
  } catch {
    return false;
  }
}

function fileError(err: unknown, path: string): unknown {
  const cause = storeErrorOf(err);
  if (!cause) return err;
  return new StoreError(cause.reason, `Cannot read ${path}: ${cause.message}`, {
    path,
    cause: err,
  });
}
