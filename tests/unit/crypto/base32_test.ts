import { assertEquals } from "../../support/assert.ts";
import { base32Decode, base32Encode } from "../../../src/crypto/base32.ts";

// RFC 4648 §10 test vectors, lowercased and without padding.
const RFC4648 = [
  ["", ""],
  ["f", "my"],
  ["fo", "mzxq"],
  ["foo", "mzxw6"],
  ["foob", "mzxw6yq"],
  ["fooba", "mzxw6ytb"],
  ["foobar", "mzxw6ytboi"],
] as const;

Deno.test("base32Encode() matches the RFC 4648 vectors", () => {
  for (const [text, encoded] of RFC4648) {
    assertEquals(base32Encode(new TextEncoder().encode(text)), encoded);
  }
});

Deno.test("base32Decode() inverts the RFC 4648 vectors", () => {
  for (const [text, encoded] of RFC4648) {
    assertEquals(new TextDecoder().decode(base32Decode(encoded)), text);
  }
});

Deno.test("base32 round-trips random bytes of every length up to 64", () => {
  for (let length = 0; length <= 64; length++) {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    assertEquals(base32Decode(base32Encode(bytes)), bytes);
  }
});

Deno.test("base32Decode() rejects foreign characters and non-canonical trailing bits", () => {
  assertEquals(base32Decode("mzxw6=="), undefined);
  assertEquals(base32Decode("mzxw1"), undefined);
  assertEquals(base32Decode("mz"), undefined); // "mz" leaves non-zero padding bits
  assertEquals(base32Decode("m"), undefined); // 5 bits cannot end a byte string
});

Deno.test("base32Decode() never throws on random text", () => {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567=1089!? ";
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(Math.random() * 70);
    let text = "";
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(Math.random() * alphabet.length)];
    const decoded = base32Decode(text);
    if (decoded) assertEquals(base32Encode(decoded), text.toLowerCase());
  }
});
