import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder, HEADER_BYTES } from "../../../src/protocol/frame.ts";
import { FrameError, type FrameErrorReason } from "../../../src/protocol/frame_error.ts";
import { MAX_BODY } from "../../../src/protocol/padding.ts";

function header(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

function fails(reason: FrameErrorReason) {
  return (err: unknown) => err instanceof FrameError && err.reason === reason;
}

Deno.test("encodeFrame() writes a big-endian body length then the padded body", () => {
  const frame = encodeFrame(new TextEncoder().encode("hi"));
  assert.equal(frame.length, HEADER_BYTES + 256);
  assert.deepEqual(frame.subarray(0, 8), new Uint8Array([0, 0, 1, 0, 0, 0, 0, 2]));
  assert.deepEqual(frame.subarray(8, 10), new TextEncoder().encode("hi"));
});

Deno.test("FrameDecoder round-trips frames however the stream is chunked", () => {
  const contents = [0, 1, 252, 253, 4000, 100_000].map((n) =>
    new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff)
  );
  const stream = new Uint8Array(
    contents.map(encodeFrame).reduce((acc, f) => [...acc, ...f], [] as number[]),
  );
  for (const chunkSize of [1, 3, 4, 5, 257, 65536, stream.length]) {
    const decoder = new FrameDecoder();
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += chunkSize) {
      out.push(...decoder.push(stream.subarray(i, i + chunkSize)));
    }
    decoder.end();
    assert.deepEqual(out, contents, `chunk size ${chunkSize}`);
  }
});

Deno.test("FrameDecoder rejects an oversize frame from its 4-byte header alone", () => {
  const decoder = new FrameDecoder(1024);
  // No body byte follows: the decision is made before anything of the body is buffered.
  assert.throws(() => decoder.push(header(4096)), fails("oversize"));
});

Deno.test("FrameDecoder rejects a 4 GiB header at the default cap without allocating it", () => {
  const decoder = new FrameDecoder();
  assert.throws(() => decoder.push(header(0xffffffff)), fails("oversize"));
  assert.throws(() => new FrameDecoder().push(header(MAX_BODY + 1)), fails("oversize"));
});

Deno.test("FrameDecoder rejects a body length that is not a bucket", () => {
  assert.throws(() => new FrameDecoder().push(header(300)), fails("not_a_bucket"));
  assert.throws(() => new FrameDecoder().push(header(0)), fails("not_a_bucket"));
});

Deno.test("FrameDecoder rejects a bad content length inside the body", () => {
  const frame = encodeFrame(new Uint8Array(5));
  new DataView(frame.buffer).setUint32(4, 1000);
  assert.throws(() => new FrameDecoder().push(frame), fails("bad_content_length"));
});

Deno.test("FrameDecoder rejects non-zero padding", () => {
  const frame = encodeFrame(new Uint8Array(5));
  frame[frame.length - 1] = 0x80;
  assert.throws(() => new FrameDecoder().push(frame), fails("bad_padding"));
});

Deno.test("FrameDecoder.end() reports a frame cut off in its header or body", () => {
  const frame = encodeFrame(new Uint8Array(5));
  for (const cut of [1, 3, 4, 100]) {
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(frame.subarray(0, cut)), []);
    assert.throws(() => decoder.end(), fails("truncated"));
  }
  const clean = new FrameDecoder();
  clean.push(frame);
  clean.end();
});

Deno.test("FrameDecoder stays failed after its first error", () => {
  const decoder = new FrameDecoder();
  assert.throws(() => decoder.push(header(300)));
  assert.throws(() => decoder.push(encodeFrame(new Uint8Array(1))), FrameError);
});

Deno.test("FrameDecoder.setMaxBody() raises the cap for later frames", () => {
  const decoder = new FrameDecoder(256);
  assert.equal(decoder.push(encodeFrame(new Uint8Array(10))).length, 1);
  decoder.setMaxBody(MAX_BODY);
  assert.equal(decoder.push(encodeFrame(new Uint8Array(5000))).length, 1);
  assert.throws(() => decoder.setMaxBody(MAX_BODY + 1), RangeError);
});
