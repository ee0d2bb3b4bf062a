import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import {
  attachmentType,
  clampTtl,
  decodePayload,
  encodePayload,
  HEADER_BYTES,
  type Payload,
  PayloadType,
  TTL_MAX_SECONDS,
  TTL_MIN_SECONDS,
} from "../../../src/protocol/payload.ts";
import { encodeDescriptor } from "../../../src/protocol/file_descriptor.ts";
import { encodeIds, encodeReceipt, ReceiptKind } from "../../../src/protocol/control.ts";
import { isPayloadError, type PayloadErrorReason } from "../../../src/protocol/payload_error.ts";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "../../../src/protocol/timestamp.ts";
import { MAX_CONTENT } from "../../../src/protocol/padding.ts";
import { isUserError } from "../../support/user_error.ts";

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
  const ids = encodeIds([new Uint8Array(16).fill(7), new Uint8Array(16).fill(8)]);
  const bodies = new Map<PayloadType, Uint8Array>([
    [PayloadType.receipt, encodeReceipt(ReceiptKind.read, [ids.slice(0, 16)])],
    [PayloadType.burn, ids],
    ...(["file", "image", "voice"] as const).map((kind) =>
      [
        attachmentType(kind),
        encodeDescriptor({
          kind,
          key: new Uint8Array(32).fill(1),
          header: new Uint8Array(24).fill(2),
          size: 70_000,
          sha256: new Uint8Array(32).fill(3),
          durationMs: kind === "voice" ? 4_200 : 0,
          width: kind === "image" ? 640 : 0,
          height: kind === "image" ? 480 : 0,
          mime: "application/octet-stream",
          name: "notes.txt",
        }),
      ] as const
    ),
  ]);
  for (const burn of [false, true]) {
    for (const type of Object.values(PayloadType)) {
      const payload = sample({
        burn,
        type,
        ...(bodies.has(type) ? { body: bodies.get(type) } : {}),
      });
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
    assert(isUserError(assertThrows(() => decodePayload(bytes)), "bad_data"));
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
      assert(isUserError(err, "bad_data"), String(err));
    }
  }
});

function reason(bytes: Uint8Array): PayloadErrorReason | "ok" {
  try {
    decodePayload(bytes);
    return "ok";
  } catch (err) {
    if (isPayloadError(err)) return err.reason;
    throw err;
  }
}

function withCreatedAt(createdAt: bigint): Uint8Array {
  const bytes = encodePayload(sample());
  new DataView(bytes.buffer).setBigUint64(19, createdAt);
  return bytes;
}

Deno.test("decodePayload() holds the creation time to 2020..2200, edges included", () => {
  assertEquals(reason(withCreatedAt(BigInt(MIN_TIMESTAMP_MS))), "ok");
  assertEquals(reason(withCreatedAt(BigInt(MAX_TIMESTAMP_MS - 1))), "ok");
  assertEquals(reason(withCreatedAt(BigInt(MIN_TIMESTAMP_MS - 1))), "bad_created_at");
  assertEquals(reason(withCreatedAt(BigInt(MAX_TIMESTAMP_MS))), "bad_created_at");
  assertEquals(reason(withCreatedAt(0n)), "bad_created_at");
});

Deno.test("decodePayload() refuses a creation time that Date cannot format (regression)", () => {
  // 8.7e15 is a safe integer but beyond Date's ±8.64e15: it used to pass the decoder and throw
  // RangeError in toISOString() while the message was being stored, so it was never acked.
  const bytes = withCreatedAt(8_700_000_000_000_000n);
  assertEquals(reason(bytes), "bad_created_at");
  assert(isUserError(assertThrows(() => decodePayload(bytes)), "bad_data"));
});

Deno.test("decodePayload() names each malformed field with its own reason", () => {
  const good = encodePayload(sample());
  const edit = (i: number, value: number) => {
    const bytes = good.slice();
    bytes[i] = value;
    return bytes;
  };
  assertEquals(reason(good.slice(0, HEADER_BYTES - 1)), "truncated");
  assertEquals(reason(edit(0, 2)), "unsupported_version");
  assertEquals(reason(edit(1, 0)), "unknown_type");
  assertEquals(reason(edit(1, 8)), "unknown_type");
  assertEquals(reason(edit(2, 0x02)), "unknown_flags");
  const big = new Uint8Array(MAX_CONTENT + 1);
  big.set(good);
  assertEquals(reason(big), "too_large");
  assertEquals(reason(big.subarray(0, MAX_CONTENT)), "ok");
});

Deno.test("decodePayload() refuses receipt and burn payloads whose id lists are malformed", () => {
  const id = new Uint8Array(16).fill(3);
  const payload = (type: PayloadType, body: Uint8Array) => encodePayload(sample({ type, body }));
  assertEquals(reason(payload(PayloadType.receipt, encodeReceipt(ReceiptKind.read, [id]))), "ok");
  assertEquals(reason(payload(PayloadType.burn, encodeIds([id]))), "ok");
  assertEquals(reason(payload(PayloadType.receipt, new Uint8Array([9, ...id]))), "bad_body");
  assertEquals(reason(payload(PayloadType.receipt, new Uint8Array([1, 1, 2]))), "bad_body");
  assertEquals(reason(payload(PayloadType.burn, new Uint8Array(0))), "bad_body");
  assertEquals(reason(payload(PayloadType.burn, new Uint8Array(16 * 4097))), "bad_body");
  // Other types carry opaque bodies.
  assertEquals(reason(payload(PayloadType.text, new Uint8Array(0))), "ok");
});

Deno.test("encodePayload() refuses a creation time it cannot write", () => {
  assertThrows(() => encodePayload(sample({ createdAt: -1 })));
  assertThrows(() => encodePayload(sample({ createdAt: 1.5 })));
});
