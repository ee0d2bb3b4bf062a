/**
 * What a sender deposits at a contact's relay mailbox: the same delivery a direct `deliver`
 * carries (item id + libsignal ciphertext), with the sender's Ed25519 key (a direct delivery names
 * it in the transport's hello), sealed to the mailbox's X25519 box key from the contact's card so
 * the relay sees neither who sent it nor to whom:
 *
 *   envelope = crypto_box_seal(0x01 || sender ed25519 (32) || id (16) || ciphertext, box key)
 *
 * The receiver decrypts the ciphertext with its session with the named contact, exactly as a
 * direct delivery: a wrong sender key fails libsignal's decryption (the session is the named
 * contact's) and is dropped.
 */
import type { Sodium } from "../crypto/sodium.ts";

export const RELAY_ENVELOPE_VERSION = 0x01;

export interface RelayDelivery {
  sender: Uint8Array;
  id: Uint8Array;
  ciphertext: Uint8Array;
}

export function sealRelayEnvelope(na: Sodium, delivery: RelayDelivery, box: Uint8Array) {
  if (delivery.sender.length !== 32 || delivery.id.length !== 16) {
    throw new RangeError("sender key must be 32 bytes and id 16");
  }
  const plain = new Uint8Array(1 + 32 + 16 + delivery.ciphertext.length);
  plain[0] = RELAY_ENVELOPE_VERSION;
  plain.set(delivery.sender, 1);
  plain.set(delivery.id, 33);
  plain.set(delivery.ciphertext, 49);
  return na.crypto_box_seal(plain, box);
}

/** Opens an envelope with the mailbox's box key pair; undefined when it is not one of ours. */
export function openRelayEnvelope(
  na: Sodium,
  envelope: Uint8Array,
  keys: { publicKey: Uint8Array; secretKey: Uint8Array },
): RelayDelivery | undefined {
  let plain: Uint8Array;
  try {
    plain = na.crypto_box_seal_open(envelope, keys.publicKey, keys.secretKey);
  } catch {
    return undefined;
  }
  if (plain.length <= 49 || plain[0] !== RELAY_ENVELOPE_VERSION) return undefined;
  return {
    sender: plain.slice(1, 33),
    id: plain.slice(33, 49),
    ciphertext: plain.slice(49),
  };
}
