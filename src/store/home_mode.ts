/**
 * The data dir must be private to its user (mode 0700, as `init` makes it): the database, the
 * agent socket and tor's keys live inside it, and the agent socket's own 0600 is only as good as
 * the directory around it. A home that group or others can enter or list is refused, not fixed
 * silently: someone widened it, and the user should know.
 */
import { statSync } from "node:fs";
import { LegionError } from "../errors.ts";

/**
 * Throws `config` (exit 78) with a `chmod 700` hint when `home` is group- or world-accessible.
 * A missing home passes: whoever needs it reports that on their own.
 */
export function assertPrivateHome(home: string): void {
  let mode: number;
  try {
    mode = statSync(home).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o077) !== 0) {
    throw new LegionError(
      "config",
      `The data dir ${home} is accessible to other users (mode ${
        mode.toString(8).padStart(3, "0")
      })`,
      { hint: `chmod 700 ${home}` },
    );
  }
}
