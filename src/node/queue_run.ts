/** One pass over the whole queue with this process's own tor (`legion queue run` without a node). */
import { outboxCount } from "../store/outbox.ts";
import { groupOutboxCount } from "../store/group_outbox.ts";
import { localHost } from "./service_call.ts";
import { torDeliverer, type TorOptions } from "./tor_setup.ts";
import type { Deliverer } from "./outbound.ts";
import type { EventSink } from "./events.ts";
import { flushQueue } from "./flush.ts";
import type { NodeContext } from "./node_context.ts";
import type { QueueRunSummary } from "./service_map.ts";

export async function runQueueOnce(
  ctx: NodeContext,
  tor: TorOptions,
  timeoutMs: number,
  emit: EventSink,
): Promise<QueueRunSummary> {
  const host = await localHost(ctx);
  const { messenger } = host;
  await messenger.sweep();
  const { db } = messenger.store;
  if (outboxCount(db) + groupOutboxCount(db) === 0) return { delivered: 0, remaining: 0 };
  // Registered before tor comes up, so it runs after tor is stopped (cleanups run in reverse):
  // deliveries still in flight at the timeout then fail fast and record their failure (attempts,
  // last error, backoff) while the store is still open.
  const running: { deliverer?: Deliverer } = {};
  ctx.onCleanup(async () => await running.deliverer?.idle());
  running.deliverer = await torDeliverer(ctx, host, tor);
  return await flushQueue(messenger, running.deliverer, timeoutMs, emit, ctx.signal);
}
