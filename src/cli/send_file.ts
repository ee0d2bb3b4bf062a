/**
 * `legion send NAME --file PATH|-`, `--voice PATH` and `--image PATH`: streams the attachment to
 * the node's `file.*` services (the running node's, or this process's) in slices, so a file is
 * never whole in memory and stdin is taken byte for byte. A regular file over the cap is refused
 * (65) before a byte is read; stdin is refused as soon as it crosses the cap. A voice clip is read
 * whole (its duration is at the container's end: media/voice_probe.ts); an image arrives here
 * already sanitised (commands/send_image.ts), as bytes.
 */
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import type { Invocation } from "./invocation.ts";
import { LegionError } from "../errors.ts";
import { toBase64 } from "../crypto/base64.ts";
import type { Queued } from "../node/service_map.ts";
import type { ServiceCaller } from "../node/send_wait.ts";
import { TransferProgress } from "./transfer_progress.ts";
import { isMediaError } from "../media/media_error.ts";
import { probeVoice } from "../media/voice_probe.ts";

/** The default cap on one file (100 MiB); `--max-size` changes it. */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
/** Bytes per `file.append` call. */
const SLICE = 512 * 1024;

export interface FileSendOptions {
  to: string;
  path: string;
  kind: "file" | "voice" | "image";
  /** The content itself (a sanitised image); `path` then only names it. */
  bytes?: Uint8Array;
  /** Images: the pixel size. */
  width?: number;
  height?: number;
  name?: string;
  mime?: string;
  maxBytes: number;
  ttlSeconds?: number;
  burn: boolean;
  quiet: boolean;
}

/** Parses `--max-size`: bytes, or a number with K, M or G (binary units). */
export function parseSize(text: string): number {
  const match = /^(\d+)([kmg]?)(i?b)?$/i.exec(text.trim());
  const n = match ? Number(match[1]) * 1024 ** " kmg".indexOf(match[2].toLowerCase() || " ") : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new LegionError("usage", `--max-size: expected a size such as 50M, got ${text}`);
  }
  return n;
}

/** Checks the source and returns how to queue it (called once the wait, if any, is set up). */
export function prepareFileSend(
  inv: Invocation,
  options: FileSendOptions,
): (call: ServiceCaller) => Promise<Queued> {
  const stdin = options.path === "-" && !options.bytes;
  let size: number | undefined = options.bytes?.length;
  if (options.bytes) {
    if (size! > options.maxBytes) {
      throw new LegionError("bad_data", `The image is larger than ${options.maxBytes} bytes`, {
        hint: "pass --max-side to make it smaller, or raise --max-size",
      });
    }
  } else if (!stdin) {
    let stat;
    try {
      stat = statSync(options.path);
    } catch (err) {
      throw new LegionError("no_input", `Cannot read ${options.path}: ${(err as Error).message}`);
    }
    if (!stat.isFile()) {
      throw new LegionError("no_input", `${options.path} is not a regular file`);
    }
    size = stat.size;
    if (size > options.maxBytes) {
      throw new LegionError(
        "bad_data",
        `${options.path} is larger than ${options.maxBytes} bytes (${size})`,
        { hint: "raise the cap with --max-size, or send a smaller file" },
      );
    }
  } else if (inv.ctx.stdin.isTTY) {
    throw new LegionError("usage", "No file given on stdin", {
      hint: "pipe the file in: legion send bob --file - < photo.tar",
    });
  }
  return async (call) => {
    const source: Readable | undefined = options.bytes
      ? undefined
      : stdin
      ? inv.ctx.stdin
      : createReadStream(options.path, { highWaterMark: SLICE });
    let chunks: AsyncIterator<unknown> = options.bytes
      ? [options.bytes][Symbol.iterator]() as unknown as AsyncIterator<unknown>
      : source![Symbol.asyncIterator]();
    let mime = options.mime ?? "application/octet-stream";
    let durationMs: number | undefined;
    if (options.kind === "voice") {
      const whole = await readWhole(chunks, options.maxBytes);
      try {
        const clip = probeVoice(whole);
        mime = clip.mime;
        durationMs = clip.durationMs;
      } catch (err) {
        if (!isMediaError(err)) throw err;
        throw new LegionError("bad_data", `Not a voice clip: ${err.message}`, {
          hint:
            "a voice clip is Ogg/Opus or M4A/AAC (checked by its bytes); send other files with --file",
        });
      }
      chunks = [whole][Symbol.iterator]() as unknown as AsyncIterator<unknown>;
    }
    const first = await nextSlice(chunks);
    const name = options.name ?? (stdin ? "stdin" : basename(options.path));
    const { handle } = await call("file.begin", {
      to: options.to,
      kind: options.kind,
      name,
      mime,
      durationMs,
      width: options.width,
      height: options.height,
      size,
      maxBytes: options.maxBytes,
      ttlSeconds: options.ttlSeconds,
      burn: options.burn,
    });
    const progress = new TransferProgress(inv, "sealing", size, options.quiet);
    let done = 0;
    try {
      for (let slice = first; slice; slice = await nextSlice(chunks)) {
        for (let at = 0; at < slice.length; at += SLICE) {
          const part = slice.subarray(at, at + SLICE);
          done = (await call("file.append", { handle, data: toBase64(part) })).size;
          progress.update(done);
        }
      }
      progress.end(done);
      return await call("file.finish", { handle });
    } catch (err) {
      await call("file.abort", { handle }).catch(() => {});
      if (source && !stdin) source.destroy();
      throw err;
    }
  };
}

/** Reads a whole (small) source, refusing it past `cap` bytes (65). */
async function readWhole(chunks: AsyncIterator<unknown>, cap: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let part = await nextSlice(chunks); part; part = await nextSlice(chunks)) {
    size += part.length;
    if (size > cap) {
      throw new LegionError("bad_data", `The clip is larger than ${cap} bytes`, {
        hint: "raise the cap with --max-size, or send a shorter clip",
      });
    }
    parts.push(part);
  }
  const whole = new Uint8Array(size);
  parts.reduce((at, part) => (whole.set(part, at), at + part.length), 0);
  return whole;
}

async function nextSlice(chunks: AsyncIterator<unknown>): Promise<Uint8Array | undefined> {
  for (;;) {
    const { value, done } = await chunks.next();
    if (done) return undefined;
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value as Uint8Array;
    if (bytes.length > 0) return bytes;
  }
}
