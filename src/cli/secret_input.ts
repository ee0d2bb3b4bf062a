/** Reads a secret text (a recovery phrase): from a file, a hidden prompt on a TTY, or all of stdin. */
import type { Context } from "./context.ts";
import { readInputText } from "./read_input.ts";

/** Upper bound for secret text read from stdin; a phrase is a few hundred bytes. */
const MAX_SECRET_BYTES = 64 * 1024;

export async function readSecretText(
  ctx: Context,
  options: { file?: string; prompt: string },
): Promise<string> {
  const input = { limit: MAX_SECRET_BYTES, what: "recovery phrase" };
  if (options.file !== undefined && options.file !== "-") {
    return await readInputText(ctx, options.file, input);
  }
  if (ctx.stdin.isTTY) {
    const { password } = await import("@inquirer/prompts");
    return await password({ message: options.prompt, mask: "*" }, {
      input: ctx.stdin,
      output: ctx.stderr,
    });
  }
  return await readInputText(ctx, "-", input);
}
