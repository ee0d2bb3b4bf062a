/**
 * The one place a failure's cause becomes an error code, exit code and hint for the user. Storage
 * causes (src/store/store_error.ts: full disk, read-only media, a corrupt file, …) arrive as a
 * StoreError, or as the raw node:sqlite / node:fs error it recognises, from anywhere below.
 */
import { type ErrorCode, LegionError } from "../errors.ts";
import { storeErrorOf, type StoreErrorReason } from "../store/store_error.ts";

const STORAGE: Record<StoreErrorReason, { code: ErrorCode; what: string; hint: string }> = {
  disk_full: {
    code: "disk_full",
    what: "The disk is full",
    hint: "free some space and run the command again; nothing was half-written",
  },
  read_only: {
    code: "read_only",
    what: "The data dir is read-only",
    hint: "reading works here; to change anything, use a writable copy of the data dir",
  },
  corrupt: {
    code: "store_corrupt",
    what: "The store is corrupt or not a Legion store",
    hint: "restore legion.db from a backup, or recreate the identity with `legion init --restore`",
  },
  busy: {
    code: "store_busy",
    what: "The store is busy (another process holds it)",
    hint: "wait for the other legion process to finish, then retry",
  },
  permission: {
    code: "permission",
    what: "Permission denied",
    hint: "run legion as the user who owns the data dir, or pass another --home",
  },
  io: {
    code: "io_error",
    what: "A disk I/O error occurred",
    hint: "the disk may be full or failing: check free space (df) and the system log, then retry",
  },
  missing: {
    code: "no_input",
    what: "Not found",
    hint: "check the path (its directory must exist)",
  },
};

/** `err` as the LegionError the user sees, or `undefined` for an unexpected (internal) error. */
export function toLegionError(err: unknown): LegionError | undefined {
  // A LegionError raised over a failing store (libsignal's store callbacks surface as "Cannot
  // start a session", say) blames the store's cause, not the input.
  const storage = storeErrorOf(err instanceof LegionError ? err.cause : err);
  if (err instanceof LegionError && (!storage || storage.reason === "missing")) return err;
  if (!storage) return undefined;
  const { code, what, hint } = STORAGE[storage.reason];
  return new LegionError(code, `${what}: ${storage.message}`, { hint, cause: err });
}
