/**
 * `legion send NAME --image PATH [--max-side PX] [--format jpeg|webp|png] [--dry-run [--out PATH]]`:
 * the image is decoded and re-encoded by sharp with every metadata block dropped
 * (src/media/image_sanitize.ts) before anything else happens; what was removed is printed
 * (`stripped: GPS, Make, …` on stderr, or a `stripped` JSON record on stdout with --json).
 * `--dry-run` writes the sanitised copy (next to the input as NAME.clean.EXT, or to --out) and
 * sends nothing. Otherwise the image is sent as one image message when it fits (chunked
 * transfer of larger images comes with file transfer).
 */
import { basename, dirname, extname, join } from "node:path";
import type { Invocation } from "../cli/invocation.ts";
import { writeNewFile } from "../cli/new_file.ts";
import { readInput } from "../cli/read_input.ts";
import { LegionError } from "../errors.ts";
import { toBase64 } from "../crypto/base64.ts";
import { encodeImageBody, MAX_IMAGE_BYTES } from "../media/image_body.ts";
import type { ImageFormat } from "../media/image_sanitize.ts";
import type { Queued } from "../node/service_map.ts";

export interface ImageOptions {
  image: string;
  maxSide?: number;
  format?: ImageFormat;
  dryRun?: boolean;
  out?: string;
  force?: boolean;
  ttlSeconds?: number;
  burn?: boolean;
}

const EXTENSIONS: Record<ImageFormat, string> = { jpeg: ".jpg", webp: ".webp", png: ".png" };

/** Sanitises, reports what was stripped, then writes (dry run) or queues the image. */
export async function sendImage(
  inv: Invocation,
  name: string,
  options: ImageOptions,
): Promise<Queued | undefined> {
  const { MAX_INPUT_BYTES, sanitizeImage } = await import("../media/image_sanitize.ts");
  const input = await readInput(inv.ctx, options.image, {
    limit: MAX_INPUT_BYTES,
    what: "image",
    ttyHint: "pass --image PATH, or pipe the image in with --image -",
  });
  const clean = await sanitizeImage(input, { format: options.format, maxSide: options.maxSide });
  const stripped = clean.stripped.length > 0 ? clean.stripped.join(", ") : "nothing";
  const summary = {
    format: clean.format,
    width: clean.width,
    height: clean.height,
    bytes: clean.bytes.length,
    stripped: clean.stripped,
  };
  if (options.dryRun) {
    const out = options.out ?? cleanPath(options.image, clean.format);
    writeNewFile(out, clean.bytes, {
      overwrite: options.force,
      existsHint: "pass --force to replace it, or choose another --out",
    });
    if (inv.out.json) inv.out.result({ type: "stripped", ...summary, path: out }, "");
    else {
      inv.out.note(`stripped: ${stripped}`);
      inv.out.note(`wrote ${out} (${clean.width}x${clean.height} ${clean.format}, not sent)`);
    }
    return undefined;
  }
  if (clean.bytes.length > MAX_IMAGE_BYTES) {
    throw new LegionError(
      "bad_data",
      `The sanitised image is ${kib(clean.bytes.length)} KiB; one message holds ${
        kib(MAX_IMAGE_BYTES)
      } KiB`,
      { hint: "pass --max-side 2048 (or smaller), or --format webp, to make it fit" },
    );
  }
  if (inv.out.json) inv.out.result({ type: "stripped", ...summary }, "");
  else inv.out.note(`stripped: ${stripped}`);
  return await inv.service("send.image", {
    to: name,
    image: toBase64(encodeImageBody(clean)),
    ttlSeconds: options.ttlSeconds,
    burn: options.burn,
  });
}

/** `photo.jpg` → `photo.clean.jpg` beside it (stdin: `image.clean.jpg` in the working dir). */
function cleanPath(input: string, format: ImageFormat): string {
  if (input === "-") return `image.clean${EXTENSIONS[format]}`;
  const stem = basename(input, extname(input));
  return join(dirname(input), `${stem}.clean${EXTENSIONS[format]}`);
}

function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}
