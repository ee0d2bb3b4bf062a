/**
 * Fuzzing of attachment descriptors (src/protocol/file_descriptor.ts) and of the chunk delivery
 * kinds (`chunks`, `have`, `query` in src/protocol/delivery.ts): random and mutated input only
 * ever throws their own errors, and whatever decodes re-encodes to the same bytes.
 */
import { assertEquals } from "../support/assert.ts";
import {
  decodeDescriptor,
  encodeDescriptor,
  type FileDescriptor,
} from "../../src/protocol/file_descriptor.ts";
import { isPayloadError } from "../../src/protocol/payload_error.ts";
import {
  decodeDelivery,
  type DeliveryMessage,
  encodeDelivery,
  TransferStatus,
} from "../../src/protocol/delivery.ts";
import { isDeliveryError } from "../../src/protocol/delivery_error.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

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

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const chunkMessage: fc.Arbitrary<DeliveryMessage> = fc.oneof(
  fc.record({
    kind: fc.constant("chunks" as const),
    id,
    first: fc.integer({ min: 0, max: 100_000 }),
    chunks: fc.array(fc.uint8Array({ minLength: 17, maxLength: 200 }), {
      minLength: 1,
      maxLength: 15,
    }),
  }),
  fc.record({
    kind: fc.constant("have" as const),
    id,
    status: fc.constantFrom(...Object.values(TransferStatus)),
    have: fc.integer({ min: 0, max: 0xffffffff }),
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  }),
  fc.record({ kind: fc.constant("query" as const), id }),
);

fuzz(
  "decodeDescriptor() round-trips what an honest sender encodes",
  fc.property(descriptor, (d) => {
    assertEquals(decodeDescriptor(encodeDescriptor(d)), { ...d });
  }),
);

fuzz(
  "decodeDescriptor() throws only PayloadError on random or mutated bytes; what it accepts re-encodes exactly",
  fc.property(
    fc.oneof(
      bytes(),
      fc.tuple(descriptor, mutations).map(([d, m]) => mutate(encodeDescriptor(d), m)),
    ),
    (input) => {
      const result = attempt(() => decodeDescriptor(input), isPayloadError);
      if ("ok" in result && !sameBytes(encodeDescriptor(result.ok), input)) {
        throw new Error("an accepted descriptor is not the encoding of what was decoded");
      }
    },
  ),
);

fuzz(
  "decodeDelivery() round-trips chunks, have and query",
  fc.property(chunkMessage, (m) => {
    assertEquals(decodeDelivery(encodeDelivery(m)), { ...m });
  }),
);

fuzz(
  "decodeDelivery() throws only DeliveryError on mutated chunk messages; accepted ones re-encode",
  fc.property(
    fc.oneof(
      fc.tuple(chunkMessage, mutations).map(([m, e]) => mutate(encodeDelivery(m), e)),
      bytes().map((b) => {
        if (b.length > 0) b[0] = 0x24 + (b[0] % 3);
        return b;
      }),
    ),
    (input) => {
      const result = attempt(() => decodeDelivery(input), isDeliveryError);
      if ("ok" in result && !sameBytes(encodeDelivery(result.ok), input)) {
        throw new Error("an accepted message is not the encoding of what was decoded");
      }
    },
  ),
);
