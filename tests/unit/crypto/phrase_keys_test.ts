import { assert, assertEquals, assertNotEquals, assertThrows } from "../../support/assert.ts";
import {
  deriveIdentity,
  deriveKey,
  newPhrase,
  parsePhrase,
  TAG_ED25519_IDENTITY,
  TAG_ZK_IDENTITY,
} from "../../../src/crypto/phrase_keys.ts";
import { toHex } from "../../../src/crypto/hex.ts";
import { isUserError } from "../../support/user_error.ts";

const ZERO_PHRASE = Array(23).fill("abandon").join(" ") + " art";

Deno.test("newPhrase() follows BIP-39: all-zero entropy gives the reference phrase", async () => {
  assertEquals(await newPhrase(new Uint8Array(32)), ZERO_PHRASE);
});

Deno.test("newPhrase() makes 24 valid words from fresh entropy each time", async () => {
  const a = await newPhrase();
  const b = await newPhrase();
  assertEquals(a.split(" ").length, 24);
  assertEquals(parsePhrase(a), a);
  assertNotEquals(a, b);
});

Deno.test("parsePhrase() normalises case and whitespace", () => {
  const messy = "  " + ZERO_PHRASE.toUpperCase().replaceAll(" ", " \n\t ") + "\n";
  assertEquals(parsePhrase(messy), ZERO_PHRASE);
});

Deno.test("parsePhrase() rejects wrong word counts, unknown words and bad checksums", () => {
  const cases = [
    "",
    ZERO_PHRASE.split(" ").slice(0, 23).join(" "),
    ZERO_PHRASE.replace("art", "zzzz"),
    ZERO_PHRASE.replace("art", "abandon"), // valid word, wrong checksum
  ];
  for (const text of cases) {
    const err = assertThrows(() => parsePhrase(text));
    assert(isUserError(err, "bad_data"), `expected bad_data for ${JSON.stringify(text)}`);
  }
});

Deno.test("deriveIdentity() is deterministic and domain-separated", async () => {
  const a = await deriveIdentity(ZERO_PHRASE);
  const b = await deriveIdentity(ZERO_PHRASE);
  assertEquals(toHex(a.publicKey), toHex(b.publicKey));
  assertEquals(toHex(a.zkSecret), toHex(b.zkSecret));
  assertNotEquals(toHex(a.seed), toHex(a.zkSecret));
  assertEquals(toHex(deriveKey(ZERO_PHRASE, TAG_ED25519_IDENTITY)), toHex(a.seed));
  assertEquals(toHex(deriveKey(ZERO_PHRASE, TAG_ZK_IDENTITY)), toHex(a.zkSecret));
  const other = await deriveIdentity(await newPhrase());
  assertNotEquals(toHex(other.publicKey), toHex(a.publicKey));
});

Deno.test("deriveIdentity() output is pinned (golden): derivation changes would strand users", async () => {
  // If this changes, every existing recovery phrase restores a different identity.
  const keys = await deriveIdentity(ZERO_PHRASE);
  const golden = JSON.parse(
    await Deno.readTextFile(new URL("../../vectors/identity.json", import.meta.url)),
  );
  assertEquals(toHex(keys.seed), golden.seed);
  assertEquals(toHex(keys.publicKey), golden.publicKey);
  assertEquals(toHex(keys.zkSecret), golden.zkSecret);
});
