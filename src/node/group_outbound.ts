/**
 * Delivering one group peer's queue (store/group_outbox.ts): dial the onion recorded with its
 * items, send each envelope as `deliver_group` in windows, and drop an item only on the peer's ack
 * signed by the key it was queued for, over the item's id and exact envelope. A failure reschedules
 * that peer's items with backoff; every other member's items are untouched (their own rows, their
 * own runs). `later` keeps the item for a retry; `rejected` drops it (retrying cannot help).
 */
import type { Transport } from "../transport/transport.ts";
import type { FramedStream } from "../transport/framed_stream.ts";
import { AckStatus, decodeDelivery, encodeDelivery } from "../protocol/delivery.ts";
import { verifyAck } from "../protocol/ack.ts";
import { groupItemsFor, recordGroupFailure, removeGroupItem } from "../store/group_outbox.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { backoffDelay } from "./backoff.ts";
import { failureEvent } from "./failure_event.ts";
import { storeErrorOf } from "../store/store_error.ts";
import type { Messenger } from "./messenger.ts";
import { abortable } from "./abort.ts";

/** Items in flight on one stream before waiting for their acks. */
export const GROUP_DELIVERY_WINDOW = 32;
/** How long to wait for an ack (the receiver's engine commits first). */
export const GROUP_ACK_TIMEOUT_MS = 60_000;

export class PeerDeliverer {
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #again = new Set<string>();

  constructor(
    private readonly messenger: Messenger,
    private readonly transport: Transport,
    private readonly stop: AbortSignal,
  ) {}

  /**
   * Delivers one peer's queue (named by its tag, hex); resolves true when it drained. A call while
   * a delivery to the same peer runs makes that delivery look again before it finishes.
   */
  deliverTo(tagHex: string): Promise<boolean> {
    if (this.stop.aborted) return Promise.resolve(false);
    const running = this.#inFlight.get(tagHex);
    if (running) {
      this.#again.add(tagHex);
      return running;
    }
    const run = this.#deliver(tagHex).finally(() => this.#inFlight.delete(tagHex));
    this.#inFlight.set(tagHex, run);
    return run;
  }

  /** Resolves when every running delivery has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  async #deliver(tagHex: string): Promise<boolean> {
    const { messenger, stop } = this;
    const tag = fromHex(tagHex);
    const who = `group peer ${tagHex.slice(0, 16)}`;
    let stream: FramedStream | undefined;
    const endStream = () => stream?.destroy();
    stop.addEventListener("abort", endStream, { once: true });
    try {
      do {
        this.#again.delete(tagHex);
        for (;;) {
          const items = groupItemsFor(
            messenger.store.db,
            messenger.store.sealer,
            tag,
            messenger.now(),
            GROUP_DELIVERY_WINDOW,
          );
          if (items.length === 0) break;
          stop.throwIfAborted();
          const peer = items[0].peer;
          stream ??= await abortable(
            this.transport.dial(peer.onion, { signal: stop }),
            stop,
            (late) => late.destroy(),
          );
          for (const item of items) {
            await stream.send(
              encodeDelivery({ kind: "deliver_group", id: item.id, envelope: item.envelope }),
            );
          }
          const pending = new Map(items.map((item) => [toHex(item.id), item]));
          let later = false;
          while (pending.size > 0) {
            const ack = decodeDelivery(await stream.receive({ timeoutMs: GROUP_ACK_TIMEOUT_MS }));
            const item = ack.kind === "ack" ? pending.get(toHex(ack.id)) : undefined;
            if (!item || ack.kind !== "ack") throw new Error("unexpected reply from the peer");
            const fields = { id: item.id, status: ack.status, ciphertext: item.envelope };
            if (!(await verifyAck(item.peer.publicKey, fields, ack.signature))) {
              throw new Error("the peer's ack is not signed by the group member");
            }
            pending.delete(toHex(ack.id));
            if (ack.status === AckStatus.later) {
              later = true;
              continue;
            }
            await messenger.write(() => removeGroupItem(messenger.store.db, tag, item.id));
          }
          if (later) throw new Error("the peer asked us to retry later");
        }
      } while (this.#again.has(tagHex));
      return true;
    } catch (err) {
      if (stop.aborted) return false;
      const error = (err as Error).message;
      if (storeErrorOf(err)) messenger.emit(failureEvent(err, `delivering to ${who}`));
      try {
        const attempts = await messenger.write(() =>
          recordGroupFailure(messenger.store.db, messenger.store.sealer, tag, {
            error,
            now: messenger.now(),
            delay: (attempts) => backoffDelay(attempts, messenger.random()),
          })
        );
        messenger.emit({ type: "retry", to: who, attempts, error });
      } catch (recordErr) {
        messenger.emit(failureEvent(recordErr, `recording a failed delivery to ${who}`));
      }
      return false;
    } finally {
      stop.removeEventListener("abort", endStream);
      stream?.close();
    }
  }
}
