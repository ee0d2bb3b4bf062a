/** Where Legion keeps its data: `--home` > `$LEGION_HOME` > `$XDG_DATA_HOME/legion` > `~/.local/share/legion`. */
import { join, resolve } from "node:path";
import type { Context } from "./context.ts";

export function resolveHome(ctx: Context, homeOption: string | undefined): string {
  if (homeOption) return resolve(ctx.cwd, homeOption);
  if (ctx.env.LEGION_HOME) return resolve(ctx.cwd, ctx.env.LEGION_HOME);
  if (ctx.env.XDG_DATA_HOME) return resolve(ctx.cwd, ctx.env.XDG_DATA_HOME, "legion");
  return join(ctx.userHome, ".local", "share", "legion");
}
