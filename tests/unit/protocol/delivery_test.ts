import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { AckStatus, decodeDelivery, encodeDelivery } from "../../../src/protocol/delivery.ts";
import { isLegionError } from "../../../src/errors.ts";

const id = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

Deno.test("deliver and ack round-trip", () => {
  const deliver = { kind: "deliver" as const, id, ciphertext: new Uint8Array([9, 8, 7]) };
  assertEquals(decodeDelivery(encodeDelivery(deliver)), deliver);
  for (const status of Object.values(AckStatus)) {
    const ack = { kind: "ack" as const, id, status };
    assertEquals(decodeDelivery(encodeDelivery(ack)), ack);
  }
});

Deno.test("decodeDelivery() rejects every malformed branch as bad_data", () => {
  const ack = encodeDelivery({ kind: "ack", id, status: AckStatus.stored });
  const badStatus = ack.slice();
  badStatus[17] = 7;
  const cases = [
    new Uint8Array(0),
    ack.slice(0, 10),
    encodeDelivery({ kind: "deliver", id, ciphertext: new Uint8Array([1]) }).slice(0, 17),
    new Uint8Array([0x09, ...id, 1]),
    new Uint8Array([...ack, 0]),
    badStatus,
  ];
  for (const bytes of cases) {
    assert(isLegionError(assertThrows(() => decodeDelivery(bytes)), "bad_data"));
  }
});

Deno.test("decodeDelivery() only ever throws bad_data on random bytes", () => {
  for (let i = 0; i < 3000; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 40)));
    if (i % 2) bytes[0] = 1 + (i % 3);
    try {
      decodeDelivery(bytes);
    } catch (err) {
      assert(isLegionError(err, "bad_data"));
    }
  }
});
