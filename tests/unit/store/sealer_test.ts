import { assert, assertEquals, assertNotEquals, assertThrows } from "../../support/assert.ts";
import { Sealer } from "../../../src/store/sealer.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { isUserError } from "../../support/user_error.ts";

const na = await sodium();
const plaintext = new TextEncoder().encode("meet at the usual place");
const NAME = { label: "contacts.name", row: 7 };
const X = { label: "x", row: "r" };
const KEYS = { label: "identity.keys", row: 1 };

function newSealer(): Sealer {
  return new Sealer(na, na.randombytes_buf(32));
}

Deno.test("Sealer round-trips and uses a fresh nonce per seal", () => {
  const sealer = newSealer();
  const a = sealer.seal(NAME, plaintext);
  const b = sealer.seal(NAME, plaintext);
  assertNotEquals(a, b);
  assertEquals(sealer.open(NAME, a), plaintext);
  assertEquals(a.length, 1 + 24 + plaintext.length + 16);
});

Deno.test("Sealer.open() rejects every single-byte flip as bad_data", () => {
  const sealer = newSealer();
  const sealed = sealer.seal(X, plaintext);
  for (let i = 0; i < sealed.length; i++) {
    const tampered = sealed.slice();
    tampered[i] ^= 0x01;
    assert(isUserError(assertThrows(() => sealer.open(X, tampered)), "bad_data"), `byte ${i}`);
  }
});

Deno.test("Sealer.open() rejects truncation, a wrong label and a wrong key", () => {
  const sealer = newSealer();
  const sealed = sealer.seal(KEYS, plaintext);
  for (const length of [0, 1, 25, 40, sealed.length - 1]) {
    assert(
      isUserError(
        assertThrows(() => sealer.open(KEYS, sealed.slice(0, length))),
        "bad_data",
      ),
    );
  }
  assert(isUserError(assertThrows(() => sealer.open({ ...NAME, row: 1 }, sealed)), "bad_data"));
  assert(isUserError(assertThrows(() => newSealer().open(KEYS, sealed)), "bad_data"));
});

Deno.test("Sealer.wipe() zeroes the key so later opens fail", () => {
  const sealer = newSealer();
  const sealed = sealer.seal(X, plaintext);
  sealer.wipe();
  assertThrows(() => sealer.open(X, sealed));
});

Deno.test("Sealer.open() refuses a value copied to another row of the same column", () => {
  const sealer = newSealer();
  const id = new Uint8Array(16).fill(1);
  const other = new Uint8Array(16).fill(2);
  const sealed = sealer.seal({ label: "messages.body", row: id }, plaintext);
  assertEquals(sealer.open({ label: "messages.body", row: id.slice() }, sealed), plaintext);
  for (
    const row of [other, 1, "1", `${"01".repeat(16)}`, new Uint8Array(0), id.subarray(1)]
  ) {
    const err = assertThrows(() => sealer.open({ label: "messages.body", row }, sealed));
    assert(isUserError(err, "bad_data"), `row ${String(row)}`);
  }
  // A numeric key and its decimal text are different rows too.
  const byNumber = sealer.seal({ label: "contacts.record", row: 12 }, plaintext);
  assertThrows(() => sealer.open({ label: "contacts.record", row: "12" }, byNumber));
  assertThrows(() => sealer.open({ label: "contacts.record", row: 13 }, byNumber));
});

Deno.test("Sealer refuses labels that could be confused with a row and version 1 values", () => {
  const sealer = newSealer();
  for (const label of ["a@b", "", "Upper", "with space"]) {
    assert(assertThrows(() => sealer.seal({ label, row: 1 }, plaintext)) instanceof TypeError);
  }
  const v1 = sealer.seal(KEYS, plaintext);
  v1[0] = 0x01;
  const err = assertThrows(() => sealer.open(KEYS, v1));
  assert(isUserError(err, "bad_data"));
  assert((err as Error).message.includes("malformed"));
});
