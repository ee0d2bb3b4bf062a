/**
 * `send --wait`: queue a message and wait until the peer acks it, within one deadline that covers
 * everything (tor start-up included). Through the running node when there is one (its events tell
 * us; a failed attempt is retried through `queue.flush`); otherwise this process brings tor up and
 * delivers itself, retrying until the deadline. The outcome names the last failure's cause.
 * The context's signal (SIGINT/SIGTERM) ends the wait at once; the message stays queued.
 */
import { getMessage } from "../store/messages.ts";
import { fromHex } from "../crypto/hex.ts";
import { isLegionError, isReasonError } from "../errors.ts";
import { agentFor, localHost } from "./service_call.ts";
import { runService, type ServiceHost } from "./services.ts";
import { delivererOver, torDeliverer, type TorOptions } from "./tor_setup.ts";
import type { AgentClient } from "./agent_client.ts";
import type { Deliverer } from "./outbound.ts";
import type { TransportFactory } from "./node.ts";
import type { NodeContext } from "./node_context.ts";
import type {
  Queued,
  SendParams,
  ServiceName,
  ServiceParams,
  ServiceResult,
} from "./service_map.ts";

/** Pause between delivery attempts while waiting (a dial to an offline onion takes seconds). */
export const WAIT_RETRY_MS = 5_000;

export type WaitOutcome =
  | { id: string; state: "delivered" | "failed" | "queued" }
  /** Tor did not come up, or the last attempt to reach the peer failed with `error`. */
  | { id: string; state: "unreachable"; cause: "tor" | "peer"; error: string };

/** Runs a service where the wait runs (the node's agent, or this process's host). */
export type ServiceCaller = <N extends ServiceName>(
  name: N,
  params: ServiceParams<N>,
) => Promise<ServiceResult<N>>;

export interface WaitRequest {
  params: SendParams;
  /** Queues something else than `params`' text (an attachment); returns what was queued. */
  queue?: (call: ServiceCaller) => Promise<Queued>;
  waitMs: number;
  tor: TorOptions;
  onQueued: (queued: Queued) => void;
  /** Dial through this instead of bringing tor up (tests: the in-memory network). */
  transport?: TransportFactory;
  /** Pause between attempts (default WAIT_RETRY_MS). */
  retryMs?: number;
}

export async function sendAndWait(ctx: NodeContext, request: WaitRequest): Promise<WaitOutcome> {
  const deadline = Date.now() + request.waitMs;
  const agent = await agentFor(ctx);
  if (agent) return await waitThroughNode(agent, request, deadline, ctx.signal);
  return await waitLocally(ctx, request, deadline);
}

