/**
 * Delivering one contact's queue: dial its onion, send the queued ciphertexts in windows (so a
 * slow circuit costs one round trip per window, not per message), and drop each item only on the
 * peer's ack, signed by the contact's Ed25519 key over the item's id and exact ciphertext. Any
 * failure reschedules what is left with backoff; other contacts are unaffected.
 *
 * `abort()` (the node stopping) ends every dial, SOCKS connect and wait for an ack at once; what
 * they were delivering stays queued as it was — no failure is recorded, since the peer did nothing
 * wrong — and the next run delivers it. An item sent but not yet acked may then arrive twice; the
 * receiver acks a duplicate without storing it again.
 *
 * Group peers who are not contacts have their own queue (store/group_outbox.ts), delivered by
 * `peers` (group_outbound.ts) under the same stop signal; `deliverDue` runs both in one pool.
 */
import type { Transport } from "../transport/transport.ts";
import type { FramedStream } from "../transport/framed_stream.ts";
import {
  AckStatus,
  chunkAckBody,
  decodeDelivery,
  encodeDelivery,
  MAX_CHUNKS_PER_FRAME,
  TransferStatus,
} from "../protocol/delivery.ts";
import type { Contact } from "../store/contacts.ts";
import {
  contactsWithTransfers,
  dropChunks,
  getTransfer,
  readChunks,
  setTransfer,
  type Transfer,
  transfersToSend,
} from "../store/transfers.ts";
import { ProgressGate } from "./progress.ts";
import { verifyAck } from "../protocol/ack.ts";
import {
  contactsWithDueItems,
  isQueued,
  itemsFor,
  recordFailure,
  removeFromOutbox,
} from "../store/outbox.ts";
import { setMessageState } from "../store/messages.ts";
import { toHex } from "../crypto/hex.ts";
import type { NodeEvent } from "./events.ts";
import { backoffDelay } from "./backoff.ts";
import { failureEvent } from "./failure_event.ts";
import { storeErrorOf } from "../store/store_error.ts";
import type { Messenger } from "./messenger.ts";
import { abortable } from "./abort.ts";
import { PeerDeliverer } from "./group_outbound.ts";
import { peersWithDueItems } from "../store/group_outbox.ts";
import type { RelayDepositor } from "./relay_deposit.ts";

/** Items in flight on one stream before waiting for their acks. */
export const DELIVERY_WINDOW = 32;
/** How long to wait for an ack (the receiver commits to disk first). */
export const ACK_TIMEOUT_MS = 60_000;
/** Contacts delivered to at once. */
export const DELIVERY_CONCURRENCY = 8;

/** `chunks` frames in flight on one stream before waiting for the first `have`. */
export const FRAME_WINDOW = 4;

const progress = new ProgressGate();

export class Deliverer {
  /** What this deliverer sent (tests and benchmarks count re-sent chunks with it). */
  readonly stats = { chunksSent: 0 };
  /** Chunks put on the wire per transfer (hex id), over every attempt of this deliverer. */
  readonly #sentBy = new Map<string, number>();
  /** Contacts whose transfers failed: attempts and when to try again (in memory; a restart retries). */
  readonly #transferBackoff = new Map<number, { attempts: number; at: number }>();
  readonly #inFlight = new Map<number, Promise<boolean>>();
  readonly #again = new Set<number>();
  readonly #stop = new AbortController();
  /** Delivers group envelopes to group peers who are not contacts. */
  readonly peers: PeerDeliverer;
  /** Deposits at contacts' relay mailboxes what direct delivery could not deliver (if set). */
  relay: RelayDepositor | undefined;

