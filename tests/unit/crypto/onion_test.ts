import { assertEquals, assertExists } from "../../support/assert.ts";
import { Buffer } from "node:buffer";
import vectors from "../../vectors/onion.json" with { type: "json" };
import { expandedSecretKey, onionAddress, onionPublicKey } from "../../../src/crypto/onion.ts";
import { fromHex, toHex } from "../../../src/crypto/hex.ts";
import { sodium } from "../../../src/crypto/sodium.ts";

Deno.test("onionAddress() matches Tor's known-answer vector", () => {
  for (const v of vectors.valid) {
    assertEquals(onionAddress(fromHex(v.publicKey)), v.address);
  }
});

Deno.test("onionPublicKey() recovers the key from the address, with or without .onion", () => {
  for (const v of vectors.valid) {
    assertEquals(toHex(onionPublicKey(v.address)!), v.publicKey);
    assertEquals(toHex(onionPublicKey(v.address + ".onion")!), v.publicKey);
  }
});

Deno.test("onionPublicKey() rejects each malformed address of the vectors", () => {
  for (const v of vectors.invalid) {
    assertEquals(onionPublicKey(v.address), undefined, `${v.expect}: ${v.address}`);
  }
});

Deno.test("onionPublicKey() rejects every single-character change of a valid address", () => {
  const address = vectors.valid[0].address;
  for (let i = 0; i < address.length; i++) {
    for (const char of "a7q") {
      if (address[i] === char) continue;
      const mutated = address.slice(0, i) + char + address.slice(i + 1);
      assertEquals(onionPublicKey(mutated), undefined, `position ${i}`);
    }
  }
});

Deno.test("expandedSecretKey() matches the vector and RFC 8032's public key", async () => {
  const na = await sodium();
  for (const v of vectors.valid) {
    const expanded = expandedSecretKey(fromHex(v.seed));
    assertEquals(Buffer.from(expanded).toString("base64"), v.expandedKeyBase64);
    // The clamped scalar times the base point is the public key (RFC 8032 §5.1.5).
    const publicKey = na.crypto_scalarmult_ed25519_base_noclamp(expanded.subarray(0, 32));
    assertEquals(toHex(publicKey), v.publicKey);
  }
});

Deno.test("onionAddress() of a libsodium key pair round-trips for random keys", async () => {
  const na = await sodium();
  for (let i = 0; i < 50; i++) {
    const { publicKey } = na.crypto_sign_keypair();
    const address = onionAddress(publicKey);
    assertEquals(address.length, 56);
    assertExists(onionPublicKey(address));
    assertEquals(toHex(onionPublicKey(address)!), toHex(publicKey));
  }
});
