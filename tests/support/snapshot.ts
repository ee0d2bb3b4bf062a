/** Byte-exact snapshots of a directory tree, to prove a refused command touched nothing. */
import { join } from "node:path";

/**
 * Every entry under `dir` (not following symlinks): a file as the SHA-256 of its bytes, a symlink as
 * `-> target`, a directory as `dir`, anything else by its kind.
 */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  async function walk(path: string, relative: string): Promise<void> {
    const stat = await Deno.lstat(path);
    if (stat.isSymlink) tree[relative] = `-> ${await Deno.readLink(path)}`;
    else if (stat.isFile) tree[relative] = await sha256(await Deno.readFile(path));
    else if (stat.isDirectory) {
      tree[relative] = "dir";
      for await (const entry of Deno.readDir(path)) {
        await walk(join(path, entry.name), join(relative, entry.name));
      }
    } else tree[relative] = "special";
  }
  await walk(dir, ".");
  return tree;
}

/** Writes `thesis.txt` (random bytes) into `dir`, creating it; returns the bytes written. */
export async function plantThesis(dir: string, name = "thesis.txt"): Promise<Uint8Array> {
  await Deno.mkdir(dir, { recursive: true });
  const bytes = crypto.getRandomValues(new Uint8Array(4096));
  await Deno.writeFile(join(dir, name), bytes);
  return bytes;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
