/** Human fingerprints of public keys. */
import { toHex } from "./hex.ts";

/** A short human fingerprint of a public key: SHA-256, first 16 bytes, hex in groups of 4. */
export async function keyFingerprint(publicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", publicKey.slice()));
  return toHex(digest.subarray(0, 16)).match(/.{4}/g)!.join(" ");
}
