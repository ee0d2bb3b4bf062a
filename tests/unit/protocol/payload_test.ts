import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import {
  clampTtl,
  decodePayload,
  encodePayload,
  HEADER_BYTES,
  type Payload,
  PayloadType,
  TTL_MAX_SECONDS,
  TTL_MIN_SECONDS,
} from "../../../src/protocol/payload.ts";
import { isLegionError } from "../../../src/errors.ts";

function sample(overrides: Partial<Payload> = {}): Payload {
  return {
    type: PayloadType.text,
    id: crypto.getRandomValues(new Uint8Array(16)),
    createdAt: 1_790_000_000_123,
    ttlSeconds: 3600,
    burn: false,
    body: new TextEncoder().encode("hi bob"),
    ...overrides,
  };
}

Deno.test("encodePayload()/decodePayload() round-trip every field", () => {
  for (const burn of [false, true]) {
    for (const type of Object.values(PayloadType)) {
      const payload = sample({ burn, type });
      assertEquals(decodePayload(encodePayload(payload)), payload);
    }
  }
});

Deno.test("the header layout is pinned (golden bytes)", () => {
  const id = Uint8Array.from({ length: 16 }, (_, i) => i);
  const bytes = encodePayload(sample({ id, burn: true, body: new Uint8Array([0xaa]) }));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  assertEquals(
    hex,
    "010101" + "000102030405060708090a0b0c0d0e0f" + "000001a0c4506c7b" + "00000e10" + "aa",
  );
  assertEquals(bytes.length, HEADER_BYTES + 1);
});

Deno.test("decodePayload() clamps a TTL beyond policy instead of trusting it", () => {
  const bytes = encodePayload(sample());
  new DataView(bytes.buffer).setUint32(27, 0xffffffff);
  assertEquals(decodePayload(bytes).ttlSeconds, TTL_MAX_SECONDS);
  new DataView(bytes.buffer).setUint32(27, 1);
  assertEquals(decodePayload(bytes).ttlSeconds, TTL_MIN_SECONDS);
  assertEquals(clampTtl(90 * 86_400), TTL_MAX_SECONDS);
});

Deno.test("decodePayload() rejects truncation, bad version, type and flags as bad_data", () => {
  const good = encodePayload(sample());
  const cases: Uint8Array[] = [];
  for (let n = 0; n < HEADER_BYTES; n++) cases.push(good.slice(0, n));
  const badVersion = good.slice();
  badVersion[0] = 2;
  const badType = good.slice();
  badType[1] = 99;
  const badFlags = good.slice();
  badFlags[2] = 0x80;
  const badTime = good.slice();
  badTime.fill(0xff, 19, 27);
  cases.push(badVersion, badType, badFlags, badTime);
  for (const bytes of cases) {
    assert(isLegionError(assertThrows(() => decodePayload(bytes)), "bad_data"));
  }
});

Deno.test("decodePayload() never throws anything but bad_data on random input", () => {
  for (let i = 0; i < 5000; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 64)));
    if (i % 2 === 0 && bytes.length > 2) {
      bytes[0] = 1;
      bytes[1] = 1 + (bytes[1] % 7);
    }
    try {
      decodePayload(bytes);
    } catch (err) {
      assert(isLegionError(err, "bad_data"), String(err));
    }
  }
});
