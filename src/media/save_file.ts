/**
 * Writes received media into a directory the user chose: under a {@link safeName}, as a new file
 * only (O_CREAT|O_EXCL, mode 0600), never through a symlink, never over a directory, device, FIFO
 * or socket, and never outside the directory. Overwriting needs `force`, and then replaces only a
 * regular file, by renaming a fresh file over it (a rename replaces the directory entry, so even
 * a symlink swapped in meanwhile is replaced, not followed).
 */
import { constants } from "node:fs";
import { lstat, open, realpath, rename, unlink } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { MediaError } from "./media_error.ts";
import { safeName } from "./safe_name.ts";

export interface SaveOptions {
  /** Replace an existing regular file of the same name. */
  force?: boolean;
  /** The name used when the sender's name has nothing usable left. */
  fallback?: string;
}

/**
 * Saves `bytes` as `dir/safeName(name)`; returns the path written.
 *
 * @throws {MediaError} `exists` (without `force`) or `unsafe_destination` (a symlink, special
 *   file or directory in the way, or `dir` is not a directory)
 */
export async function saveFile(
  dir: string,
  name: string,
  bytes: Uint8Array,
  options: SaveOptions = {},
): Promise<string> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await lstat(root)).isDirectory()) throw new Error("not a directory");
  } catch (err) {
    throw new MediaError("unsafe_destination", `Cannot save into ${dir}: not a directory`, {
      cause: err,
    });
  }
  const base = safeName(name, options.fallback);
  const path = join(root, base);
  if (dirname(path) !== root || relative(root, path) !== base) {
    throw new RangeError(`safe name ${base} left the directory`); // safeName's contract broken
  }
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new MediaError("unsafe_destination", `Refusing to write ${path}: not a regular file`);
  }
  if (existing && !options.force) {
    throw new MediaError("exists", `Refusing to overwrite ${path}`, {
      hint: "pass --force to replace it, or save into another directory",
    });
  }
  if (!existing) {
    await writeExclusive(path, bytes);
    return path;
  }
  const temp = join(root, `.${base}.${crypto.randomUUID()}.part`);
  await writeExclusive(temp, bytes);
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  return path;
}

async function writeExclusive(path: string, bytes: Uint8Array): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let handle;
  try {
    handle = await open(path, flags, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new MediaError("exists", `Refusing to overwrite ${path}`, {
        hint: "pass --force to replace it, or save into another directory",
      });
    }
    throw err;
  }
  try {
    await handle.writeFile(bytes);
  } catch (err) {
    await handle.close();
    await unlink(path).catch(() => {});
    throw err;
  }
  await handle.close();
}
