/** Fuzzing of the end-to-end payload (src/protocol/payload.ts). */
import { assertEquals } from "../support/assert.ts";
import {
  attachmentType,
  clampTtl,
  decodePayload,
  encodePayload,
  HEADER_BYTES,
  type Payload,
  PayloadType,
} from "../../src/protocol/payload.ts";
import { encodeDescriptor, type FileDescriptor } from "../../src/protocol/file_descriptor.ts";
import { isPayloadError } from "../../src/protocol/payload_error.ts";
import { encodeIds, encodeReceipt, ReceiptKind } from "../../src/protocol/control.ts";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "../../src/protocol/timestamp.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const idList = fc.array(id, { minLength: 1, maxLength: 8 });
const createdAt = fc.integer({ min: MIN_TIMESTAMP_MS, max: MAX_TIMESTAMP_MS - 1 });

/** A descriptor any honest sender could produce. */
const descriptor: fc.Arbitrary<FileDescriptor> = fc.record({
  kind: fc.constantFrom("file" as const, "image" as const, "voice" as const),
  key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  header: fc.uint8Array({ minLength: 24, maxLength: 24 }),
  size: fc.integer({ min: 0, max: 2 ** 40 }),
  sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  durationMs: fc.integer({ min: 0, max: 0xffffffff }),
  width: fc.integer({ min: 0, max: 0xffffffff }),
  height: fc.integer({ min: 1, max: 0xffffffff }),
  mime: fc.constantFrom("application/octet-stream", "audio/ogg", "image/jpeg", "text/plain"),
  // deno-lint-ignore no-control-regex
  name: fc.string({ maxLength: 60 }).map((n) => n.replace(/[\u0000-\u001f\u007f-\u009f]/g, "_")),
}).map((d) => ({
  ...d,
  durationMs: d.kind === "voice" ? d.durationMs : 0,
  width: d.kind === "image" ? d.width : 0,
  height: d.kind === "image" && d.width > 0 ? d.height : 0,
}));

/** A payload any honest sender could produce: control types carry well-formed id lists. */
const payload: fc.Arbitrary<Payload> = fc.oneof(
  fc.record({
    type: fc.constantFrom(PayloadType.text, PayloadType.group),
    body: fc.uint8Array({ maxLength: 300 }),
  }),
  descriptor.map((d) => ({ type: attachmentType(d.kind), body: encodeDescriptor(d) })),
  fc.record({
    type: fc.constant(PayloadType.receipt),
    body: fc.tuple(fc.constantFrom(ReceiptKind.read, ReceiptKind.burned), idList)
      .map(([kind, ids]) => encodeReceipt(kind, ids)),
  }),
  fc.record({ type: fc.constant(PayloadType.burn), body: idList.map(encodeIds) }),
).chain(({ type, body }) =>
  fc.record({
    type: fc.constant(type),
    body: fc.constant(body),
    id,
    createdAt,
    ttlSeconds: fc.integer({ min: 60, max: 30 * 86_400 }),
    burn: fc.boolean(),
  })
);

/** Everything the receiver does with a decoded payload must work on anything decoded. */
function checkAccepted(decoded: Payload, input: Uint8Array): void {
  new Date(decoded.createdAt).toISOString(); // the 8.7e15 bug threw here, far from the decoder
  const expected = input.slice();
  const view = new DataView(expected.buffer);
  view.setUint32(27, clampTtl(view.getUint32(27)));
  if (!sameBytes(encodePayload(decoded), expected)) {
    throw new Error("an accepted payload does not re-encode to its bytes (TTL clamped)");
  }
}

function decode(input: Uint8Array) {
  return attempt(() => decodePayload(input), isPayloadError);
}

fuzz(
  "decodePayload() throws only PayloadError on random bytes",
  fc.property(
    bytes(),
    fc.nat({ max: 7 }),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    (input, type, time) => {
      // Half the inputs get a plausible header so the later checks are reached too.
      if (type > 0 && input.length >= HEADER_BYTES) {
        input[0] = 1;
        input[1] = type;
        input[2] &= 1;
        new DataView(input.buffer).setBigUint64(19, time);
      }
      const result = decode(input);
      if ("ok" in result) checkAccepted(result.ok, input);
    },
  ),
);

fuzz(
  "mutated payloads decode to PayloadError or to a payload the receiver can store",
  fc.property(payload, mutations, (original, edits) => {
    const input = mutate(encodePayload(original), edits);
    const result = decode(input);
    if ("ok" in result) checkAccepted(result.ok, input);
  }),
);

fuzz(
  "encodePayload() then decodePayload() round-trips",
  fc.property(payload, (original) => {
    assertEquals(decodePayload(encodePayload(original)), { ...original });
  }),
);
