/**
 * `group send --wait`: queue a post and wait until every other member's node acked its copy,
 * within one deadline (tor start-up included). Through the running node when there is one (asking
 * it for a delivery pass now and then); otherwise this process brings tor up and delivers itself.
 * Items left at the deadline stay queued.
 */
import { agentFor, localHost } from "./service_call.ts";
import { runService } from "./services.ts";
import { torDeliverer, type TorOptions } from "./tor_setup.ts";
import { flushQueue } from "./flush.ts";
import type { NodeContext } from "./node_context.ts";
import type { GroupQueued, ServiceParams } from "./service_map.ts";

/** Pause between delivery passes while waiting. */
export const GROUP_WAIT_RETRY_MS = 3_000;

export interface GroupWaitOutcome {
  queued: GroupQueued;
  /** Copies not acked by the deadline (still queued). */
  pending: number;
}

export async function groupSendAndWait(
  ctx: NodeContext,
  request: {
    params: ServiceParams<"group.send">;
    /** An inline attachment to post instead of `params`' text. */
    file?: ServiceParams<"group.send_file">;
    waitMs: number;
    tor: TorOptions;
    onQueued: (queued: GroupQueued) => void;
  },
): Promise<GroupWaitOutcome> {
  const deadline = Date.now() + request.waitMs;
  const left = () => deadline - Date.now();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, Math.min(ms, left())));
      ctx.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  const going = () => left() > 0 && !ctx.signal?.aborted;
  const agent = await agentFor(ctx);
  if (agent) {
    const queued = request.file
      ? await agent.call("group.send_file", request.file)
      : await agent.call("group.send", request.params);
    request.onQueued(queued);
    let pending = queued.items.length;
    while (pending > 0 && going()) {
      await agent.call("queue.flush", { timeoutMs: Math.max(1, left()) }).catch(() => {});
      pending = (await agent.call("group.pending", { items: queued.items })).pending;
      if (pending > 0) await sleep(GROUP_WAIT_RETRY_MS);
    }
    return { queued, pending };
  }
  const host = await localHost(ctx);
  const queued = request.file
    ? await runService(host, "group.send_file", request.file)
    : await runService(host, "group.send", request.params);
  request.onQueued(queued);
  const count = async () =>
    (await runService(host, "group.pending", { items: queued.items })).pending;
  let pending = await count();
  if (pending === 0) return { queued, pending };
  const torTimeout = Math.min(request.tor.torTimeout, Math.max(0.001, left() / 1000));
  const deliverer = await torDeliverer(ctx, host, { ...request.tor, torTimeout });
  ctx.onCleanup(() => deliverer.close());
  while (pending > 0 && going()) {
    await flushQueue(host.messenger, deliverer, Math.max(1, left()), undefined, ctx.signal);
    pending = await count();
    if (pending > 0) await sleep(GROUP_WAIT_RETRY_MS);
  }
  return { queued, pending };
}
