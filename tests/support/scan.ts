/** Forensic helpers: find byte patterns anywhere in a directory's files. */
import { join } from "node:path";

/** Every regular file under `dir`, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await listFiles(path));
    else if (entry.isFile) files.push(path);
  }
  return files;
}

export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Names `file: needle` for every needle found in any file under `dir`. */
export async function findInFiles(
  dir: string,
  needles: Record<string, Uint8Array>,
): Promise<string[]> {
  const found: string[] = [];
  for (const file of await listFiles(dir)) {
    const bytes = await Deno.readFile(file);
    for (const [name, needle] of Object.entries(needles)) {
      if (indexOfBytes(bytes, needle) !== -1) found.push(`${file}: ${name}`);
    }
  }
  return found;
}
