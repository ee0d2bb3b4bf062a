/**
 * Writes received media into a directory the user chose: under a {@link safeName}, never through
 * a symlink, never over a directory, device, FIFO or socket, and never outside the directory. The
 * bytes go to a fresh temporary file first (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, in the same
 * directory), which takes its name only on {@link SaveTarget.commit} — after the caller has
 * verified what it wrote (`legion save` checks the SHA-256) — by a hard link, which fails if the
 * name exists meanwhile. Overwriting needs `force`, and then replaces only a regular file, by
 * renaming the temporary file over it (a rename replaces the directory entry, so even a symlink
 * swapped in meanwhile is replaced, not followed).
 */
import { constants } from "node:fs";
import { link, lstat, open, realpath, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { MediaError } from "./media_error.ts";
import { safeName } from "./safe_name.ts";

export interface SaveOptions {
  /** Replace an existing regular file of the same name. */
  force?: boolean;
  /** The name used when the sender's name has nothing usable left. */
  fallback?: string;
}

/** A file being written: `write` the bytes, then `commit` (or `abort`). */
export interface SaveTarget {
  /** Where the file will be once committed. */
  readonly path: string;
  write(bytes: Uint8Array): Promise<void>;
  /** Syncs and gives the file its name. */
  commit(): Promise<void>;
  /** Drops the temporary file. */
  abort(): Promise<void>;
}

/**
 * Opens `dir/safeName(name)` for writing through a temporary file.
 *
 * @throws {MediaError} `exists` (without `force`) or `unsafe_destination` (a symlink, special
 *   file or directory in the way, or `dir` is not a directory)
 */
export async function openSaveTarget(
  dir: string,
  name: string,
  options: SaveOptions = {},
): Promise<SaveTarget> {
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
  await checkDestination(path, options.force ?? false);
  const temp = join(root, `.${base.slice(0, 100)}.${crypto.randomUUID()}.part`);
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  let open_: FileHandle | undefined = handle;
  const close = async () => {
    const h = open_;
    open_ = undefined;
    await h?.close();
  };
  return {
    path,
    async write(bytes) {
      if (!open_) throw new Error("save target already closed");
      for (let at = 0; at < bytes.length;) {
        at += (await open_.write(bytes, at, bytes.length - at)).bytesWritten;
      }
    },
    async commit() {
      try {
        await open_?.sync();
        await close();
        if (options.force) {
          await checkDestination(path, true);
          await rename(temp, path);
          return;
        }
        try {
          await link(temp, path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") throw exists(path);
          throw err;
        }
        await unlink(temp);
      } catch (err) {
        await unlink(temp).catch(() => {});
        throw err;
      }
    },
    async abort() {
      await close().catch(() => {});
      await unlink(temp).catch(() => {});
    },
  };
}

/**
 * Saves `bytes` as `dir/safeName(name)`; returns the path written.
 *
 * @throws {MediaError} as {@link openSaveTarget}
 */
export async function saveFile(
  dir: string,
  name: string,
  bytes: Uint8Array,
  options: SaveOptions = {},
): Promise<string> {
  const target = await openSaveTarget(dir, name, options);
  try {
    await target.write(bytes);
  } catch (err) {
    await target.abort();
    throw err;
  }
  await target.commit();
  return target.path;
}

async function checkDestination(path: string, force: boolean): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new MediaError("unsafe_destination", `Refusing to write ${path}: not a regular file`);
  }
  if (existing && !force) throw exists(path);
}

function exists(path: string): MediaError {
  return new MediaError("exists", `Refusing to overwrite ${path}`, {
    hint: "pass --force to replace it, or save into another directory",
  });
}
