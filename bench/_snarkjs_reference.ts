/**
 * A Legion proof in snarkjs's shape, for timing snarkjs's own verifier beside ours (reference only:
 * Legion verifies with src/zk/groth16.ts). Points are affine; G2 coordinates are swapped
 * into snarkjs's [c1, c0] order.
 */
import { hashToField } from "../src/zk/semaphore_value.ts";
import type { ZkProof } from "../src/zk/proof.ts";

export function snarkjsInputs(proof: ZkProof) {
  const p = proof.points.map(String);
  return {
    proof: {
      pi_a: [p[0], p[1], "1"],
      pi_b: [[p[3], p[2]], [p[5], p[4]], ["1", "0"]],
      pi_c: [p[6], p[7], "1"],
      protocol: "groth16",
      curve: "bn128",
    },
    signals: [proof.root, proof.nullifier, hashToField(proof.message), hashToField(proof.scope)]
      .map(String),
  };
}
