/** One pass over the whole queue with this process's own tor (`legion queue run` without a node). */
import type { Invocation } from "../cli/invocation.ts";
import { outboxCount } from "../store/outbox.ts";
import { localHost } from "./service_call.ts";
import { torTransportFor } from "./tor_setup.ts";
import type { TorOptions } from "./tor_options.ts";
import { Deliverer } from "./outbound.ts";
import type { Messenger } from "./messenger.ts";
import type { EventSink } from "./events.ts";

export interface QueueRunSummary {
  delivered: number;
  remaining: number;
}

export async function runQueueOnce(
  inv: Invocation,
  tor: TorOptions,
  timeoutMs: number,
  emit: EventSink,
): Promise<QueueRunSummary> {
  const host = await localHost(inv);
  const { messenger } = host;
  const store = messenger.store;
  await messenger.sweep();
  if (outboxCount(store.db) === 0) return { delivered: 0, remaining: 0 };
  // Registered before tor comes up, so it runs after tor is stopped (cleanups run in reverse):
  // deliveries still in flight at the timeout then fail fast and record their failure (attempts,
  // last error, backoff) while the store is still open.
  const running: { deliverer?: Deliverer } = {};
  inv.onCleanup(async () => await running.deliverer?.idle());
  const transport = await torTransportFor(inv, host, tor);
  running.deliverer = new Deliverer(messenger, transport);
  return await flushQueue(messenger, running.deliverer, timeoutMs, emit);
}

/** Delivers every due item (ignoring backoff) within `timeoutMs`; counts what was delivered. */
export async function flushQueue(
  messenger: Messenger,
  deliverer: Deliverer,
  timeoutMs: number,
  emit?: EventSink,
): Promise<QueueRunSummary> {
  let delivered = 0;
  const previous = messenger.eventSink;
  messenger.setEventSink((event) => {
    if (event.type === "delivered") delivered++;
    previous(event);
    emit?.(event);
  });
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      deliverer.deliverDue({ ignoreBackoff: true }),
      new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
  } finally {
    messenger.setEventSink(previous);
  }
  return { delivered, remaining: outboxCount(messenger.store.db) };
}
