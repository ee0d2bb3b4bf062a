/** Fuzzing of the frame decoder and the padding (src/protocol/frame.ts, padding.ts). */
import { assertEquals } from "../support/assert.ts";
import { encodeFrame, FrameDecoder } from "../../src/protocol/frame.ts";
import { FrameError } from "../../src/protocol/frame_error.ts";
import { BUCKETS, MAX_CONTENT, pad, unpad } from "../../src/protocol/padding.ts";
import { attempt, bytes, chunk, concat, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

const isFrameError = (err: unknown) => err instanceof FrameError;

/** Feeds `chunks` and ends the stream; the frames decoded before any error, and that error. */
function decodeStream(chunks: readonly Uint8Array[], maxBody?: number) {
  const decoder = new FrameDecoder(maxBody);
  const frames: Uint8Array[] = [];
  const outcome = attempt(() => {
    for (const part of chunks) frames.push(...decoder.push(part));
    decoder.end();
  }, isFrameError);
  return { frames, outcome };
}

/** A small body cap keeps random headers that name a real bucket cheap to complete. */
const smallCap = fc.constantFrom(256, 1024, 4096);

fuzz(
  "FrameDecoder throws only FrameError on random chunks",
  fc.property(fc.array(bytes(1200), { maxLength: 6 }), smallCap, (chunks, cap) => {
    const { frames } = decodeStream(chunks, cap);
    for (const frame of frames) {
      if (frame.length > cap - 4) throw new Error(`content of ${frame.length} under a ${cap} cap`);
    }
  }),
);

fuzz(
  "FrameDecoder refuses a header over its cap before buffering the body",
  fc.property(fc.integer({ min: 257, max: 0xffffffff }), (length) => {
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, length);
    const decoder = new FrameDecoder(256);
    const result = attempt(() => decoder.push(header), isFrameError);
    if (!("error" in result) || (result.error as FrameError).reason !== "oversize") {
      throw new Error(`header ${length} was not refused as oversize`);
    }
  }),
);

fuzz(
  "unpad() throws only FrameError on random bodies and accepts only canonical ones",
  fc.property(
    fc.constantFrom(...BUCKETS.slice(0, 3), 255, 257, 0),
    fc.uint8Array({ maxLength: 8 }),
    fc.nat(),
    (size, prefix, fill) => {
      const body = new Uint8Array(size);
      body.set(prefix.subarray(0, size));
      if (size > 8 && fill % 3 === 0) body[size - 1 - (fill % 4)] = fill & 0xff;
      const result = attempt(() => unpad(body), isFrameError);
      if ("ok" in result && !sameBytes(pad(result.ok), body)) {
        throw new Error("an accepted body is not the canonical padding of its content");
      }
    },
  ),
);

const contents = fc.array(fc.uint8Array({ maxLength: 2000 }), { minLength: 1, maxLength: 4 });

fuzz(
  "mutated frame streams decode to FrameError or to contents that re-encode to the same bytes",
  fc.property(contents, mutations, (items, edits) => {
    const stream = mutate(concat(items.map(encodeFrame)), edits);
    const { frames, outcome } = decodeStream([stream]);
    // Framing carries no authentication, so a mutation inside content may be accepted: it must
    // then be the one canonical encoding of what was decoded.
    if ("ok" in outcome && !sameBytes(concat(frames.map(encodeFrame)), stream)) {
      throw new Error("an accepted stream is not the canonical encoding of its frames");
    }
  }),
);

fuzz(
  "encodeFrame() then FrameDecoder round-trips contents across any chunking",
  fc.property(contents, fc.array(fc.nat(), { maxLength: 8 }), (items, cuts) => {
    const { frames, outcome } = decodeStream(chunk(concat(items.map(encodeFrame)), cuts));
    if (!("ok" in outcome)) throw new Error("a valid stream was refused");
    assertEquals(frames, items);
  }),
);

Deno.test("the largest content fits one frame and one byte more does not", () => {
  const frame = encodeFrame(new Uint8Array(MAX_CONTENT));
  const { frames } = decodeStream([frame]);
  assertEquals(frames[0].length, MAX_CONTENT);
  const error = attempt(() => encodeFrame(new Uint8Array(MAX_CONTENT + 1)), isFrameError);
  assertEquals((error as { error: FrameError }).error.reason, "content_too_large");
});
