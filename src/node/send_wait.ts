/**
 * `send --wait`: queue a message and wait until the peer acks it. Through the running node when
 * there is one (its events tell us); otherwise this process brings tor up and delivers itself.
 * The context's signal (SIGINT/SIGTERM) ends the wait at once; the message stays queued.
 */
import { getMessage } from "../store/messages.ts";
import { fromHex } from "../crypto/hex.ts";
import { agentFor, localHost } from "./service_call.ts";
import { runService } from "./services.ts";
import { torDeliverer, type TorOptions } from "./tor_setup.ts";
import type { NodeContext } from "./node_context.ts";
import type { Queued, SendParams } from "./service_map.ts";
import { whenAborted } from "./abort.ts";

export interface WaitOutcome {
  id: string;
  state: "delivered" | "failed" | "queued";
}

export async function sendAndWait(
  ctx: NodeContext,
  params: SendParams,
  waitMs: number,
  tor: TorOptions,
  onQueued: (queued: Queued) => void,
): Promise<WaitOutcome> {
  const agent = await agentFor(ctx);
  if (agent) {
    const seen = new Map<string, "delivered" | "failed">();
    let wake = () => {};
    ctx.signal?.addEventListener("abort", () => wake(), { once: true });
    agent.onEvent((event) => {
      if (event.type === "delivered" || event.type === "failed") {
        seen.set(String(event.id), event.type);
        wake();
      }
    });
    await agent.subscribe();
    const queued = await agent.call("send", params);
    onQueued(queued);
    const deadline = Date.now() + waitMs;
    while (!seen.has(queued.id) && Date.now() < deadline && !ctx.signal?.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.max(0, deadline - Date.now()));
      });
    }
    return { id: queued.id, state: seen.get(queued.id) ?? "queued" };
  }

  const host = await localHost(ctx);
  const queued = await runService(host, "send", params);
  onQueued(queued);
  const store = host.messenger.store;
  // Registered before tor comes up, so it runs after tor is stopped (cleanups run in reverse):
  // the interrupted delivery then records its failure while the store is still open.
  let delivery: Promise<void> = Promise.resolve();
  ctx.onCleanup(() => delivery);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, waitMs));
  delivery = (async () => {
    const deliverer = await torDeliverer(ctx, host, tor);
    await deliverer.deliverTo(host.signal.contact(params.to).id);
  })();
  try {
    await Promise.race([deadline, delivery, whenAborted(ctx.signal)]);
  } finally {
    clearTimeout(timer);
    delivery = delivery.catch(() => {});
  }
  const state = getMessage(store.db, store.sealer, fromHex(queued.id))?.state;
  return {
    id: queued.id,
    state: state === "delivered" || state === "read"
      ? "delivered"
      : state === "failed"
      ? "failed"
      : "queued",
  };
}
