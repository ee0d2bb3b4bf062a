/**
 * The one reader of command input: a file, or stdin for `-` (or no file), with a size limit.
 *
 * Failures, each with one error code: the file cannot be opened or read → `no_input` (66); more
 * than `limit` bytes, or text that is not UTF-8 → `bad_data` (65); no input given on a terminal
 * → `usage` (2).
 */
import { createReadStream } from "node:fs";
import type { Context } from "./context.ts";
import { LegionError } from "../errors.ts";

export interface ReadInputOptions {
  /** Most bytes accepted. */
  limit: number;
  /** What is read, for messages: "card", "message", "proof". */
  what: string;
  /** When stdin is a terminal and no file was named: the usage error's hint. */
  ttyHint?: string;
  /** The error for input over the limit (default: "The WHAT is larger than LIMIT bytes"). */
  tooLarge?: () => LegionError;
}

/** Whether `source` means stdin: no file, or `-`. */
export function isStdin(source: string | undefined): boolean {
  return source === undefined || source === "-";
}

/** Reads `source` (a path; `-` or undefined for stdin) as bytes, refusing more than the limit. */
export async function readInput(
  ctx: Context,
  source: string | undefined,
  options: ReadInputOptions,
): Promise<Uint8Array> {
  if (isStdin(source)) {
    if (ctx.stdin.isTTY && options.ttyHint !== undefined) {
      throw new LegionError("usage", `No ${options.what} given`, { hint: options.ttyHint });
    }
    return await readStream(ctx.stdin, options);
  }
  try {
    return await readStream(createReadStream(source!), options);
  } catch (err) {
    if (err instanceof LegionError) throw err;
    throw new LegionError("no_input", `Cannot read ${source}: ${(err as Error).message}`);
  }
}

/** Reads `source` like `readInput` and decodes it as UTF-8, refusing invalid sequences. */
export async function readInputText(
  ctx: Context,
  source: string | undefined,
  options: ReadInputOptions,
): Promise<string> {
  return decodeUtf8(await readInput(ctx, source, options), options.what);
}

/** Strict UTF-8: a byte sequence that is not UTF-8 is bad data, never silently U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new LegionError("bad_data", `The ${what} is not valid UTF-8 text`);
  }
}

async function readStream(
  stream: AsyncIterable<unknown>,
  options: ReadInputOptions,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk as Uint8Array;
    size += bytes.length;
    if (size > options.limit) {
      throw options.tooLarge?.() ??
        new LegionError("bad_data", `The ${options.what} is larger than ${options.limit} bytes`);
    }
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
