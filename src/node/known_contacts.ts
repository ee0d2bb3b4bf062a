/** The transport's `KnownPeers` backed by the contact list: only contacts may open a stream. */
import type { KnownPeers } from "../protocol/known_peers.ts";
import type { SignalContext } from "../store/signal_context.ts";

export function contactPeers(signal: SignalContext): KnownPeers {
  return { has: (ed25519) => signal.contactByKey(ed25519) !== undefined };
}
