/**
 * One pass with this process's own tor (`legion queue run` without a node): fetch from every own
 * relay mailbox, then deliver the whole queue (depositing at contacts' relays what is due there).
 */
import { outboxCount } from "../store/outbox.ts";
import { listMailboxes } from "../store/mailboxes.ts";
import { groupOutboxCount } from "../store/group_outbox.ts";
import { localHost } from "./service_call.ts";
import { bringUpTor, delivererOver, type TorOptions, torTransport } from "./tor_setup.ts";
import type { Deliverer } from "./outbound.ts";
import type { EventSink } from "./events.ts";
import { flushQueue } from "./flush.ts";
import type { NodeContext } from "./node_context.ts";
import type { QueueRunSummary } from "./service_map.ts";
import type { TransportFactory } from "./node.ts";
import { type RelayDialer, socksRelayDialer } from "./relay_link.ts";
import { fetchMailboxes } from "./relay_fetch.ts";

export async function runQueueOnce(
  ctx: NodeContext,
  tor: TorOptions,
  timeoutMs: number,
  emit: EventSink,
  /** Instead of tor (tests): a transport for contacts and a dialer for relays. */
  network?: { transport: TransportFactory; relayDialer: RelayDialer },
): Promise<QueueRunSummary> {
  const host = await localHost(ctx);
  const { messenger } = host;
  await messenger.sweep();
  const { db, sealer } = messenger.store;
  const mailboxes = listMailboxes(db, sealer).length;
  if (outboxCount(db) + groupOutboxCount(db) === 0 && mailboxes === 0) {
    return { delivered: 0, remaining: 0 };
  }
  // Registered before tor comes up, so it runs after tor is stopped (cleanups run in reverse):
  // deliveries still in flight at the timeout then fail fast and record their failure (attempts,
  // last error, backoff) while the store is still open.
  const running: { deliverer?: Deliverer } = {};
  ctx.onCleanup(async () => await running.deliverer?.idle());
  let transport = network?.transport;
  let relayDialer = network?.relayDialer;
  if (!transport || !relayDialer) {
    const up = await bringUpTor(ctx, tor);
    transport = torTransport(up);
    relayDialer = socksRelayDialer(up.socks);
  }
  running.deliverer = delivererOver(ctx, host, transport, relayDialer);
  if (mailboxes > 0) {
    const previous = messenger.eventSink;
    messenger.setEventSink((event) => {
      previous(event);
      emit(event);
    });
    try {
      await fetchMailboxes(messenger, relayDialer, ctx.signal);
    } finally {
      messenger.setEventSink(previous);
    }
  }
  return await flushQueue(messenger, running.deliverer, timeoutMs, emit, ctx.signal);
}
