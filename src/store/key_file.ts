/**
 * The vault key file (`vault.key` in the home, layout.ts): 32 random bytes that the vault key's
 * wrapping depends on besides the passphrase (vault.ts). It is written once, in place, with
 * O_EXCL and fsync — never through SQLite — so exactly one copy of it exists on disk, and `panic`
 * overwrites and syncs that copy before anything else it does (scrambleKeyFile).
 *
 * Why: SQLite writes the wrapped vault key through its WAL, unlinks the WAL without overwriting it,
 * and a panic truncates the WAL before overwriting it; freed blocks may keep a wrapped key. With the
 * key file gone, such a copy cannot be attacked by guessing the passphrase offline.
 */
import { closeSync, constants, fsyncSync, lstatSync, openSync, readSync, writeSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import { dirname } from "node:path";
import { LegionError } from "../errors.ts";

export const KEY_FILE_BYTES = 32;

/** Fresh random key file contents. */
export function newKeyFileBytes(): Uint8Array {
  return randomFillSync(new Uint8Array(KEY_FILE_BYTES));
}

/**
 * Creates `path` (mode 0600) holding `bytes`, synced with its directory.
 *
 * @throws {Error} (EEXIST) when anything is already at `path`: a key file is never replaced.
 */
export function writeKeyFile(path: string, bytes: Uint8Array): void {
  if (bytes.length !== KEY_FILE_BYTES) throw new RangeError("key file must be 32 bytes");
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, bytes, 0, bytes.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  syncDirectory(dirname(path));
}

/**
 * Reads the key file.
 *
 * @throws {LegionError} `no_input` (66) when it is missing; `bad_data` (65) when it is not a
 * regular file of 32 bytes, or group or others may access it.
 */
export function readKeyFile(path: string): Uint8Array {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw corrupt(path, err as Error);
    throw new LegionError("no_input", `The vault key file ${path} is missing`, {
      hint: "the vault cannot be unlocked without it (panic destroys it first); " +
        "`legion init --force --restore` recreates the identity from its recovery phrase",
    });
  }
  if (!stat.isFile()) throw corrupt(path, new Error("not a regular file"));
  if ((stat.mode & 0o077) !== 0) {
    throw new LegionError(
      "bad_data",
      `The vault key file ${path} is open to others (mode ${(stat.mode & 0o777).toString(8)})`,
      { hint: `check who changed it, then \`chmod 600 ${path}\`` },
    );
  }
  if (stat.size !== KEY_FILE_BYTES) {
    throw corrupt(path, new Error(`${stat.size} bytes, expected ${KEY_FILE_BYTES}`));
  }
  const bytes = new Uint8Array(KEY_FILE_BYTES);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (readSync(fd, bytes, 0, KEY_FILE_BYTES, 0) !== KEY_FILE_BYTES) {
      throw corrupt(path, new Error("short read"));
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * Overwrites the key file in place with random bytes and syncs it; false when there is no regular
 * file at `path` (a symlink is never followed). The file stays, for the wipe to unlink.
 */
export function scrambleKeyFile(path: string): boolean {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
  try {
    const size = Math.max(stat.size, KEY_FILE_BYTES);
    writeSync(fd, randomFillSync(new Uint8Array(size)), 0, size, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function corrupt(path: string, why: Error): LegionError {
  return new LegionError("bad_data", `The vault key file ${path} is damaged (${why.message})`, {
    hint: "the vault cannot be unlocked without it; " +
      "`legion init --force --restore` recreates the identity from its recovery phrase",
  });
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
