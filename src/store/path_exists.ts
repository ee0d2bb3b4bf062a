/** Whether anything (a symlink included, never followed) is at `path`. */
import { lstatSync } from "node:fs";

export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
