import { assertEquals, assertThrows } from "../../support/assert.ts";
import {
  decodeIds,
  decodeReceipt,
  encodeIds,
  encodeReceipt,
  MAX_IDS,
  ReceiptKind,
} from "../../../src/protocol/control.ts";
import { type ControlErrorReason, isControlError } from "../../../src/protocol/control_error.ts";
import { isUserError } from "../../support/user_error.ts";

const idOf = (n: number) => {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, n);
  return id;
};

function reason(fn: () => unknown): ControlErrorReason | "ok" {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (isControlError(err)) return err.reason;
    throw err;
  }
}

Deno.test("encodeReceipt()/decodeReceipt() round-trip both kinds", () => {
  const ids = [idOf(1), idOf(2), idOf(3)];
  for (const kind of Object.values(ReceiptKind)) {
    assertEquals(decodeReceipt(encodeReceipt(kind, ids)), { kind, ids });
  }
});

Deno.test("decodeIds() accepts exactly 1..MAX_IDS whole ids", () => {
  const full = encodeIds(Array.from({ length: MAX_IDS }, (_, i) => idOf(i)));
  assertEquals(decodeIds(full).length, MAX_IDS);
  const over = new Uint8Array(full.length + 16);
  over.set(full);
  over.set(idOf(MAX_IDS), full.length);
  assertEquals(reason(() => decodeIds(over)), "too_many_ids");
  assertEquals(reason(() => decodeIds(new Uint8Array(0))), "empty");
  assertEquals(reason(() => decodeIds(new Uint8Array(17))), "bad_length");
  assertEquals(reason(() => decodeIds(new Uint8Array(15))), "bad_length");
});

Deno.test("decodeIds() drops repeated ids and keeps the first order", () => {
  const bytes = encodeIds([idOf(5), idOf(1), idOf(5), idOf(1), idOf(9)]);
  assertEquals(decodeIds(bytes), [idOf(5), idOf(1), idOf(9)]);
});

Deno.test("decodeReceipt() refuses an unknown kind, and its errors are bad_data", () => {
  for (const kind of [0, 3, 255]) {
    assertEquals(reason(() => decodeReceipt(new Uint8Array([kind, ...idOf(1)]))), "unknown_kind");
  }
  assertEquals(reason(() => decodeReceipt(new Uint8Array(0))), "unknown_kind");
  assertEquals(reason(() => decodeReceipt(new Uint8Array([1]))), "empty");
  const err = assertThrows(() => decodeReceipt(new Uint8Array([7])));
  assertEquals(isUserError(err, "bad_data"), true);
});
