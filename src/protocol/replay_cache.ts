/**
 * Remembers hello nonces for the length of the clock window, so a captured hello cannot be replayed
 * while its timestamp is still acceptable. Both ends are inclusive: a hello is fresh while
 * `|now - ts| <= window`, so its nonce is kept through `ts + window` and forgotten only after it.
 * Bounded: when full, the oldest entries go first (an attacker able to flood it must still present
 * signed hellos from a known key).
 */
import { toHex } from "../crypto/hex.ts";

export class ReplayCache {
  readonly #seen = new Map<string, number>();

  /** @param maxEntries upper bound on remembered nonces */
  constructor(readonly maxEntries = 10_000) {}

  /** True when `nonce` was recorded with a `lastMs` of `now` or later. */
  has(nonce: Uint8Array, now: number): boolean {
    this.#expire(now);
    return this.#seen.has(toHex(nonce));
  }

  /** Records `nonce` through `lastMs` (ms since the epoch, inclusive). */
  add(nonce: Uint8Array, lastMs: number, now: number): void {
    this.#expire(now);
    while (this.#seen.size >= this.maxEntries) {
      this.#seen.delete(this.#seen.keys().next().value!);
    }
    this.#seen.set(toHex(nonce), lastMs);
  }

  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    for (const [key, lastMs] of this.#seen) {
      if (lastMs < now) this.#seen.delete(key);
    }
  }
}
