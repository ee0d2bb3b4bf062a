/**
 * The Semaphore v4 identity behind a Legion ZK secret.
 *
 * The 32-byte secret (HKDF of the recovery phrase, tag `legion/v1/zk-identity`) is used as the
 * Semaphore private key: Baby Jubjub EdDSA-Poseidon derives the secret scalar from it, and the
 * public commitment is Poseidon(public key). So the same secret gives the same identity in any
 * Semaphore v4 app (`Identity.import(base64(secret))`).
 */
import { Identity } from "@semaphore-protocol/identity";

export interface ZkIdentity {
  /** Public: the leaf that goes into groups. */
  commitment: bigint;
  /** Secret: the circuit's private input. */
  secretScalar: bigint;
}

/** The identity for a 32-byte secret (≈13 ms). */
export function zkIdentity(secret: Uint8Array): ZkIdentity {
  if (secret.length !== 32) throw new RangeError("a ZK secret is 32 bytes");
  const identity = new Identity(secret.slice());
  return { commitment: identity.commitment, secretScalar: identity.secretScalar };
}
