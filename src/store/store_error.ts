/**
 * Storage failures by cause, recognised once here from node:sqlite and node:fs errors, so callers
 * can tell a local problem (full disk, read-only media, a corrupt file) from a bad input — and the
 * CLI can map each cause to one exit code and hint (src/cli/error_map.ts).
 *
 * What node:sqlite gives (measured, Deno 2.9.6 / SQLite 3.53): `code: "ERR_SQLITE_ERROR"`, and on
 * most errors `errcode` (the extended result code) and `errstr`; some (e.g. "file is not a
 * database" at open, errors from `exec`) carry only the message, so messages are matched too.
 * node:fs errors carry the errno name in `code` (`ENOSPC`, `EROFS`, `EACCES`, `ENOENT`).
 */
import { statfsSync } from "node:fs";
import { ReasonError } from "../errors.ts";
import { dirname } from "node:path";

export type StoreErrorReason =
  /** SQLITE_FULL, ENOSPC, EDQUOT: free space, then retry. */
  | "disk_full"
  /** SQLITE_READONLY, EROFS: the medium or file cannot be written. */
  | "read_only"
  /** SQLITE_CORRUPT, SQLITE_NOTADB, an empty or truncated file. */
  | "corrupt"
  /** SQLITE_BUSY, SQLITE_LOCKED: another process holds the database. */
  | "busy"
  /** EACCES, EPERM, SQLITE_CANTOPEN, or a file owned by another user. */
  | "permission"
  /** ENOENT, ENOTDIR: a file or directory is not there. */
  | "missing"
  /**
   * SQLITE_IOERR, EIO: the OS refused a read or write. SQLite reports ENOSPC this way when it
   * meets it growing the `-shm` (measured on a full tmpfs); see storeErrorAt.
   */
  | "io";

export class StoreError extends ReasonError<StoreErrorReason> {
  override readonly name = "StoreError";
  readonly path?: string;

  constructor(
    reason: StoreErrorReason,
    message: string,
    options: { path?: string; cause?: unknown } = {},
  ) {
    super(reason, message, { cause: options.cause });
    this.path = options.path;
  }
}

export function isStoreError(err: unknown, reason?: StoreErrorReason): err is StoreError {
  return err instanceof StoreError && (reason === undefined || err.reason === reason);
}

/** SQLite primary result codes (the low byte of an extended code). */
const SQLITE_REASONS: Record<number, StoreErrorReason> = {
  5: "busy", // SQLITE_BUSY
  6: "busy", // SQLITE_LOCKED
  8: "read_only", // SQLITE_READONLY
  10: "io", // SQLITE_IOERR
  11: "corrupt", // SQLITE_CORRUPT
  13: "disk_full", // SQLITE_FULL
  14: "permission", // SQLITE_CANTOPEN
  23: "permission", // SQLITE_AUTH
  26: "corrupt", // SQLITE_NOTADB
};

const SQLITE_MESSAGES: ReadonlyArray<readonly [RegExp, StoreErrorReason]> = [
  [/database or disk is full/i, "disk_full"],
  [/readonly database|read-only/i, "read_only"],
  [/disk image is malformed|file is not a database|database corruption/i, "corrupt"],
  [/database is locked|database table is locked/i, "busy"],
  [/unable to open database file/i, "permission"],
  [/disk I\/O error/i, "io"],
];

const ERRNO_REASONS: Record<string, StoreErrorReason> = {
  ENOSPC: "disk_full",
  EDQUOT: "disk_full",
  EROFS: "read_only",
  EACCES: "permission",
  EPERM: "permission",
  ENOENT: "missing",
  ENOTDIR: "missing",
  EIO: "io",
};

/**
 * The storage cause of `err` (a StoreError, a node:sqlite or node:fs error, or any of these as the
 * `cause` of another error), or `undefined` when it is not a storage failure.
 */
export function storeErrorOf(err: unknown): StoreError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof StoreError) return e;
    const reason = reasonOf(e);
    if (reason) return new StoreError(reason, e.message, { cause: e });
  }
  return undefined;
}

/**
 * `storeErrorOf(err)` naming `path`; an I/O error on a file system with no space left is reported
 * as `disk_full` (SQLite says only "disk I/O error" when ENOSPC hits its `-shm`).
 */
export function storeErrorAt(err: unknown, path: string): StoreError | undefined {
  const cause = storeErrorOf(err);
  if (!cause) return undefined;
  const reason = cause.reason === "io" && noSpaceLeft(path) ? "disk_full" : cause.reason;
  if (cause.path && reason === cause.reason) return cause;
  const message = cause.message.startsWith(path) ? cause.message : `${path}: ${cause.message}`;
  return new StoreError(reason, message, { path, cause: err });
}

function noSpaceLeft(path: string): boolean {
  try {
    return statfsSync(dirname(path)).bavail === 0;
  } catch {
    return false;
  }
}

/**
 * libsignal reports a store callback that threw as `error in method call 'loadSession': Error: …`
 * with the original error's message only (measured with libsignal-client 0.103): the SQLite message
 * is all that is left to recognise.
 */
const LIBSIGNAL_CALLBACK = /^error in method call '\w+': /;

function reasonOf(err: Error): StoreErrorReason | undefined {
  const { code, errcode } = err as { code?: unknown; errcode?: unknown };
  if (LIBSIGNAL_CALLBACK.test(err.message)) {
    return SQLITE_MESSAGES.find(([pattern]) => pattern.test(err.message))?.[1];
  }
  if (code === "ERR_SQLITE_ERROR") {
    if (typeof errcode === "number" && SQLITE_REASONS[errcode & 0xff]) {
      return SQLITE_REASONS[errcode & 0xff];
    }
    return SQLITE_MESSAGES.find(([pattern]) => pattern.test(err.message))?.[1];
  }
  if (typeof code === "string") return ERRNO_REASONS[code];
  return undefined;
}
