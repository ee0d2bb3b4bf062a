/**
 * Framing of a byte stream (one Tor stream carries a sequence of frames):
 *
 *   frame = body_length (u32, big-endian) || body        body: see padding.ts
 *
 * `body_length` must be a bucket size no larger than the decoder's cap. The decoder checks the
 * 4-byte header as soon as it arrives, so an oversize frame is rejected before a single byte of its
 * body is buffered or any buffer of its declared size is allocated.
 */
import { FrameError } from "./frame_error.ts";
import { isBucket, MAX_BODY, pad, unpad } from "./padding.ts";

/** Bytes of the frame header. */
export const HEADER_BYTES = 4;

/** Encodes one frame: header plus padded body. */
export function encodeFrame(content: Uint8Array): Uint8Array {
  const body = pad(content);
  const frame = new Uint8Array(HEADER_BYTES + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, HEADER_BYTES);
  return frame;
}

/**
 * Incremental frame decoder: feed it chunks as they arrive, get back whole frame contents.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder();
 * const contents = decoder.push(chunk); // zero or more Uint8Array
 * decoder.end();                        // throws "truncated" if a frame was cut off
 * ```
 */
export class FrameDecoder {
  #maxBody: number;
  #header = new Uint8Array(HEADER_BYTES);
  #headerFill = 0;
  #body: Uint8Array | undefined;
  #bodyFill = 0;
  #failed = false;

  /** @param maxBody the cap on a body (default and upper bound: {@link MAX_BODY}) */
  constructor(maxBody: number = MAX_BODY) {
    this.#maxBody = checkCap(maxBody);
  }

  /** Lowers or raises the cap for the frames that follow (e.g. after a small first frame). */
  setMaxBody(maxBody: number): void {
    this.#maxBody = checkCap(maxBody);
  }

  /** True while part of a frame is buffered. */
  get pending(): boolean {
    return this.#headerFill > 0 || this.#body !== undefined;
  }

  /**
   * Consumes `chunk` and returns the contents of every frame it completes.
   * @throws {FrameError} on the first malformed frame; the decoder is unusable afterwards
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed) throw new FrameError("truncated", "Decoder already failed");
    const out: Uint8Array[] = [];
    let offset = 0;
    try {
      while (offset < chunk.length) {
        if (this.#body === undefined) {
          const take = Math.min(HEADER_BYTES - this.#headerFill, chunk.length - offset);
          this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill);
          this.#headerFill += take;
          offset += take;
          if (this.#headerFill < HEADER_BYTES) break;
          this.#body = new Uint8Array(this.#checkLength());
          this.#bodyFill = 0;
          this.#headerFill = 0;
        }
        const take = Math.min(this.#body.length - this.#bodyFill, chunk.length - offset);
        this.#body.set(chunk.subarray(offset, offset + take), this.#bodyFill);
        this.#bodyFill += take;
        offset += take;
        if (this.#bodyFill === this.#body.length) {
          out.push(unpad(this.#body));
          this.#body = undefined;
        }
      }
    } catch (err) {
      this.#failed = true;
      this.#body = undefined;
      throw err;
    }
    return out;
  }

  /** Call at end of stream. @throws {FrameError} `truncated` when a frame is incomplete */
  end(): void {
    if (this.pending) {
      this.#failed = true;
      throw new FrameError("truncated", "Stream ended in the middle of a frame");
    }
  }

  /** Validates the header before anything of the body is allocated. */
  #checkLength(): number {
    const length = new DataView(this.#header.buffer).getUint32(0);
    if (length > this.#maxBody) {
      throw new FrameError(
        "oversize",
        `Frame of ${length} bytes exceeds the ${this.#maxBody}-byte limit`,
      );
    }
    if (!isBucket(length)) {
      throw new FrameError("not_a_bucket", `Frame body of ${length} bytes is not a bucket size`);
    }
    return length;
  }
}

function checkCap(maxBody: number): number {
  if (!Number.isInteger(maxBody) || maxBody < 1 || maxBody > MAX_BODY) {
    throw new RangeError(`maxBody must be an integer in 1..${MAX_BODY}`);
  }
  return maxBody;
}
