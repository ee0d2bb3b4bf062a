/**
 * The group tree's node hash, Poseidon(left, right) over BN254 (as in Semaphore's circuit and
 * `@semaphore-protocol/group`). poseidon-lite takes ≈90 ms to load its constants, which a verifier
 * never needs, so it is loaded on demand: `await loadGroupHasher()` before building a tree.
 */
export type PairHash = (left: bigint, right: bigint) => bigint;

let hasher: PairHash | undefined;

/** Loads Poseidon once; later calls return at once. */
export async function loadGroupHasher(): Promise<PairHash> {
  if (!hasher) {
    const { poseidon2 } = await import("poseidon-lite/poseidon2");
    hasher = (left, right) => poseidon2([left, right]);
  }
  return hasher;
}

/** The loaded hash. @throws TypeError when `loadGroupHasher()` has not completed (a bug). */
export function groupHash(): PairHash {
  if (!hasher) throw new TypeError("await loadGroupHasher() before building a group tree");
  return hasher;
}
