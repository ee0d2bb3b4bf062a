/**
 * Who may open a stream to this node. The contact store and group membership implement
 * this; the transport only asks the question, before any signature is checked.
 */
import { toHex } from "../crypto/hex.ts";

export interface KnownPeers {
  /** True when `publicKey` (Ed25519, 32 bytes) belongs to a contact or group member. */
  has(publicKey: Uint8Array): boolean;
}

/** A fixed set of keys, e.g. for tests or until contacts exist. */
export function knownPeerSet(
  keys: Iterable<Uint8Array>,
): KnownPeers & { add(key: Uint8Array): void } {
  const set = new Set<string>();
  for (const key of keys) set.add(toHex(key));
  return {
    has: (key) => key.length === 32 && set.has(toHex(key)),
    add: (key) => void set.add(toHex(key)),
  };
}
