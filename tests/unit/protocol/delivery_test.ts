import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import {
  ACK_SIGNATURE_BYTES,
  AckStatus,
  decodeDelivery,
  encodeDelivery,
  MAX_CIPHERTEXT_BYTES,
} from "../../../src/protocol/delivery.ts";
import { isDeliveryError } from "../../../src/protocol/delivery_error.ts";
import { isUserError } from "../../support/user_error.ts";

const id = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const signature = Uint8Array.from({ length: ACK_SIGNATURE_BYTES }, (_, i) => 200 - i);

Deno.test("deliver and ack round-trip", () => {
  const deliver = { kind: "deliver" as const, id, ciphertext: new Uint8Array([9, 8, 7]) };
  assertEquals(decodeDelivery(encodeDelivery(deliver)), deliver);
  for (const status of Object.values(AckStatus)) {
    const ack = { kind: "ack" as const, id, status, signature };
    assertEquals(decodeDelivery(encodeDelivery(ack)), ack);
  }
});

Deno.test("encodeDelivery() refuses an ack without a 64-byte signature", () => {
  const err = assertThrows(() =>
    encodeDelivery({ kind: "ack", id, status: 0, signature: signature.subarray(1) })
  );
  assert(err instanceof RangeError);
});

Deno.test("decodeDelivery() rejects every malformed branch as bad_data", () => {
  const ack = encodeDelivery({ kind: "ack", id, status: AckStatus.stored, signature });
  const badStatus = ack.slice();
  badStatus[17] = 7;
  const cases = [
    new Uint8Array(0),
    ack.slice(0, 10),
    ack.slice(0, -1),
    encodeDelivery({ kind: "deliver", id, ciphertext: new Uint8Array([1]) }).slice(0, 17),
    new Uint8Array([0x09, ...id, 1]),
    new Uint8Array([...ack, 0]),
    badStatus,
  ];
  for (const bytes of cases) {
    assert(isUserError(assertThrows(() => decodeDelivery(bytes)), "bad_data"));
  }
});

Deno.test("decodeDelivery() only ever throws bad_data on random bytes", () => {
  for (let i = 0; i < 3000; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 100)));
    if (i % 2) bytes[0] = [0x01, 0x02, 0x21, 0x22][i % 4];
    try {
      decodeDelivery(bytes);
    } catch (err) {
      assert(isUserError(err, "bad_data"));
    }
  }
});

function reason(bytes: Uint8Array) {
  try {
    decodeDelivery(bytes);
    return "ok";
  } catch (err) {
    if (isDeliveryError(err)) return err.reason;
    throw err;
  }
}

Deno.test("decodeDelivery() names each malformed branch with its own reason", () => {
  const ack = encodeDelivery({ kind: "ack", id, status: AckStatus.stored, signature });
  assertEquals(ack.length, 1 + 16 + 1 + 64);
  assertEquals(reason(ack.slice(0, 16)), "truncated");
  assertEquals(reason(new Uint8Array([0x27, ...id, 0])), "unknown_kind");
  assertEquals(reason(new Uint8Array([0x21, ...id])), "empty_ciphertext");
  assertEquals(reason(new Uint8Array([0x23, ...id])), "empty_ciphertext");
  assertEquals(reason(new Uint8Array([...ack, 0])), "bad_ack_length");
  assertEquals(reason(ack.slice(0, -1)), "bad_ack_length");
  const badStatus = ack.slice();
  badStatus[17] = 4;
  assertEquals(reason(badStatus), "unknown_ack_status");
  const fits = encodeDelivery({
    kind: "deliver",
    id,
    ciphertext: new Uint8Array(MAX_CIPHERTEXT_BYTES),
  });
  assertEquals(reason(fits), "ok");
  const over = new Uint8Array(fits.length + 1);
  over.set(fits);
  assertEquals(reason(over), "too_large");
});

Deno.test("decodeDelivery() refuses version 1 (unsigned acks) with a clear error", () => {
  const v1Ack = new Uint8Array([0x02, ...id, AckStatus.stored]);
  const v1Deliver = new Uint8Array([0x01, ...id, 9, 8, 7]);
  for (const bytes of [v1Ack, v1Deliver]) {
    const err = assertThrows(() => decodeDelivery(bytes));
    assert(isDeliveryError(err, "old_version"));
    assert(isUserError(err, "bad_data"));
    assert((err as Error).message.includes("version 1 is no longer accepted"));
  }
});

Deno.test("deliver_group (0x23) carries an envelope under an id, capped like a deliver", () => {
  const envelope = new Uint8Array([7, 7, 7]);
  const bytes = encodeDelivery({ kind: "deliver_group", id, envelope });
  assertEquals(bytes, new Uint8Array([0x23, ...id, 7, 7, 7]));
  assertEquals(decodeDelivery(bytes), { kind: "deliver_group", id, envelope });
  const fits = encodeDelivery({
    kind: "deliver_group",
    id,
    envelope: new Uint8Array(MAX_CIPHERTEXT_BYTES),
  });
  assertEquals(reason(fits), "ok");
  const over = new Uint8Array(fits.length + 1);
  over.set(fits);
  assertEquals(reason(over), "too_large");
});

Deno.test("file transfer kinds follow deliver_group: chunks 0x24, have 0x25, query 0x26", () => {
  const chunk = new Uint8Array(17);
  const chunks = encodeDelivery({ kind: "chunks", id, first: 3, chunks: [chunk] });
  assertEquals(chunks[0], 0x24);
  assertEquals(decodeDelivery(chunks), { kind: "chunks", id, first: 3, chunks: [chunk] });
  const have = encodeDelivery({ kind: "have", id, status: 1, have: 9, signature });
  assertEquals(have[0], 0x25);
  assertEquals(decodeDelivery(have), { kind: "have", id, status: 1, have: 9, signature });
  const query = encodeDelivery({ kind: "query", id });
  assertEquals(query, new Uint8Array([0x26, ...id]));
  assertEquals(decodeDelivery(query), { kind: "query", id });
});
