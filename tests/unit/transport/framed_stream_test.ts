import assert from "node:assert/strict";
import { FramedStream } from "../../../src/transport/framed_stream.ts";
import { memoryChannelPair } from "../../../src/transport/memory_transport.ts";
import { StreamError, type StreamErrorReason } from "../../../src/transport/stream_error.ts";
import { encodeFrame } from "../../../src/protocol/frame.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function reason(expected: StreamErrorReason) {
  return (err: unknown) => err instanceof StreamError && err.reason === expected;
}

function pair(options = {}) {
  const [a, b] = memoryChannelPair();
  return { left: new FramedStream(a, options), right: new FramedStream(b, options), raw: a };
}

Deno.test("FramedStream carries frames both ways in order", async () => {
  const { left, right } = pair();
  await left.send(bytes("one"));
  await left.send(bytes("two"));
  await right.send(bytes("back"));
  assert.deepEqual(await right.receive(), bytes("one"));
  assert.deepEqual(await right.receive(), bytes("two"));
  assert.deepEqual(await left.receive(), bytes("back"));
  left.close();
  right.close();
});

Deno.test("FramedStream.receive() times out and the stream stays usable", async () => {
  const { left, right } = pair();
  await assert.rejects(() => right.receive({ timeoutMs: 20 }), reason("timeout"));
  await left.send(bytes("late"));
  assert.deepEqual(await right.receive(), bytes("late"));
  left.close();
  right.close();
});

Deno.test("FramedStream reports a clean close after delivering queued frames", async () => {
  const { left, right } = pair();
  await left.send(bytes("last words"));
  left.close();
  assert.deepEqual(await right.receive(), bytes("last words"));
  await assert.rejects(() => right.receive(), reason("closed"));
  assert.equal((await right.closed).reason, "closed");
});

Deno.test("FramedStream tears down on an oversize header and reports a protocol error", async () => {
  const [a, b] = memoryChannelPair();
  const right = new FramedStream(b, { maxBody: 1024 });
  const header = new Uint8Array([0, 0x10, 0, 0]); // 1 MiB body announced
  await a.write(header);
  await assert.rejects(() => right.receive(), reason("protocol"));
  a.destroy();
});

Deno.test("FramedStream reports a frame cut off by the peer as a protocol error", async () => {
  const [a, b] = memoryChannelPair();
  const right = new FramedStream(b);
  await a.write(encodeFrame(bytes("x")).subarray(0, 10));
  a.close();
  await assert.rejects(() => right.receive(), reason("protocol"));
});

Deno.test("FramedStream tears down an idle stream", async () => {
  const [a, b] = memoryChannelPair();
  const left = new FramedStream(a);
  const right = new FramedStream(b, { idleTimeoutMs: 30 });
  assert.equal((await right.closed).reason, "idle");
  await assert.rejects(() => right.send(bytes("too late")), reason("idle"));
  assert.equal((await left.closed).reason, "reset");
});

Deno.test("FramedStream reports a reset when the peer destroys the connection", async () => {
  const { left, right } = pair();
  const pending = right.receive();
  left.destroy();
  await assert.rejects(() => pending, reason("reset"));
});

Deno.test("FramedStream pauses reading when too many frames wait, and resumes", async () => {
  const { left, right } = pair({ maxQueuedFrames: 2 });
  for (let i = 0; i < 5; i++) await left.send(bytes(`f${i}`));
  for (let i = 0; i < 5; i++) assert.deepEqual(await right.receive(), bytes(`f${i}`));
  left.close();
  right.close();
});

Deno.test("FramedStream.send() fails after close()", async () => {
  const { left, right } = pair();
  left.close();
  await assert.rejects(() => left.send(bytes("x")), reason("local"));
  right.close();
});
