/** Reading and writing group files; writes go to a temporary file renamed into place. */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { ZkError } from "./zk_error.ts";
import { loadGroupHasher } from "./group_hash.ts";
import { groupToText, MAX_GROUP_FILE_BYTES, parseGroupText, type ZkGroup } from "./group.ts";

/**
 * Reads a group file; `lazy` defers hashing the members until the tree is needed (see
 * parseGroupText).
 * @throws LegionError `no_input` when unreadable, `bad_data` when not a valid group file.
 */
export async function readGroupFile(
  path: string,
  options: { lazy?: boolean } = {},
): Promise<ZkGroup> {
  if (!options.lazy) await loadGroupHasher();
  let text: string;
  try {
    if (statSync(path).size > MAX_GROUP_FILE_BYTES) {
      throw new ZkError("bad_group_file", `Cannot parse group file: ${path} is too large`);
    }
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof ZkError) throw err;
    throw new ZkError("unreadable", `Cannot read group file ${path}: ${(err as Error).message}`);
  }
  return parseGroupText(text, options);
}

/** Writes the group atomically; with `create`, refuses to replace an existing file. */
export function writeGroupFile(path: string, group: ZkGroup, options: { create?: boolean } = {}) {
  const text = groupToText(group);
  if (options.create) {
    try {
      writeFileSync(path, text, { flag: "wx", mode: 0o644 });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ZkError(
        code === "EEXIST" ? "exists" : "unwritable",
        code === "EEXIST"
          ? `Refusing to overwrite ${path}`
          : `Cannot write ${path}: ${(err as Error).message}`,
      );
    }
  }
  const temp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    writeFileSync(temp, text, { flag: "wx", mode: 0o644 });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new ZkError("unwritable", `Cannot write ${path}: ${(err as Error).message}`);
  }
}
