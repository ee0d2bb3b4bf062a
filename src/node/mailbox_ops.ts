/**
 * `legion mailbox open | list | close | id`: this user's relay mailboxes. Opening one verifies the
 * relay's card, makes a fresh Ed25519 owner key and X25519 box key for it (so two mailboxes are not
 * linkable), opens it at the relay and stores it sealed; the next exported card names it.
 */
import type { Messenger } from "./messenger.ts";
import { deleteMailbox, insertMailbox, listMailboxes, type Mailbox } from "../store/mailboxes.ts";
import { sodium } from "../crypto/sodium.ts";
import { toHex } from "../crypto/hex.ts";
import { parseRelayCard } from "../relay/relay_card.ts";
import { closeMailbox, openMailbox } from "../relay/relay_client.ts";
import { LegionError } from "../errors.ts";
import type { MailboxInfo } from "./service_map.ts";
import { type RelayDialer, relayEndpoint, relayZkIdentity } from "./relay_link.ts";

export function mailboxInfo(mailbox: Mailbox): MailboxInfo {
  return {
    id: mailbox.id,
    relay: mailbox.relayOnion,
    depositId: toHex(mailbox.depositId),
    slotsPerEpoch: mailbox.slots,
    epochSeconds: mailbox.epochSeconds,
    createdAt: new Date(mailbox.createdAt).toISOString(),
  };
}

/** Opens a mailbox at the relay whose card text is `cardText`. @throws `bad_data` for a bad card */
export async function openMailboxAt(
  messenger: Messenger,
  dialer: RelayDialer,
  cardText: string,
  signal?: AbortSignal,
): Promise<MailboxInfo> {
  const na = await sodium();
  const card = parseRelayCard(na, cardText.trim());
  const ownerSeed = na.randombytes_buf(32);
  const { publicKey: ownerKey, privateKey } = na.crypto_sign_seed_keypair(ownerSeed);
  privateKey.fill(0);
  const box = na.crypto_box_keypair();
  const { fetchId, depositId } = await openMailbox(
    relayEndpoint(dialer, { onion: card.onion, key: card.publicKey }, signal),
    { seed: ownerSeed, publicKey: ownerKey },
  );
  const mailbox = {
    relayOnion: card.onion,
    relayKey: card.publicKey,
    slots: card.rules.slotsPerEpoch,
    epochSeconds: card.rules.epochSeconds,
    ownerSeed,
    ownerKey,
    fetchId,
    depositId,
    boxPublic: box.publicKey,
    boxSecret: box.privateKey,
    createdAt: messenger.now(),
  };
  const id = await messenger.write(() =>
    insertMailbox(messenger.store.db, messenger.store.sealer, mailbox)
  );
  return mailboxInfo({ id, ...mailbox });
}

export function listMailboxInfo(messenger: Messenger): MailboxInfo[] {
  return listMailboxes(messenger.store.db, messenger.store.sealer).map(mailboxInfo);
}

/** Closes a mailbox at its relay (everything in it is deleted there) and forgets it. */
export async function closeMailboxAt(
  messenger: Messenger,
  dialer: RelayDialer,
  id: number,
  signal?: AbortSignal,
): Promise<MailboxInfo> {
  const mailbox = listMailboxes(messenger.store.db, messenger.store.sealer).find((m) =>
    m.id === id
  );
  if (!mailbox) {
    throw new LegionError("no_input", `No mailbox ${id}`, { hint: "see `legion mailbox list`" });
  }
  await closeMailbox(
    relayEndpoint(dialer, { onion: mailbox.relayOnion, key: mailbox.relayKey }, signal),
    { seed: mailbox.ownerSeed, publicKey: mailbox.ownerKey },
    mailbox.fetchId,
  );
  await messenger.write(() => deleteMailbox(messenger.store.db, id));
  return mailboxInfo(mailbox);
}

/** The commitment to give relay operators (`relay admit`). */
export async function relayCommitment(messenger: Messenger): Promise<string> {
  return String((await relayZkIdentity(messenger.store)).commitment);
}
