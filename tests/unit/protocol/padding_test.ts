import assert from "node:assert/strict";
import {
  bucketFor,
  BUCKETS,
  MAX_BODY,
  MAX_CONTENT,
  pad,
  unpad,
} from "../../../src/protocol/padding.ts";
import { FrameError } from "../../../src/protocol/frame_error.ts";

Deno.test("bucketFor() picks the smallest bucket that fits content plus its length prefix", () => {
  assert.equal(bucketFor(0), 256);
  assert.equal(bucketFor(252), 256);
  assert.equal(bucketFor(253), 1024);
  assert.equal(bucketFor(1020), 1024);
  assert.equal(bucketFor(1021), 4096);
  assert.equal(bucketFor(MAX_CONTENT), MAX_BODY);
});

Deno.test("bucketFor() rejects content over the cap as content_too_large", () => {
  assert.throws(
    () => bucketFor(MAX_CONTENT + 1),
    (err) => err instanceof FrameError && err.reason === "content_too_large",
  );
});

Deno.test("pad() output is always a bucket size and unpad() restores the content", () => {
  for (const length of [0, 1, 100, 252, 253, 5000, 70_000, MAX_CONTENT]) {
    const content = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
    const body = pad(content);
    assert.ok(BUCKETS.includes(body.length), `bucket for ${length}`);
    assert.deepEqual(unpad(body), content);
  }
});

Deno.test("contents of different lengths in one bucket are indistinguishable by size", () => {
  assert.equal(pad(new Uint8Array(1)).length, pad(new Uint8Array(250)).length);
});

Deno.test("unpad() rejects a body that is not a bucket size", () => {
  assert.throws(
    () => unpad(new Uint8Array(300)),
    (err) => err instanceof FrameError && err.reason === "not_a_bucket",
  );
});

Deno.test("unpad() rejects a content length beyond the body", () => {
  const body = pad(new Uint8Array(10));
  new DataView(body.buffer).setUint32(0, 253);
  assert.throws(
    () => unpad(body),
    (err) => err instanceof FrameError && err.reason === "bad_content_length",
  );
});

Deno.test("unpad() rejects non-zero padding", () => {
  const body = pad(new Uint8Array(10));
  body[200] = 1;
  assert.throws(
    () => unpad(body),
    (err) => err instanceof FrameError && err.reason === "bad_padding",
  );
});

Deno.test("unpad() rejects content carried in a larger bucket than it needs", () => {
  // Found by tests/fuzz: a 1024-byte body holding 0 bytes was accepted, so the same content had
  // several encodings (and a peer could pick its bucket sizes freely).
  for (const [length, bucket] of [[0, 1024], [252, 1024], [253, 4096], [1020, 4096]]) {
    const body = new Uint8Array(bucket);
    new DataView(body.buffer).setUint32(0, length);
    assert.throws(
      () => unpad(body),
      (err) => err instanceof FrameError && err.reason === "bad_padding",
      `${length} bytes in ${bucket}`,
    );
  }
  const fits = new Uint8Array(1024);
  new DataView(fits.buffer).setUint32(0, 253);
  assert.equal(unpad(fits).length, 253);
});