  constructor(private readonly messenger: Messenger, private readonly transport: Transport) {
    this.peers = new PeerDeliverer(messenger, transport, this.#stop.signal);
  }

  /**
   * Delivers every contact and group peer with due items; with `ignoreBackoff` (cron runs) all of
   * them.
   */
  async deliverDue(options: { ignoreBackoff?: boolean } = {}): Promise<void> {
    const { db } = this.messenger.store;
    const now = this.messenger.now();
    const contacts = new Set([
      ...contactsWithDueItems(db, now, options.ignoreBackoff),
      ...contactsWithTransfers(db).filter((id) =>
        options.ignoreBackoff || (this.#transferBackoff.get(id)?.at ?? 0) <= now
      ),
    ]);
    const due: Array<() => Promise<boolean>> = [
      ...[...contacts].map((id) => () => this.deliverTo(id)),
      ...peersWithDueItems(db, now, options.ignoreBackoff).map((tag) => () =>
        this.peers.deliverTo(tag)
      ),
    ];
    const workers = Array.from({ length: Math.min(DELIVERY_CONCURRENCY, due.length) }, async () => {
      for (let next = due.shift(); next !== undefined; next = due.shift()) await next();
    });
    await Promise.all(workers);
  }

  /**
   * Delivers one contact's queue; resolves true when it drained. A call while a delivery to the
   * same contact runs makes that delivery look again before it finishes.
   */
  deliverTo(contactId: number): Promise<boolean> {
    if (this.#stop.signal.aborted) return Promise.resolve(false);
    const running = this.#inFlight.get(contactId);
    if (running) {
      this.#again.add(contactId);
      return running;
    }
    const run = this.#deliver(contactId).finally(() => this.#inFlight.delete(contactId));
    this.#inFlight.set(contactId, run);
    return run;
  }

  /** Ends every delivery in flight at once and starts no new one; their items stay queued. */
  abort(): void {
    this.#stop.abort(new Error("the node is stopping"));
  }

  /** `abort()`, then waits for the deliveries to unwind (they do not wait on the network). */
  async close(): Promise<void> {
    this.abort();
    await this.idle();
  }

  /** Resolves when every running delivery has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
    await this.peers.idle();
  }

  /**
   * Sends a transfer's chunks from the peer's high-water mark (asked first), FRAME_WINDOW frames in
   * flight, each answered by a signed `have` once committed; ends when the peer reports the file
   * complete (our chunks are then dropped), corrupt or unknown (the message is marked failed).
   */
  async #sendChunks(stream: FramedStream, contact: Contact, transfer: Transfer): Promise<void> {
    const { messenger } = this;
    const { db } = messenger.store;
    const { id } = transfer;
    const idHex = toHex(id);
    const receiveHave = async () => {
      const reply = decodeDelivery(await stream.receive({ timeoutMs: ACK_TIMEOUT_MS }));
      if (reply.kind !== "have" || toHex(reply.id) !== idHex) {
        throw new Error("unexpected reply from the peer");
      }
      const fields = { id, status: 0 as const, ciphertext: chunkAckBody(reply.status, reply.have) };
      if (!(await verifyAck(contact.ed25519, fields, reply.signature))) {
        throw new Error("the peer's have is not signed by the contact");
      }
      return reply;
    };
    await stream.send(encodeDelivery({ kind: "query", id }));
    let reply = await receiveHave();
    let next = reply.have;
    const expected: number[] = [];
    let resync = false;
    while (reply.status === TransferStatus.receiving) {
      while (expected.length < FRAME_WINDOW && next < transfer.chunks && !resync) {
        const chunks = readChunks(
          db,
          id,
          next,
          Math.min(MAX_CHUNKS_PER_FRAME, transfer.chunks - next),
        );
        if (chunks.length === 0) throw new Error("the file's chunks are gone");
        await stream.send(encodeDelivery({ kind: "chunks", id, first: next, chunks }));
        this.stats.chunksSent += chunks.length;
        this.#sentBy.set(idHex, (this.#sentBy.get(idHex) ?? 0) + chunks.length);
        next += chunks.length;
        expected.push(next);
      }
      if (expected.length === 0) {
        if (!resync) throw new Error("the peer has every chunk but does not report the file");
        resync = false;
        next = reply.have;
        continue;
      }
      reply = await receiveHave();
      if (reply.have !== expected.shift()) resync = true;
      if (progress.due(idHex, messenger.now()) || reply.status !== TransferStatus.receiving) {
        messenger.emit({
          type: "progress",
          id: idHex,
          direction: "out",
          peer: contact.name,
          chunks: reply.have,
          total: transfer.chunks,
          sent: this.#sentBy.get(idHex) ?? 0,
        });
      }
      if (resync && expected.length === 0) {
        resync = false;
        next = reply.have;
      }
    }
    // Drain the replies still in flight before the stream is used for anything else.
    progress.forget(idHex);
    const done = reply.status === TransferStatus.complete;
    await messenger.write(() => {
      dropChunks(db, id);
      setTransfer(db, id, { state: "done", have: done ? transfer.chunks : reply.have });
      setMessageState(db, id, done ? "delivered" : "failed");
    });
    messenger.emit(
      done ? { type: "delivered", id: idHex, to: contact.name } : {
        type: "failed",
        id: idHex,
        to: contact.name,
        reason: reply.status === TransferStatus.corrupt
          ? "the peer refused it (it did not verify, or an image did not decode)"
          : "the peer no longer has the file's message",
      },
    );
    for (let i = expected.length; i > 0; i--) await receiveHave().catch(() => {});
  }

  /** The relay fallback for one contact; its failures are reported, never thrown. */
  async #deposit(contactId: number, tried: Set<string>): Promise<void> {
    if (!this.relay || this.#stop.signal.aborted) return;
    try {
      await this.relay.depositDue(contactId, this.#stop.signal, tried);
    } catch (err) {
      if (this.#stop.signal.aborted) return;
      this.messenger.emit(failureEvent(err, "depositing at a relay"));
    }
  }

  async #deliver(contactId: number): Promise<boolean> {
    const { messenger } = this;
    const contact = messenger.signal.contactById(contactId);
    if (!contact) return false;
    const stop = this.#stop.signal;
    let stream: FramedStream | undefined;
    // A stream ends on abort, which rejects its pending receive (the wait for an ack) at once.
    const endStream = () => stream?.destroy();
    /** Items offered to a relay in this pass (each at most once). */
    const tried = new Set<string>();
    stop.addEventListener("abort", endStream, { once: true });
    try {
      // `send --via-relay` items (and ones failing for long enough) go to the relay first.
      await this.#deposit(contactId, tried);
      do {
        this.#again.delete(contactId);
        for (;;) {
          const items = itemsFor(
            messenger.store.db,
            messenger.store.sealer,
            contactId,
            messenger.now(),
            DELIVERY_WINDOW,
          );
          if (items.length === 0) break;
          stop.throwIfAborted();
          stream ??= await abortable(
            this.transport.dial(contact.onion, { signal: stop }),
            stop,
            (late) => late.destroy(),
          );
          for (const item of items) {
            await stream.send(
              encodeDelivery({ kind: "deliver", id: item.id, ciphertext: item.ciphertext }),
            );
          }
          const sent = await messenger.write(() =>
            items.filter((item) =>
              item.kind === "message" && setMessageState(messenger.store.db, item.id, "sent")
            )
          );
          for (const item of sent) {
            messenger.emit({ type: "sent", id: toHex(item.id), to: contact.name });
          }
          const pending = new Map(items.map((item) => [toHex(item.id), item]));
          let later = false;
          while (pending.size > 0) {
            const ack = decodeDelivery(await stream.receive({ timeoutMs: ACK_TIMEOUT_MS }));
            const item = ack.kind === "ack" ? pending.get(toHex(ack.id)) : undefined;
            if (!item || ack.kind !== "ack") throw new Error("unexpected reply from the peer");
            // Only the contact's own signature over this id and this ciphertext drops the item:
            // a forged, misdirected or replayed ack leaves it queued for the next attempt.
            const fields = { id: item.id, status: ack.status, ciphertext: item.ciphertext };
            if (!(await verifyAck(contact.ed25519, fields, ack.signature))) {
              throw new Error("the peer's ack is not signed by the contact");
            }
            pending.delete(toHex(ack.id));
            // Over the peer's rate or quota for us: the item stays queued for a retry with backoff.
            if (ack.status === AckStatus.later) {
              later = true;
              continue;
            }
            const event = await messenger.write((): NodeEvent | undefined => {
              removeFromOutbox(messenger.store.db, item.id);
              if (item.kind !== "message") return undefined;
              const delivered = ack.status !== AckStatus.rejected;
              // An attachment is delivered once its chunks are; its descriptor only counts as sent.
              if (delivered && getTransfer(messenger.store.db, item.id)?.state === "sending") {
                return undefined;
              }
              setMessageState(messenger.store.db, item.id, delivered ? "delivered" : "failed");
              return delivered ? { type: "delivered", id: toHex(item.id), to: contact.name } : {
                type: "failed",
                id: toHex(item.id),
                to: contact.name,
                reason: "the peer could not decrypt it",
              };
            });
            if (event) messenger.emit(event);
          }
          if (later) throw new Error("the peer asked us to retry later");
        }
        for (const transfer of transfersToSend(messenger.store.db, contactId)) {
          // Its descriptor goes first: chunks of a transfer the peer has not heard of are refused.
          if (isQueued(messenger.store.db, transfer.id)) continue;
          stop.throwIfAborted();
          stream ??= await abortable(
            this.transport.dial(contact.onion, { signal: stop }),
            stop,
            (late) => late.destroy(),
          );
          await this.#sendChunks(stream, contact, transfer);
        }
      } while (this.#again.has(contactId));
      this.#transferBackoff.delete(contactId);
      return true;
    } catch (err) {
      if (stop.aborted) return false;
      const error = (err as Error).message;
      const attempts = (this.#transferBackoff.get(contactId)?.attempts ?? 0) + 1;
      this.#transferBackoff.set(contactId, {
        attempts,
        at: messenger.now() + backoffDelay(attempts, messenger.random()),
      });
      if (storeErrorOf(err)) messenger.emit(failureEvent(err, `delivering to ${contact.name}`));
      try {
        const attempts = await messenger.write(() =>
          recordFailure(messenger.store.db, messenger.store.sealer, contactId, {
            error,
            now: messenger.now(),
            delay: (attempts) => backoffDelay(attempts, messenger.random()),
          })
        );
        messenger.emit({ type: "retry", to: contact.name, attempts, error });
      } catch (recordErr) {
        // The items stay queued as they were and are tried again on the next tick.
        messenger.emit(failureEvent(recordErr, `recording a failed delivery to ${contact.name}`));
      }
      await this.#deposit(contactId, tried);
      return false;
    } finally {
      stop.removeEventListener("abort", endStream);
      stream?.close();
    }
  }
}
