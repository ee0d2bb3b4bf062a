/**
 * The body of an image payload (payload type 3), until images travel as chunked files:
 *
 *   version (1) = 0x01 · format (1) 1 JPEG · 2 WebP · 3 PNG · width (4) · height (4) · image (…)
 *
 * (integers unsigned big-endian). The whole image must fit in one message: at most
 * {@link MAX_IMAGE_BYTES}, which leaves room for the payload header, libsignal's envelope and
 * the delivery frame's header inside one frame.
 */
import { MAX_CIPHERTEXT_BYTES } from "../protocol/delivery.ts";
import { HEADER_BYTES } from "../protocol/payload.ts";
import type { ImageFormat } from "./image_sanitize.ts";
import { MediaError } from "./media_error.ts";

export const IMAGE_BODY_VERSION = 1;
export const IMAGE_HEADER_BYTES = 10;
/** libsignal's envelope (keys, counters, MAC, CBC padding) takes well under 1 KiB. */
const ENVELOPE_MARGIN = 4096;
export const MAX_IMAGE_BYTES = MAX_CIPHERTEXT_BYTES - HEADER_BYTES - IMAGE_HEADER_BYTES -
  ENVELOPE_MARGIN;

const FORMAT_CODES: Record<ImageFormat, number> = { jpeg: 1, webp: 2, png: 3 };
const FORMATS = new Map(Object.entries(FORMAT_CODES).map(([k, v]) => [v, k as ImageFormat]));

export interface ImageBody {
  format: ImageFormat;
  width: number;
  height: number;
  bytes: Uint8Array;
}

export function encodeImageBody(image: ImageBody): Uint8Array {
  if (image.bytes.length > MAX_IMAGE_BYTES) throw new RangeError("image too large for one message");
  const out = new Uint8Array(IMAGE_HEADER_BYTES + image.bytes.length);
  const view = new DataView(out.buffer);
  out[0] = IMAGE_BODY_VERSION;
  out[1] = FORMAT_CODES[image.format];
  view.setUint32(2, image.width);
  view.setUint32(6, image.height);
  out.set(image.bytes, IMAGE_HEADER_BYTES);
  return out;
}

/** @throws {MediaError} `bad_body` for a short header, unknown version or format, or no image */
export function decodeImageBody(body: Uint8Array): ImageBody {
  if (body.length <= IMAGE_HEADER_BYTES || body[0] !== IMAGE_BODY_VERSION) {
    throw new MediaError("bad_body", "Cannot read the image message: malformed header");
  }
  const format = FORMATS.get(body[1]);
  if (!format) throw new MediaError("bad_body", `Cannot read the image message: format ${body[1]}`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return {
    format,
    width: view.getUint32(2),
    height: view.getUint32(6),
    bytes: body.subarray(IMAGE_HEADER_BYTES),
  };
}

/** The header alone (no copy of the image), for listings; undefined when malformed. */
export function imageInfo(
  body: Uint8Array,
): { format: ImageFormat; width: number; height: number; size: number } | undefined {
  try {
    const { format, width, height, bytes } = decodeImageBody(body);
    return { format, width, height, size: bytes.length };
  } catch {
    return undefined;
  }
}

/**
 * Receiving runs inside the store's one write transaction (the ratchet step and the stored message
 * commit together), so a hostile image must not hold it long: at most 40 MP (a one-message image
 * is ≤ 1 MiB; 40 MP is a 7,300 × 5,500 photo) and 5 s.
 */
export const RECEIVE_MAX_PIXELS = 40_000_000;
export const RECEIVE_TIMEOUT_SECONDS = 5;

/**
 * The receiver's check: decodes the body, sanitises the image again (whatever the sender's
 * software did) in the format it claims, and re-encodes the body with the real dimensions.
 *
 * @throws {MediaError} `bad_body`, or what {@link sanitizeImage} refuses
 */
export async function resanitizeImageBody(body: Uint8Array): Promise<Uint8Array> {
  const { sanitizeImage } = await import("./image_sanitize.ts");
  const claimed = decodeImageBody(body);
  const clean = await sanitizeImage(claimed.bytes, {
    format: claimed.format,
    maxInputPixels: RECEIVE_MAX_PIXELS,
    timeoutSeconds: RECEIVE_TIMEOUT_SECONDS,
  });
  if (clean.bytes.length > MAX_IMAGE_BYTES) {
    throw new MediaError(
      "too_large",
      "Cannot use the image: larger than one message once re-encoded",
    );
  }
  return encodeImageBody(clean);
}
