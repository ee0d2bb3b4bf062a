/**
 * Fuzzing of the relay wire (src/protocol/relay_wire.ts): decoders throw only RelayWireError on any
 * input, every request and reply round-trips byte for byte, and a decoded request re-encodes to
 * exactly the bytes it came from (one encoding per message: strict).
 */
import { assertEquals } from "../support/assert.ts";
import {
  decodeAcked,
  decodeChallenge,
  decodeFetched,
  decodeOpened,
  decodeReply,
  decodeRequest,
  encodeChallenge,
  encodeFetched,
  encodeReply,
  encodeRequest,
  MAX_ACK_IDS,
  REFUSALS,
  type RelayRequest,
} from "../../src/protocol/relay_wire.ts";
import { isRelayWireError } from "../../src/protocol/relay_wire_error.ts";
import { attempt, bytes, fc, fuzz, mutate, mutations, sameBytes } from "./_fuzz.ts";

const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const request: fc.Arbitrary<RelayRequest> = fc.oneof(
  fc.record({ kind: fc.constant("open" as const), ownerKey: fixed(32), signature: fixed(64) }),
  fc.record({
    kind: fc.constant("deposit" as const),
    depositId: fixed(16),
    epoch: u32,
    slot: u32,
    proof: fixed(385),
    envelope: fc.uint8Array({ minLength: 1, maxLength: 600 }),
  }),
  fc.record({
    kind: fc.constant("fetch" as const),
    fetchId: fixed(16),
    maxItems: fc.integer({ min: 1, max: 0xffff }),
    signature: fixed(64),
  }),
  fc.record({
    kind: fc.constant("ack" as const),
    fetchId: fixed(16),
    itemIds: fc.array(fixed(16), { minLength: 1, maxLength: 8 }),
    signature: fixed(64),
  }),
  fc.record({ kind: fc.constant("close" as const), fetchId: fixed(16), signature: fixed(64) }),
  fc.constant({ kind: "group" as const }),
);

/** Random bytes that often carry a valid header, so the kind-specific paths get exercised. */
const message = fc.oneof(
  bytes(1200),
  fc.tuple(fc.constantFrom(1, 2, 3, 4, 5, 6, 0x80, 0x81, 7), bytes(1200)).map(([kind, body]) => {
    const out = new Uint8Array(2 + body.length);
    out.set([1, kind]);
    out.set(body, 2);
    return out;
  }),
);

fuzz(
  "relay decoders throw only RelayWireError on any bytes",
  fc.property(message, (input) => {
    attempt(() => decodeRequest(input), isRelayWireError);
    attempt(() => decodeReply(input), isRelayWireError);
    attempt(() => decodeChallenge(input), isRelayWireError);
    attempt(() => decodeFetched(input), isRelayWireError);
    attempt(() => decodeOpened(input), isRelayWireError);
    attempt(() => decodeAcked(input), isRelayWireError);
  }),
);

fuzz(
  "a request round-trips, and a decodable message re-encodes to the same bytes",
  fc.property(request, mutations, (value, edits) => {
    const encoded = encodeRequest(value);
    assertEquals(encodeRequest(decodeRequest(encoded)), encoded);
    const mutated = mutate(encoded, edits);
    const outcome = attempt(() => decodeRequest(mutated), isRelayWireError);
    if ("ok" in outcome && !sameBytes(encodeRequest(outcome.ok), mutated)) {
      throw new Error("a mutated request decoded to a different encoding");
    }
  }),
);

fuzz(
  "replies, challenges and fetched items round-trip",
  fc.property(
    fc.oneof(
      fc.constantFrom(...REFUSALS).map((refusal) => ({ ok: false as const, refusal })),
      bytes(300).map((body) => ({ ok: true as const, body })),
    ),
    fixed(32),
    fc.array(
      fc.record({ itemId: fixed(16), envelope: fc.uint8Array({ minLength: 1, maxLength: 200 }) }),
      { maxLength: 6 },
    ),
    (reply, nonce, items) => {
      assertEquals(decodeReply(encodeReply(reply)), reply);
      assertEquals(decodeChallenge(encodeChallenge(nonce)), nonce);
      // fc.record builds null-prototype objects; compare plain copies.
      const plain = items.map(({ itemId, envelope }) => ({ itemId, envelope }));
      assertEquals(decodeFetched(encodeFetched(items)), plain);
    },
  ),
);

Deno.test("decodeRequest() refuses an ack with more ids than MAX_ACK_IDS", () => {
  const body = new Uint8Array(2 + 16 + 2);
  body.set([1, 4]);
  new DataView(body.buffer).setUint16(18, MAX_ACK_IDS + 1);
  const outcome = attempt(() => decodeRequest(body), isRelayWireError);
  assertEquals("error" in outcome, true);
});
