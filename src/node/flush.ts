/** One pass over the whole queue with a deliverer: what `queue run` and `queue.flush` do. */
import { outboxCount } from "../store/outbox.ts";
import { groupOutboxCount } from "../store/group_outbox.ts";
import type { Deliverer } from "./outbound.ts";
import type { Messenger } from "./messenger.ts";
import type { EventSink } from "./events.ts";
import type { QueueRunSummary } from "./service_map.ts";
import { whenAborted } from "./abort.ts";

/**
 * Delivers every due item (ignoring backoff) within `timeoutMs`, or until `signal` is aborted;
 * counts what was delivered.
 */
export async function flushQueue(
  messenger: Messenger,
  deliverer: Deliverer,
  timeoutMs: number,
  emit?: EventSink,
  signal?: AbortSignal,
): Promise<QueueRunSummary> {
  let delivered = 0;
  // Group peers' items emit no `delivered` event: they count by what left their queue.
  const before = groupOutboxCount(messenger.store.db);
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
      whenAborted(signal),
    ]);
    clearTimeout(timer);
  } finally {
    messenger.setEventSink(previous);
  }
  const { db } = messenger.store;
  const remaining = outboxCount(db) + groupOutboxCount(db);
  return { delivered: delivered + Math.max(0, before - remaining), remaining };
}
