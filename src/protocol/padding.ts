/**
 * Length-hiding padding: every frame body is exactly one of a few fixed bucket sizes, so an
 * observer of the (already encrypted) Tor stream learns only which bucket a message fell into.
 *
 *   body = content_length (u32, big-endian) || content || zero bytes up to the bucket size
 *
 * Buckets are powers of four from 256 B to 1 MiB; the largest bucket is also the hard frame cap.
 * The bucket must be the smallest that fits and the padding must be all zeros: any other body is
 * rejected (`bad_padding`), so every content has exactly one encoding.
 */
import { FrameError } from "./frame_error.ts";

/** Allowed body sizes, ascending. */
export const BUCKETS: readonly number[] = [256, 1024, 4096, 16384, 65536, 262144, 1048576];

/** The hard cap on a frame body (the largest bucket). */
export const MAX_BODY = BUCKETS[BUCKETS.length - 1];

/** Bytes of the content-length prefix inside a body. */
export const CONTENT_LENGTH_BYTES = 4;

/** The largest content one frame can carry. */
export const MAX_CONTENT = MAX_BODY - CONTENT_LENGTH_BYTES;

/** The smallest bucket that fits `contentLength` bytes of content plus its length prefix. */
export function bucketFor(contentLength: number): number {
  if (!Number.isInteger(contentLength) || contentLength < 0) {
    throw new RangeError("contentLength must be a non-negative integer");
  }
  const needed = contentLength + CONTENT_LENGTH_BYTES;
  for (const size of BUCKETS) if (needed <= size) return size;
  throw new FrameError(
    "content_too_large",
    `Content of ${contentLength} bytes exceeds the ${MAX_CONTENT}-byte frame limit`,
  );
}

/** True when `size` is one of the bucket sizes. */
export function isBucket(size: number): boolean {
  return BUCKETS.includes(size);
}

/**
 * Pads `content` into a body of the smallest fitting bucket.
 * @throws {FrameError} `content_too_large` when it exceeds {@link MAX_CONTENT}
 */
export function pad(content: Uint8Array): Uint8Array {
  const body = new Uint8Array(bucketFor(content.length));
  new DataView(body.buffer).setUint32(0, content.length);
  body.set(content, CONTENT_LENGTH_BYTES);
  return body;
}

/**
 * Returns the content of a padded body (a view, not a copy).
 * @throws {FrameError} `not_a_bucket`, `bad_content_length` or `bad_padding`
 */
export function unpad(body: Uint8Array): Uint8Array {
  if (!isBucket(body.length)) {
    throw new FrameError("not_a_bucket", `Frame body of ${body.length} bytes is not a bucket size`);
  }
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
  if (length > body.length - CONTENT_LENGTH_BYTES) {
    throw new FrameError(
      "bad_content_length",
      `Content length ${length} does not fit a ${body.length}-byte body`,
    );
  }
  if (bucketFor(length) !== body.length) {
    throw new FrameError("bad_padding", `Content of ${length} bytes would fit a smaller bucket`);
  }
  const end = CONTENT_LENGTH_BYTES + length;
  // Padding is not secret, but a non-canonical body is a protocol violation.
  for (let i = end; i < body.length; i++) {
    if (body[i] !== 0) throw new FrameError("bad_padding", "Frame padding is not all zeros");
  }
  return body.subarray(CONTENT_LENGTH_BYTES, end);
}
