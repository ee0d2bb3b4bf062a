/**
 * Scopes for rate limits: with scope = H(verifier, epoch, slot) and slot < k, each member can make
 * k unlinkable proofs per epoch for that verifier (one nullifier per slot), and no more.
 *
 *   scope = SHA-256("legion/v1/zk-scope" || 0x00 || verifier || 0x00 || epoch || 0x00 || slot)
 *           read as a big-endian uint256; epoch and slot in decimal ASCII.
 */
import { digestValue } from "./semaphore_value.ts";

export const RATE_SCOPE_TAG = "legion/v1/zk-scope";

/** The scope for `slot` (0 ≤ slot < k) of `epoch` at the verifier named `verifier`. */
export function rateLimitScope(verifier: string, epoch: number, slot: number): bigint {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError("epoch must be ≥ 0");
  if (!Number.isSafeInteger(slot) || slot < 0) throw new RangeError("slot must be ≥ 0");
  if (verifier.includes("\0")) throw new RangeError("verifier must not contain NUL");
  return digestValue(
    new TextEncoder().encode([RATE_SCOPE_TAG, verifier, String(epoch), String(slot)].join("\0")),
  );
}
