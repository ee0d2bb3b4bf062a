/**
 * Remembers hello nonces for the length of the clock window, so a captured hello cannot be replayed
 * while its timestamp is still acceptable. Bounded: when full, the oldest entries go first (an
 * attacker able to flood it must still present signed hellos from a known key).
 */
import { toHex } from "../crypto/hex.ts";

export class ReplayCache {
  readonly #seen = new Map<string, number>();

  /** @param maxEntries upper bound on remembered nonces */
  constructor(readonly maxEntries = 10_000) {}

  /** True when `nonce` was recorded and has not expired at `now`. */
  has(nonce: Uint8Array, now: number): boolean {
    this.#expire(now);
    return this.#seen.has(toHex(nonce));
  }

  /** Records `nonce` until `expiresAt` (ms since the epoch). */
  add(nonce: Uint8Array, expiresAt: number, now: number): void {
    this.#expire(now);
    while (this.#seen.size >= this.maxEntries) {
      this.#seen.delete(this.#seen.keys().next().value!);
    }
    this.#seen.set(toHex(nonce), expiresAt);
  }

  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt <= now) this.#seen.delete(key);
    }
  }
}
