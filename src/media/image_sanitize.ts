/**
 * Image sanitising: decode a raster image with sharp (libvips) and encode a fresh one, so that no
 * byte of the input's containers survives — EXIF (GPS, camera, dates, thumbnail), XMP, IPTC,
 * comments, extra segments, and the ICC profile (pixels are converted to sRGB with it first).
 * The sender runs it before sending and the receiver again before storing, so a modified sender
 * can neither smuggle metadata nor hand a viewer anything but a plain JPEG/WebP/PNG.
 *
 * Refused with a {@link MediaError}: anything that is not a raster image by its magic bytes (SVG,
 * HTML, PDF, text), a raster file with foreign content embedded (polyglots), anything libvips
 * does not decode cleanly (truncated, corrupt), more than {@link MAX_INPUT_PIXELS} pixels or
 * {@link MAX_INPUT_BYTES} bytes.
 *
 * Decoding and encoding run on sharp's own threads (libuv pool): the caller's event loop only
 * waits on a promise, and a decode that takes longer than {@link SANITIZE_TIMEOUT_SECONDS} fails.
 */
import sharp, { type Metadata, type OutputInfo } from "sharp";
import { exifTagNames } from "./exif_tags.ts";
import { embeddedForeign, type RasterFormat, sniffImage } from "./image_sniff.ts";
import { jpegExtraSegments } from "./jpeg_segments.ts";
import { MediaError } from "./media_error.ts";

export type ImageFormat = "jpeg" | "webp" | "png";
export const IMAGE_FORMATS: readonly ImageFormat[] = ["jpeg", "webp", "png"];

export interface SanitizeOptions {
  /** Output format; default JPEG, or PNG when the input has an alpha channel. */
  format?: ImageFormat;
  /** Longest side of the output in pixels (never enlarged). */
  maxSide?: number;
  /** Refuse inputs with more pixels (default and ceiling {@link MAX_INPUT_PIXELS}). */
  maxInputPixels?: number;
  /** Fail a decode + encode that takes longer (default {@link SANITIZE_TIMEOUT_SECONDS}). */
  timeoutSeconds?: number;
}

export interface SanitizedImage {
  bytes: Uint8Array;
  format: ImageFormat;
  width: number;
  height: number;
  /** What the input carried and the output does not, by name (`GPS`, `Make`, `XMP`, …). */
  stripped: string[];
}

/** sharp's limitInputPixels: 100 MP (a 12 MP phone photo is far below; a decompression bomb not). */
export const MAX_INPUT_PIXELS = 100_000_000;
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
export const SANITIZE_TIMEOUT_SECONDS = 30;

/** What sharp's metadata().format says for each sniffed family. */
const SHARP_FORMAT: Record<RasterFormat, string> = {
  jpeg: "jpeg",
  png: "png",
  webp: "webp",
  gif: "gif",
  heif: "heif",
  avif: "heif",
  tiff: "tiff",
};

sharp.cache(false); // nothing decoded outlives a call

/**
 * Re-encodes `bytes` as a metadata-free image, upright (EXIF orientation applied).
 *
 * @throws {MediaError} `not_an_image`, `polyglot`, `undecodable` or `too_large`
 * @example
 * const clean = await sanitizeImage(await Deno.readFile("photo.jpg"), { maxSide: 2048 });
 * console.log(clean.stripped); // ["Make", "Model", "GPS", "XMP"]
 */
