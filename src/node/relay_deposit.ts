/**
 * The deposit fallback (docs/relay.md, "Client"): a contact's queue item that direct delivery has
 * failed to deliver for `delayMs` (default 2 minutes), or one sent with `--via-relay`, is deposited
 * at a mailbox named on the contact's card — the same delivery (id + libsignal ciphertext), sealed
 * to the mailbox's box key — with a Semaphore proof of membership in the relay's group.
 *
 * A slot of the current epoch is taken and committed before the proof is made (slow, and never
 * inside a store transaction), so it is never used twice. The item stays queued: it leaves the
 * queue, marked `delivered`, when the contact's signed ack arrives on the next direct delivery
 * (the contact, having stored it from its mailbox, acks the redelivery as a duplicate). Refusals
 * and failures are recorded on the item (`queue list`) and tried again on the next attempt.
 */
import type { Messenger } from "./messenger.ts";
import type { CardMailbox } from "../crypto/card.ts";
import { markRelayed, type OutboxItem, recordRelayError, relayDueItems } from "../store/outbox.ts";
import { relayTag, takeSlot } from "../store/relay_slots.ts";
import { sodium } from "../crypto/sodium.ts";
import { toHex } from "../crypto/hex.ts";
import { sealRelayEnvelope } from "../protocol/relay_envelope.ts";
import { deposit, fetchGroupText, proveDeposit } from "../relay/relay_client.ts";
import { epochAt } from "../relay/relay_rules.ts";
import { createProver, loadGroupHasher, parseGroupText, type Prover } from "../zk/mod.ts";
import type { ZkIdentity } from "../zk/zk_identity.ts";
import { type RelayDialer, relayEndpoint, relayZkIdentity } from "./relay_link.ts";

/** How long direct delivery must have failed before an item is deposited at a relay. */
export const DEFAULT_RELAY_DELAY_MS = 120_000;

export interface RelayDepositorOptions {
  delayMs?: number;
  /** Defaults to snarkjs over the installed artifacts. */
  prover?: Prover;
}

export class RelayDepositor {
  readonly delayMs: number;
  #prover: Prover | undefined;
  #identity: ZkIdentity | undefined;

  constructor(
    private readonly messenger: Messenger,
    private readonly dialer: RelayDialer,
    options: RelayDepositorOptions = {},
  ) {
    this.delayMs = options.delayMs ?? DEFAULT_RELAY_DELAY_MS;
    this.#prover = options.prover;
  }

  /**
   * Deposits the contact's due items; returns how many were deposited. Items in `tried` are
   * skipped, and those tried now are added (one attempt per item per delivery pass).
   */
  async depositDue(
    contactId: number,
    signal?: AbortSignal,
    tried = new Set<string>(),
  ): Promise<number> {
    const { messenger } = this;
    const contact = messenger.signal.contactById(contactId);
    const mailboxes = contact?.card.mailboxes ?? [];
    if (!contact || mailboxes.length === 0) return 0;
    const items = relayDueItems(
      messenger.store.db,
      messenger.store.sealer,
      contactId,
      messenger.now(),
      this.delayMs,
    );
    let deposited = 0;
    for (const item of items) {
      signal?.throwIfAborted();
      if (tried.has(toHex(item.id))) continue;
      tried.add(toHex(item.id));
      const errors: string[] = [];
      let relay: string | undefined;
      for (const mailbox of mailboxes) {
        try {
          await this.#depositOne(item, mailbox, signal);
          relay = mailbox.onion;
          break;
        } catch (err) {
          if (signal?.aborted) throw err;
          errors.push(`relay ${mailbox.onion.slice(0, 16)}…: ${(err as Error).message}`);
        }
      }
      if (relay !== undefined) {
        await messenger.write(() => markRelayed(messenger.store.db, item.id, messenger.now()));
        messenger.emit({ type: "relayed", id: toHex(item.id), to: contact.name, relay });
        deposited++;
      } else {
        const error = errors.join("; ");
        await messenger.write(() =>
          recordRelayError(messenger.store.db, messenger.store.sealer, item.id, error)
        );
        messenger.emit({ type: "relay_refused", id: toHex(item.id), to: contact.name, error });
      }
    }
    return deposited;
  }

  async #depositOne(
    item: OutboxItem,
    mailbox: CardMailbox,
    signal?: AbortSignal,
  ): Promise<void> {
    const { messenger } = this;
    const na = await sodium();
    const endpoint = relayEndpoint(this.dialer, mailbox, signal);
    const envelope = sealRelayEnvelope(na, {
      sender: messenger.signal.ownEd25519,
      id: item.id,
      ciphertext: item.ciphertext,
    }, mailbox.box);
    await loadGroupHasher();
    // The member list comes over the relay's onion, which its key (on the card) authenticates.
    const group = parseGroupText(await fetchGroupText(endpoint));
    const identity = this.#identity ??= await relayZkIdentity(messenger.store);
    if (!group.has(identity.commitment)) {
      throw new Error(
        "not a member of the relay's group (give its operator `legion mailbox id`)",
      );
    }
    const epoch = epochAt(mailbox, messenger.now());
    const slot = await messenger.write(() =>
      takeSlot(
        messenger.store.db,
        relayTag(messenger.signal.keys.indexKey, mailbox.onion),
        epoch,
        mailbox.slots,
      )
    );
    if (slot === undefined) {
      throw new Error(`all ${mailbox.slots} deposit slots of this epoch used`);
    }
    // Slow (≈1–2 s): outside any store transaction.
    this.#prover ??= createProver();
    const proof = await proveDeposit(this.#prover, identity, group, {
      onion: mailbox.onion,
      epoch,
      slot,
      envelope,
    });
    await deposit(endpoint, { depositId: mailbox.deposit, epoch, slot, proof, envelope });
  }

  /** Stops the prover's worker threads. */
  async close(): Promise<void> {
    await this.#prover?.close();
  }
}