async function waitThroughNode(
  agent: AgentClient,
  request: WaitRequest,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<WaitOutcome> {
  const seen = new Map<string, "delivered" | "failed">();
  const retries: Array<{ to: string; error: string }> = [];
  const wakeUp = new Wakeup(signal);
  agent.onEvent((event) => {
    if (event.type === "delivered" || event.type === "failed") {
      seen.set(String(event.id), event.type);
      wakeUp.wake();
    } else if (event.type === "retry") {
      retries.push({ to: String(event.to), error: String(event.error) });
      wakeUp.wake();
    }
  });
  await agent.subscribe();
  const queued = request.queue
    ? await request.queue((name, params) => agent.call(name, params))
    : await agent.call("send", request.params);
  request.onQueued(queued);
  let lastError: string | undefined;
  let retryAt: number | undefined;
  let checked = 0;
  while (!seen.has(queued.id) && Date.now() < deadline && !signal?.aborted) {
    await wakeUp.sleep(Math.min(deadline, retryAt ?? deadline) - Date.now());
    for (; checked < retries.length; checked++) {
      if (retries[checked].to !== queued.to) continue;
      lastError = retries[checked].error;
      retryAt = Date.now() + (request.retryMs ?? WAIT_RETRY_MS);
    }
    if (retryAt !== undefined && Date.now() >= retryAt && Date.now() < deadline) {
      // The node would wait out its backoff; we have a deadline, so ask for an attempt now.
      retryAt = undefined;
      void agent.call("queue.flush", { timeoutMs: deadline - Date.now() }).catch(() => {});
    }
  }
  const state = seen.get(queued.id);
  if (state) return { id: queued.id, state };
  if (lastError !== undefined) {
    return { id: queued.id, state: "unreachable", cause: "peer", error: lastError };
  }
  return { id: queued.id, state: "queued" };
}

async function waitLocally(
  ctx: NodeContext,
  request: WaitRequest,
  deadline: number,
): Promise<WaitOutcome> {
  const host = await localHost(ctx);
  const queued = request.queue
    ? await request.queue((name, params) => runService(host, name, params))
    : await runService(host, "send", request.params);
  request.onQueued(queued);
  const { messenger } = host;
  const contactId = host.signal.contact(queued.to).id;
  let lastError: string | undefined;
  let torError: string | undefined = "tor did not start in time";
  const previous = messenger.eventSink;
  messenger.setEventSink((event) => {
    if (event.type === "retry" && event.to === queued.to) lastError = event.error;
    previous(event);
  });
  const wakeUp = new Wakeup(ctx.signal);
  let stopped = false;
  // Registered before tor comes up, so it runs after tor is stopped (cleanups run in reverse):
  // the interrupted delivery then records its failure while the store is still open.
  let work: Promise<void> = Promise.resolve();
  ctx.onCleanup(() => work);
  const stateOf = () => messageState(host, queued.id);
  work = (async () => {
    let deliverer: Deliverer;
    try {
      deliverer = await openDeliverer(ctx, host, request, deadline);
      torError = undefined;
    } catch (err) {
      if (!isLegionError(err) && !isReasonError(err)) throw err;
      torError = err.message;
      return;
    }
    while (!stopped && !ctx.signal?.aborted) {
      await deliverer.deliverTo(contactId);
      if (stateOf() !== "queued" || stopped) return;
      await wakeUp.sleep(Math.min(request.retryMs ?? WAIT_RETRY_MS, deadline - Date.now()));
    }
  })();
  try {
    await Promise.race([wakeUp.sleep(deadline - Date.now()), work]);
  } finally {
    stopped = true;
    wakeUp.wake();
    work = work.catch(() => {}).finally(() => messenger.setEventSink(previous));
  }
  const state = stateOf();
  if (state !== "queued") return { id: queued.id, state };
  if (torError !== undefined) {
    return { id: queued.id, state: "unreachable", cause: "tor", error: torError };
  }
  if (lastError !== undefined) {
    return { id: queued.id, state: "unreachable", cause: "peer", error: lastError };
  }
  return { id: queued.id, state: "queued" };
}

/** Brings tor up with what is left of the deadline as its bootstrap limit (or uses `transport`). */
function openDeliverer(
  ctx: NodeContext,
  host: ServiceHost,
  request: WaitRequest,
  deadline: number,
): Promise<Deliverer> {
  if (request.transport) return Promise.resolve(delivererOver(ctx, host, request.transport));
  const remainingSeconds = Math.max(0.001, (deadline - Date.now()) / 1000);
  const torTimeout = Math.min(request.tor.torTimeout, remainingSeconds);
  return torDeliverer(ctx, host, { ...request.tor, torTimeout });
}

function messageState(host: ServiceHost, id: string): "delivered" | "failed" | "queued" {
  const { store } = host.messenger;
  const state = getMessage(store.db, store.sealer, fromHex(id))?.state;
  if (state === "delivered" || state === "read") return "delivered";
  return state === "failed" ? "failed" : "queued";
}

/**
 * Sleeps that `wake()` (or the abort signal) ends early; their timers are always cleared, so
 * nothing outlives a wait.
 */
class Wakeup {
  readonly #sleepers = new Set<() => void>();

  constructor(private readonly signal?: AbortSignal) {
    signal?.addEventListener("abort", () => this.wake(), { once: true });
  }

  get aborted(): boolean {
    return this.signal?.aborted ?? false;
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#sleepers.add(done);
    });
  }

  wake(): void {
    for (const done of [...this.#sleepers]) done();
  }
}
