/**
 * The one writer of output files (`--phrase-out`, `card export -o`, `auth prove -o`): a new
 * regular file with mode 0600, never an existing one unless `overwrite` is asked for, and never a
 * device, FIFO, directory or symlink. Every failure is a `config` error (78).
 */
import { lstatSync, unlinkSync, writeFileSync } from "node:fs";
import { LegionError } from "../errors.ts";

export interface NewFileOptions {
  /** Replace an existing regular file (it is unlinked first, so it too ends up 0600). */
  overwrite?: boolean;
  /** The hint when the file exists and `overwrite` is not set. */
  existsHint?: string;
}

export function writeNewFile(
  path: string,
  data: string | Uint8Array,
  options: NewFileOptions = {},
): void {
  checkNewFile(path, options);
  if (lstatOrUndefined(path) !== undefined) unlinkSync(path);
  try {
    // "wx" is O_CREAT|O_EXCL: it fails on anything that appeared meanwhile, symlinks included.
    writeFileSync(path, data, { mode: 0o600, flag: "wx" });
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === "EEXIST";
    throw new LegionError(
      "config",
      exists ? `Refusing to overwrite ${path}` : `Cannot write ${path}: ${(err as Error).message}`,
    );
  }
}

/** Fails the same way before anything is created, for commands that write the file last. */
export function checkNewFile(path: string, options: NewFileOptions = {}): void {
  const existing = lstatOrUndefined(path);
  if (existing === undefined) return;
  if (!existing.isFile()) {
    throw new LegionError("config", `Refusing to write ${path}: it is not a regular file`);
  }
  if (!options.overwrite) {
    throw new LegionError("config", `Refusing to overwrite ${path}`, { hint: options.existsHint });
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new LegionError("config", `Cannot write ${path}: ${(err as Error).message}`);
  }
}
