/**
 * How Legion turns user text into the uint256 `message` and `scope` of a Semaphore proof, and how
 * those are hashed into the field (the public signals the circuit sees).
 *
 * Text rules (the first three match `@semaphore-protocol/proof`'s `generateProof`, so a proof made
 * there with the same string has the same value):
 *   - decimal digits `123`          → that number (must be < 2^256)
 *   - `0x` followed by hex digits   → that number (must be < 2^256)
 *   - other UTF-8 text ≤ 31 bytes   → the bytes left-aligned in 32 bytes (Solidity
 *                                     `bytes32` string, ethers `encodeBytes32String`)
 *   - longer text, files and stdin  → SHA-256 of the bytes, read as a big-endian number
 *
 * The field element is Semaphore's `hash(x) = keccak256(x as 32 bytes big-endian) >> 8`.
 */
import { createHash } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { UINT256_LIMIT } from "./constants.ts";

const SHORT_TEXT_BYTES = 31;

/** The uint256 value of a message or scope given as text (see the module rules). */
export function semaphoreValue(text: string): bigint {
  let value: bigint;
  if (/^[0-9]+$/.test(text)) value = BigInt(text);
  else if (/^0x[0-9a-fA-F]+$/.test(text)) value = BigInt(text);
  else {
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > SHORT_TEXT_BYTES) return digestValue(bytes);
    const word = new Uint8Array(32);
    word.set(bytes);
    value = bytesToBigInt(word);
  }
  if (value >= UINT256_LIMIT) throw new RangeError("value does not fit in 256 bits");
  return value;
}

/** The uint256 value binding arbitrary bytes (a file, stdin): SHA-256, big-endian. */
export function digestValue(bytes: Uint8Array): bigint {
  return bytesToBigInt(new Uint8Array(createHash("sha256").update(bytes).digest()));
}

/** Semaphore's `hash`: keccak256 of the 32-byte big-endian value, shifted right by 8 bits. */
export function hashToField(value: bigint): bigint {
  if (value < 0n || value >= UINT256_LIMIT) throw new RangeError("value must be a uint256");
  return bytesToBigInt(keccak_256(bigIntToBytes32(value))) >> 8n;
}

/** Decodes a `bytes32` text value back to text when it is one (for display), else undefined. */
export function shortText(value: bigint): string | undefined {
  if (value === 0n || value >= UINT256_LIMIT) return undefined;
  const word = bigIntToBytes32(value);
  let end = 32;
  while (end > 0 && word[end - 1] === 0) end--;
  if (end === 0 || end > SHORT_TEXT_BYTES || word.subarray(0, end).includes(0)) return undefined;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(word.subarray(0, end));
    // Only printable text, and only when the text rules would map it back to this value.
    if (/[\p{Cc}\p{Cf}]/u.test(text) || semaphoreValue(text) !== value) return undefined;
    return text;
  } catch {
    return undefined;
  }
}

export function bigIntToBytes32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}
