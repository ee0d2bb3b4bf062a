/** Fuzzing of the end-to-end payload (src/protocol/payload.ts). */
import { assertEquals } from "../support/assert.ts";
import {
  clampTtl,
  decodePayload,
  encodePayload,
  HEADER_BYTES,
  type Payload,
  PayloadType,
} from "../../src/protocol/payload.ts";
import { isPayloadError } from "../../src/protocol/payload_error.ts";
import { encodeIds, encodeReceipt, ReceiptKind } from "../../src/protocol/control.ts";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "../../src/protocol/timestamp.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const idList = fc.array(id, { minLength: 1, maxLength: 8 });
const createdAt = fc.integer({ min: MIN_TIMESTAMP_MS, max: MAX_TIMESTAMP_MS - 1 });

/** A payload any honest sender could produce: control types carry well-formed id lists. */
const payload: fc.Arbitrary<Payload> = fc.oneof(
  fc.record({
    type: fc.constantFrom(
      PayloadType.text,
      PayloadType.file,
      PayloadType.image,
      PayloadType.voice,
      PayloadType.group,
    ),
    body: fc.uint8Array({ maxLength: 300 }),
  }),
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
