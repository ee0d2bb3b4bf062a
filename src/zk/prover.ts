/**
 * Semaphore v4 proving with snarkjs (Groth16, depth 20) and the ceremony's proving key.
 *
 * The circuit proves: "I know the secret scalar of an identity whose commitment is a leaf of the
 * LeanIMT with root R; N = Poseidon(hash(scope), secret); and this proof is bound to hash(message)".
 * snarkjs is imported on first use (≈0.3 s) and runs its worker threads; `close()` stops them so a
 * CLI process can exit.
 */
import { TREE_DEPTH } from "./constants.ts";
import type { ZkGroup } from "./group.ts";
import type { ZkIdentity } from "./zk_identity.ts";
import type { ZkProof } from "./proof.ts";
import { type ArtifactPaths, artifactPaths } from "./artifacts.ts";
import { hashToField } from "./semaphore_value.ts";

export interface ProveRequest {
  /** uint256 scope (see semaphoreValue): the nullifier is unique per identity and scope. */
  scope: bigint;
  /** uint256 message the proof is bound to. */
  message: bigint;
}

export interface Prover {
  /**
   * Proves membership of `identity` in `group` for a scope and message (≈1–2 s on 2 cores).
   * @throws ZkError `not_a_member` when the identity is not a member.
   */
  prove(identity: ZkIdentity, group: ZkGroup, request: ProveRequest): Promise<ZkProof>;
  /** Stops snarkjs's worker threads (until the next prove). */
  close(): Promise<void>;
}

/** A prover over the installed artifacts (or `artifactsDir`). */
export function createProver(options: { artifactsDir?: string } = {}): Prover {
  const paths: ArtifactPaths = artifactPaths(options.artifactsDir);
  return {
    async prove(identity, group, request) {
      const witness = group.witness(identity.commitment);
      const siblings = [...witness.siblings];
      const length = siblings.length;
      while (siblings.length < TREE_DEPTH) siblings.push(0n);
      const { groth16 } = await import("snarkjs");
      const { proof, publicSignals } = await groth16.fullProve(
        {
          secret: identity.secretScalar,
          merkleProofLength: length,
          merkleProofIndex: witness.index,
          merkleProofSiblings: siblings,
          scope: hashToField(request.scope),
          message: hashToField(request.message),
        },
        paths.wasm,
        paths.zkey,
      );
      // Public signals: [root, nullifier, hash(message), hash(scope)].
      const root = BigInt(publicSignals[0]);
      if (root !== witness.root) throw new Error("circuit root differs from the group root");
      return {
        depth: TREE_DEPTH,
        root,
        nullifier: BigInt(publicSignals[1]),
        message: request.message,
        scope: request.scope,
        points: [
          proof.pi_a[0],
          proof.pi_a[1],
          proof.pi_b[0][1],
          proof.pi_b[0][0],
          proof.pi_b[1][1],
          proof.pi_b[1][0],
          proof.pi_c[0],
          proof.pi_c[1],
        ].map(BigInt),
      };
    },
    async close() {
      await terminateCurve();
    },
  };
}

/** snarkjs caches its bn128 curve (and worker threads) on globalThis; stop and forget it. */
async function terminateCurve(): Promise<void> {
  const holder = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  const curve = holder.curve_bn128;
  if (!curve) return;
  holder.curve_bn128 = null;
  await curve.terminate();
}
