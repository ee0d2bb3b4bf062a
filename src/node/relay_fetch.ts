/**
 * Fetching from this user's own mailboxes (docs/relay.md, "Client"): each fetched envelope is
 * opened with the mailbox's box key and processed exactly like a direct `deliver` from the contact
 * it names (receive.ts: decrypt, store sealed, dedup by id — one that also arrived directly is
 * stored once), and acked at the relay — which deletes it — only after that commit. An envelope
 * that is not ours, from no contact, or rejected by the receive path is deleted too; one over the
 * contact's quota (`later`) or hit by our own storage failure stays at the relay for the next fetch.
 */
import type { Messenger } from "./messenger.ts";
import { listMailboxes, type Mailbox } from "../store/mailboxes.ts";
import { sodium } from "../crypto/sodium.ts";
import { openRelayEnvelope } from "../protocol/relay_envelope.ts";
import { AckStatus } from "../protocol/delivery.ts";
import { ackItems, fetchItems } from "../relay/relay_client.ts";
import { receive } from "./receive.ts";
import { failureEvent } from "./failure_event.ts";
import { type RelayDialer, relayEndpoint } from "./relay_link.ts";

/** How often a running node fetches from its mailboxes. */
export const DEFAULT_FETCH_INTERVAL_MS = 180_000;

export interface FetchSummary {
  /** Envelopes fetched. */
  fetched: number;
  /** Deleted at the relay after processing. */
  acked: number;
}

/** Fetches every own mailbox once; a relay that fails is reported and skipped. */
export async function fetchMailboxes(
  messenger: Messenger,
  dialer: RelayDialer,
  signal?: AbortSignal,
): Promise<FetchSummary> {
  const summary: FetchSummary = { fetched: 0, acked: 0 };
  for (const mailbox of listMailboxes(messenger.store.db, messenger.store.sealer)) {
    try {
      const one = await fetchMailbox(messenger, dialer, mailbox, signal);
      summary.fetched += one.fetched;
      summary.acked += one.acked;
    } catch (err) {
      if (signal?.aborted) throw err;
      messenger.emit({
        type: "node_error",
        during: `fetching from mailbox ${mailbox.id} at ${mailbox.relayOnion.slice(0, 16)}…`,
        error: (err as Error).message,
      });
    }
  }
  return summary;
}

export async function fetchMailbox(
  messenger: Messenger,
  dialer: RelayDialer,
  mailbox: Mailbox,
  signal?: AbortSignal,
): Promise<FetchSummary> {
  const na = await sodium();
  const endpoint = relayEndpoint(
    dialer,
    { onion: mailbox.relayOnion, key: mailbox.relayKey },
    signal,
  );
  const owner = { seed: mailbox.ownerSeed, publicKey: mailbox.ownerKey };
  const items = await fetchItems(endpoint, owner, mailbox.fetchId);
  const done: Uint8Array[] = [];
  for (const item of items) {
    const delivery = openRelayEnvelope(na, item.envelope, {
      publicKey: mailbox.boxPublic,
      secretKey: mailbox.boxSecret,
    });
    const contact = delivery && messenger.signal.contactByKey(delivery.sender);
    if (!delivery || !contact) {
      done.push(item.itemId);
      continue;
    }
    let outcome;
    try {
      outcome = await receive(messenger, contact, delivery.id, delivery.ciphertext);
    } catch (err) {
      // Our own failure: nothing committed, the envelope stays at the relay.
      messenger.emit(failureEvent(err, `receiving from ${contact.name} via a relay`));
      continue;
    }
    if (outcome.status === AckStatus.later) continue;
    if (outcome.deleted) await messenger.checkpoint();
    for (const event of outcome.events) messenger.emit(event);
    if (outcome.queued) messenger.onQueued(contact.id);
    done.push(item.itemId);
  }
  // Only now, after every commit above: the relay deletes what it is told.
  const acked = done.length > 0 ? await ackItems(endpoint, owner, mailbox.fetchId, done) : 0;
  return { fetched: items.length, acked };
}
