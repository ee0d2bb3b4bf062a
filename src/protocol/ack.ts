/**
 * Signed delivery acks: the listener proves with its Ed25519 identity that it committed this
 * exact ciphertext under this id, so only the contact the message was for can make the sender
 * drop it from the queue.
 *
 *   signature = Ed25519(listener, "legion/v2/ack" || id (16) || status (1) || SHA-256(ciphertext))
 *
 * The hash binds the ack to the bytes the sender queued: an ack for another ciphertext, another id
 * (a replay from an earlier message) or by another key does not verify.
 */
import { sodium } from "../crypto/sodium.ts";
import type { Signer } from "./hello.ts";
import { ACK_SIGNATURE_BYTES, type AckStatus } from "./delivery.ts";
import { ID_BYTES } from "./message_id.ts";

export const ACK_DOMAIN = new TextEncoder().encode("legion/v2/ack");

export interface AckFields {
  id: Uint8Array;
  status: AckStatus;
  /** The exact ciphertext of the `deliver` being acked. */
  ciphertext: Uint8Array;
}

/** Signs an ack with the listener's identity; returns the 64-byte signature. */
export async function signAck(signer: Signer, fields: AckFields): Promise<Uint8Array> {
  const na = await sodium();
  const { privateKey } = na.crypto_sign_seed_keypair(signer.seed);
  try {
    return na.crypto_sign_detached(await signedMessage(fields), privateKey);
  } finally {
    privateKey.fill(0);
  }
}

/** Whether `signature` is `publicKey`'s signature over these ack fields. */
export async function verifyAck(
  publicKey: Uint8Array,
  fields: AckFields,
  signature: Uint8Array,
): Promise<boolean> {
  if (signature.length !== ACK_SIGNATURE_BYTES || publicKey.length !== 32) return false;
  const na = await sodium();
  try {
    return na.crypto_sign_verify_detached(signature, await signedMessage(fields), publicKey);
  } catch {
    return false;
  }
}

async function signedMessage(fields: AckFields): Promise<Uint8Array> {
  if (fields.id.length !== ID_BYTES) throw new RangeError("id must be 16 bytes");
  const na = await sodium();
  const digest = na.crypto_hash_sha256(fields.ciphertext);
  const out = new Uint8Array(ACK_DOMAIN.length + ID_BYTES + 1 + digest.length);
  out.set(ACK_DOMAIN, 0);
  out.set(fields.id, ACK_DOMAIN.length);
  out[ACK_DOMAIN.length + ID_BYTES] = fields.status;
  out.set(digest, ACK_DOMAIN.length + ID_BYTES + 1);
  return out;
}
