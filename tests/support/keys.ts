/** Deterministic Ed25519 identities for transport and hello tests. */
import { sodium } from "../../src/crypto/sodium.ts";

/**
 * The hello signer for a seed of 32 bytes all equal to `fill`: the seed and its public key (the
 * expanded private key is zeroed at once).
 */
export async function seededIdentity(
  fill: number,
): Promise<{ seed: Uint8Array; publicKey: Uint8Array }> {
  const na = await sodium();
  const seed = new Uint8Array(32).fill(fill);
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
  privateKey.fill(0);
  return { seed, publicKey };
}
