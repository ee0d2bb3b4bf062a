/**
 * Tor v3 onion addresses (rend-spec-v3 §6 "Encoding onion addresses"):
 *
 *   onion_address = base32(PUBKEY (32) || CHECKSUM (2) || VERSION (1)) + ".onion"
 *   CHECKSUM      = SHA3-256(".onion checksum" || PUBKEY || VERSION)[:2]
 *   VERSION       = 0x03
 *
 * and the 64-byte expanded secret key that `ADD_ONION ED25519-V3:<base64>` takes
 * (tor's ed25519 "expanded" form: SHA-512(seed) with the scalar clamped as in RFC 8032 §5.1.5).
 */
import { createHash } from "node:crypto";
import { base32Decode, base32Encode } from "./base32.ts";

const VERSION = 0x03;
const CHECKSUM_PREFIX = new TextEncoder().encode(".onion checksum");

/** Length of the address without the `.onion` suffix. */
export const ONION_ADDRESS_LENGTH = 56;

function checksum(publicKey: Uint8Array): Uint8Array {
  const hash = createHash("sha3-256");
  hash.update(CHECKSUM_PREFIX);
  hash.update(publicKey);
  hash.update(new Uint8Array([VERSION]));
  return new Uint8Array(hash.digest()).subarray(0, 2);
}

/** The 56-character address (no `.onion` suffix) of an Ed25519 public key. */
export function onionAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError("publicKey must be 32 bytes");
  const raw = new Uint8Array(35);
  raw.set(publicKey, 0);
  raw.set(checksum(publicKey), 32);
  raw[34] = VERSION;
  return base32Encode(raw);
}

/**
 * Parses an address (with or without `.onion`) and returns its public key, or `undefined` when the
 * length, alphabet, version or checksum is wrong.
 */
export function onionPublicKey(address: string): Uint8Array | undefined {
  const bare = address.endsWith(".onion") ? address.slice(0, -".onion".length) : address;
  if (bare.length !== ONION_ADDRESS_LENGTH || bare !== bare.toLowerCase()) return undefined;
  const raw = base32Decode(bare);
  if (!raw || raw.length !== 35 || raw[34] !== VERSION) return undefined;
  const publicKey = raw.slice(0, 32);
  const expected = checksum(publicKey);
  if (raw[32] !== expected[0] || raw[33] !== expected[1]) return undefined;
  return publicKey;
}

/** Tor's expanded Ed25519 secret key for a 32-byte seed: clamped scalar (32) || hash prefix (32). */
export function expandedSecretKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError("seed must be 32 bytes");
  const expanded = new Uint8Array(createHash("sha512").update(seed).digest());
  expanded[0] &= 248;
  expanded[31] &= 127;
  expanded[31] |= 64;
  return expanded;
}
