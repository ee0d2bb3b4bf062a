/**
 * `legion send NAME --image PATH [--max-side PX] [--format jpeg|webp|png] [--dry-run [--out PATH]]`:
 * the image is decoded and re-encoded by sharp with every metadata block dropped
 * (src/media/image_sanitize.ts) before anything else happens; what was removed is printed
 * (`stripped: GPS, Make, …` on stderr, or a `stripped` JSON record on stdout with --json).
 * `--dry-run` writes the sanitised copy (next to the input as NAME.clean.EXT, or to --out) and
 * sends nothing. Otherwise send.ts sends the clean bytes as an attachment of kind image (the
 * chunked, resumable file path: cli/send_file.ts); the receiver sanitises it again.
 */
import { basename, dirname, extname, join } from "node:path";
import type { Invocation } from "../cli/invocation.ts";
import { writeNewFile } from "../cli/new_file.ts";
import { readInput } from "../cli/read_input.ts";
import type { ImageFormat, SanitizedImage } from "../media/image_sanitize.ts";

export interface ImageOptions {
  image: string;
  maxSide?: number;
  format?: ImageFormat;
  dryRun?: boolean;
  out?: string;
  force?: boolean;
}

const EXTENSIONS: Record<ImageFormat, string> = { jpeg: ".jpg", webp: ".webp", png: ".png" };

/**
 * Sanitises and reports what was stripped; a dry run writes the clean copy and returns nothing,
 * otherwise the clean image is returned for sending as an attachment of kind image.
 */
export async function sanitizeForSend(
  inv: Invocation,
  options: ImageOptions,
): Promise<SanitizedImage | undefined> {
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
  if (inv.out.json) inv.out.result({ type: "stripped", ...summary }, "");
  else inv.out.note(`stripped: ${stripped}`);
  return clean;
}

/** The name the contact sees: the input's stem with the output format's extension. */
export function imageName(input: string, format: ImageFormat): string {
  const stem = input === "-" ? "image" : basename(input, extname(input));
  return `${stem}${EXTENSIONS[format]}`;
}

/** `photo.jpg` → `photo.clean.jpg` beside it (stdin: `image.clean.jpg` in the working dir). */
function cleanPath(input: string, format: ImageFormat): string {
  if (input === "-") return `image.clean${EXTENSIONS[format]}`;
  const stem = basename(input, extname(input));
  return join(dirname(input), `${stem}.clean${EXTENSIONS[format]}`);
}
