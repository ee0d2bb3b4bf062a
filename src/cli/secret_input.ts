/** Reads a secret text (a recovery phrase): from a file, a hidden prompt on a TTY, or all of stdin. */
import { readFileSync } from "node:fs";
import type { Context } from "./context.ts";
import { LegionError } from "../errors.ts";

/** Upper bound for secret text read from stdin; a phrase is a few hundred bytes. */
const MAX_SECRET_BYTES = 64 * 1024;

export async function readSecretText(
  ctx: Context,
  options: { file?: string; prompt: string },
): Promise<string> {
  if (options.file !== undefined) {
    try {
      return readFileSync(options.file, "utf8");
    } catch (err) {
      throw new LegionError("no_input", `Cannot read ${options.file}: ${(err as Error).message}`);
    }
  }
  if (ctx.stdin.isTTY) {
    const { password } = await import("@inquirer/prompts");
    return await password({ message: options.prompt, mask: "*" }, {
      input: ctx.stdin,
      output: ctx.stderr,
    });
  }
  return await readAll(ctx.stdin, MAX_SECRET_BYTES);
}

/** Reads a stream to its end as UTF-8, refusing more than `limit` bytes. */
export async function readAll(stream: AsyncIterable<unknown>, limit: number): Promise<string> {
  return new TextDecoder().decode(await readAllBytes(stream, limit));
}

/** Reads a stream to its end as raw bytes, refusing more than `limit` bytes. */
export async function readAllBytes(
  stream: AsyncIterable<unknown>,
  limit: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk as Uint8Array;
    size += bytes.length;
    if (size > limit) throw new LegionError("bad_data", `Input is larger than ${limit} bytes`);
    chunks.push(bytes);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