export async function sanitizeImage(
  bytes: Uint8Array,
  options: SanitizeOptions = {},
): Promise<SanitizedImage> {
  const { format: wanted, maxSide } = options;
  const maxPixels = Math.min(options.maxInputPixels ?? MAX_INPUT_PIXELS, MAX_INPUT_PIXELS);
  const seconds = options.timeoutSeconds ?? SANITIZE_TIMEOUT_SECONDS;
  if (wanted !== undefined && !IMAGE_FORMATS.includes(wanted)) {
    throw new RangeError(`unknown image format ${wanted}`);
  }
  if (maxSide !== undefined && (!Number.isSafeInteger(maxSide) || maxSide < 1)) {
    throw new RangeError("maxSide must be a positive integer");
  }
  if (bytes.length > MAX_INPUT_BYTES) {
    fail("too_large", `larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
  }
  const sniffed = sniffImage(bytes);
  if (!sniffed) {
    fail("not_an_image", "not a JPEG, PNG, WebP, GIF, HEIF/AVIF or TIFF image", {
      hint: "only raster images are sent as images; send anything else as a file",
    });
  }
  const foreign = embeddedForeign(bytes);
  if (foreign) fail("polyglot", `the ${sniffed} file also carries ${FOREIGN[foreign]}`);

  const input = () =>
    sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: "warning",
      animated: false,
      sequentialRead: true,
    }).timeout({ seconds });

  let meta: Metadata;
  try {
    meta = await input().metadata();
  } catch (err) {
    if (/pixel limit/.test(String(err))) {
      fail("too_large", `more than ${maxPixels / 1e6} MP`);
    }
    fail("undecodable", `cannot decode the ${sniffed} image`, { cause: err });
  }
  if (meta.format !== SHARP_FORMAT[sniffed]) {
    fail("undecodable", `starts like ${sniffed} but decodes as ${meta.format ?? "nothing"}`);
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > maxPixels) {
    fail("too_large", `more than ${maxPixels / 1e6} MP`);
  }
  const format = wanted ?? (meta.hasAlpha ? "png" : "jpeg");

  let pipeline = input().rotate().toColourspace("srgb");
  if (maxSide !== undefined) {
    pipeline = pipeline.resize({
      width: maxSide,
      height: maxSide,
      fit: "inside",
      withoutEnlargement: true,
    });
  }
  if (format === "jpeg") {
    pipeline = pipeline.flatten({ background: "#ffffff" }).jpeg({ quality: 85 });
  } else if (format === "webp") pipeline = pipeline.webp({ quality: 82 });
  else pipeline = pipeline.png({ compressionLevel: 6 });

  let out: { data: Uint8Array; info: OutputInfo };
  try {
    out = await pipeline.toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (/pixel limit/.test(String(err))) {
      fail("too_large", `more than ${maxPixels / 1e6} MP`);
    }
    fail("undecodable", `cannot decode the ${sniffed} image`, { cause: err });
  }
  const bytesOut = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  await assertClean(bytesOut);
  return {
    bytes: bytesOut,
    format,
    width: out.info.width,
    height: out.info.height,
    stripped: strippedNames(bytes, sniffed, meta),
  };
}

const FOREIGN = { markup: "HTML/SVG markup", pdf: "a PDF document", zip: "a ZIP archive" };

/** The names of the metadata the input carried (all of it is dropped by re-encoding). */
function strippedNames(bytes: Uint8Array, format: RasterFormat, meta: Metadata): string[] {
  const names: string[] = [];
  if (meta.exif) names.push(...exifTagNames(meta.exif));
  if (meta.xmp) names.push("XMP");
  if (meta.iptc) names.push("IPTC");
  if (meta.icc) names.push("ICC profile");
  for (const comment of meta.comments ?? []) names.push(`Comment (${comment.keyword})`);
  if (format === "jpeg") names.push(...jpegExtraSegments(bytes));
  return [...new Set(names)];
}

/** Defence in depth: the encoder must not have written any metadata block. */
async function assertClean(bytes: Uint8Array): Promise<void> {
  const meta = await sharp(bytes).metadata();
  const left = [meta.exif && "EXIF", meta.xmp && "XMP", meta.iptc && "IPTC", meta.icc && "ICC"]
    .filter(Boolean);
  if (left.length > 0) throw new Error(`sanitised image still carries ${left.join(", ")}`);
}

function fail(
  reason: MediaError["reason"],
  message: string,
  options: { hint?: string; cause?: unknown } = {},
): never {
  throw new MediaError(reason, `Cannot use the image: ${message}`, options);
}
