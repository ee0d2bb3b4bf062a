/**
 * What a node hands its transport: the identity that signs hellos (and keys the onion service)
 * and who may open a stream: a contact, or a member of one of my groups (for group traffic only;
 * receive.ts enforces that once the stream is admitted).
 */
import type { KnownPeers } from "../protocol/known_peers.ts";
import type { SignalContext } from "../store/signal_context.ts";
import type { UnlockedStore } from "../store/open_store.ts";
import { loadIdentity } from "../store/identity_store.ts";
import type { TransportOptions } from "../transport/transport.ts";

/** The transport's `KnownPeers`: contacts, and group peers when given. */
export function contactPeers(signal: SignalContext, groupPeers?: KnownPeers): KnownPeers {
  return {
    has: (ed25519) =>
      signal.contactByKey(ed25519) !== undefined || (groupPeers?.has(ed25519) ?? false),
  };
}

/**
 * What the node gives a transport: its identity, who may connect, its clock, and the cards it
 * exported (the one thing a stranger may ask for, by hash).
 */
export type NodeTransportOptions = Required<
  Pick<TransportOptions, "identity" | "knownPeers" | "now" | "cards">
>;

/** The transport options of this store's identity; `wipe()` clears the seed copy they hold. */
export function nodeTransportOptions(
  store: Pick<UnlockedStore, "db" | "sealer">,
  signal: SignalContext,
  now: () => number,
  groupPeers?: KnownPeers,
): { options: NodeTransportOptions; wipe(): void } {
  const identity = loadIdentity(store.db, store.sealer);
  identity.zkSecret.fill(0);
  return {
    options: {
      identity: { seed: identity.seed, publicKey: identity.publicKey },
      knownPeers: contactPeers(signal, groupPeers),
      now,
      cards: (hash) => signal.exportedCard(hash),
    },
    wipe: () => identity.seed.fill(0),
  };
}
