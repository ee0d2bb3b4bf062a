import { assert, assertEquals, assertNotEquals, assertThrows } from "../../support/assert.ts";
import { Sealer } from "../../../src/store/sealer.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { isUserError } from "../../support/user_error.ts";

const na = await sodium();
const plaintext = new TextEncoder().encode("meet at the usual place");

function newSealer(): Sealer {
  return new Sealer(na, na.randombytes_buf(32));
}

Deno.test("Sealer round-trips and uses a fresh nonce per seal", () => {
  const sealer = newSealer();
  const a = sealer.seal("contacts.name", plaintext);
  const b = sealer.seal("contacts.name", plaintext);
  assertNotEquals(a, b);
  assertEquals(sealer.open("contacts.name", a), plaintext);
  assertEquals(a.length, 1 + 24 + plaintext.length + 16);
});

Deno.test("Sealer.open() rejects every single-byte flip as bad_data", () => {
  const sealer = newSealer();
  const sealed = sealer.seal("x", plaintext);
  for (let i = 0; i < sealed.length; i++) {
    const tampered = sealed.slice();
    tampered[i] ^= 0x01;
    assert(isUserError(assertThrows(() => sealer.open("x", tampered)), "bad_data"), `byte ${i}`);
  }
});

Deno.test("Sealer.open() rejects truncation, a wrong label and a wrong key", () => {
  const sealer = newSealer();
  const sealed = sealer.seal("identity.keys", plaintext);
  for (const length of [0, 1, 25, 40, sealed.length - 1]) {
    assert(
      isUserError(
        assertThrows(() => sealer.open("identity.keys", sealed.slice(0, length))),
        "bad_data",
      ),
    );
  }
  assert(isUserError(assertThrows(() => sealer.open("contacts.name", sealed)), "bad_data"));
  assert(isUserError(assertThrows(() => newSealer().open("identity.keys", sealed)), "bad_data"));
});

Deno.test("Sealer.wipe() zeroes the key so later opens fail", () => {
  const sealer = newSealer();
  const sealed = sealer.seal("x", plaintext);
  sealer.wipe();
  assertThrows(() => sealer.open("x", sealed));
});
