/**
 * Zero-knowledge group membership for Legion: Semaphore v4 (depth 20, PSE ceremony artifacts),
 * proofs interoperable with `@semaphore-protocol/proof`, a pure-JS verifier, nullifiers in SQLite.
 *
 * Importing this module loads neither Poseidon nor snarkjs: `await loadGroupHasher()` before
 * building a group tree; the prover loads snarkjs on first use. A one-shot verifier imports
 * verifier.ts and group_file.ts alone.
 *
 * @example Verify deposits in a relay with a warm verifier
 * ```ts
 * const verifier = new ZkVerifier({
 *   group: await readGroupFile("members.json", { lazy: true }),
 *   nullifiers: NullifierStore.open("nullifiers.db"),
 *   warm: true,
 * });
 * const outcome = verifier.verify(proofJsonText, { scope: epochScope });
 * if (!outcome.ok) console.log(outcome.reason);
 * ```
 */
export * from "./constants.ts";
export * from "./semaphore_value.ts";
export * from "./proof.ts";
export * from "./groth16.ts";
export * from "./group.ts";
export * from "./group_hash.ts";
export * from "./group_file.ts";
export * from "./zk_identity.ts";
export * from "./artifacts.ts";
export * from "./nullifier_store.ts";
export * from "./verifier.ts";
export * from "./prover.ts";
export * from "./rate_scope.ts";
