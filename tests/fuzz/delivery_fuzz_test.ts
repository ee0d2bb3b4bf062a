/** Fuzzing of delivery and ack messages (src/protocol/delivery.ts). */
import { assertEquals } from "../support/assert.ts";
import {
  AckStatus,
  decodeDelivery,
  type DeliveryMessage,
  encodeDelivery,
} from "../../src/protocol/delivery.ts";
import { isDeliveryError } from "../../src/protocol/delivery_error.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const message: fc.Arbitrary<DeliveryMessage> = fc.oneof(
  fc.record({
    kind: fc.constant("deliver" as const),
    id,
    ciphertext: fc.uint8Array({ minLength: 1, maxLength: 600 }),
  }),
  fc.record({
    kind: fc.constant("deliver_group" as const),
    id,
    envelope: fc.uint8Array({ minLength: 1, maxLength: 600 }),
  }),
  fc.record({
    kind: fc.constant("ack" as const),
    id,
    status: fc.constantFrom(...Object.values(AckStatus)),
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  }),
);

function decode(input: Uint8Array) {
  return attempt(() => decodeDelivery(input), isDeliveryError);
}

fuzz(
  "decodeDelivery() throws only DeliveryError on random bytes",
  fc.property(
    bytes(),
    fc.constantFrom(undefined, 0x01, 0x02, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26),
    (input, kind) => {
      if (kind !== undefined && input.length > 0) input[0] = kind;
      const result = decode(input);
      if ("ok" in result && !sameBytes(encodeDelivery(result.ok), input)) {
        throw new Error("an accepted message is not the encoding of what was decoded");
      }
    },
  ),
);

fuzz(
  "mutated delivery messages decode to DeliveryError or to their own canonical encoding",
  fc.property(message, mutations, (original, edits) => {
    const input = mutate(encodeDelivery(original), edits);
    const result = decode(input);
    if ("ok" in result && !sameBytes(encodeDelivery(result.ok), input)) {
      throw new Error("an accepted message is not the encoding of what was decoded");
    }
  }),
);

fuzz(
  "encodeDelivery() then decodeDelivery() round-trips",
  fc.property(message, (original) => {
    assertEquals(decodeDelivery(encodeDelivery(original)), { ...original });
  }),
);

fuzz(
  "decodeDelivery() on a deliver_group prefix: DeliveryError, or the same id and envelope back",
  fc.property(id, bytes(), (messageId, rest) => {
    const input = new Uint8Array([0x23, ...messageId, ...rest]);
    const result = decode(input);
    if (!("ok" in result)) return;
    const message = result.ok;
    if (message.kind !== "deliver_group") throw new Error(`decoded as ${message.kind}`);
    if (!sameBytes(message.id, messageId) || !sameBytes(message.envelope, rest)) {
      throw new Error("a deliver_group decoded to other bytes than it carries");
    }
  }),
);
