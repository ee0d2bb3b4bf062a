/**
 * A running node (`legion listen`): holds the unlocked store, publishes the onion service, answers
 * peers, delivers the queue (at once when something is queued, and on a timer for retries),
 * sweeps expired messages, and serves other commands over the agent socket.
 */
import type { Invocation } from "../cli/invocation.ts";
import type { UnlockedStore } from "../store/open_store.ts";
import type { TorInstance } from "../transport/tor_process.ts";
import { openHost } from "./host.ts";
import { transportFor } from "./tor_setup.ts";
import { Deliverer } from "./outbound.ts";
import { serveInbound } from "./inbound.ts";
import { type AgentHandler, startAgentServer } from "./agent_server.ts";
import { runService, SERVICES } from "./services.ts";
import type { EventSink, NodeEvent } from "./events.ts";

/** How often due retries are attempted and expired messages swept. */
export const RETRY_TICK_MS = 5_000;
export const SWEEP_TICK_MS = 30_000;
export const ROTATE_TICK_MS = 3_600_000;

export interface RunningNode {
  onion: string;
  close(): Promise<void>;
}

export async function startNode(
  inv: Invocation,
  store: UnlockedStore,
  tor: TorInstance,
  emit: EventSink,
  onShutdown: () => void = () => {},
): Promise<RunningNode> {
  const now = inv.ctx.now;
  const host = openHost(store, now);
  const { messenger, signal } = host;
  const transport = transportFor(inv, host, tor);
  const deliverer = new Deliverer(messenger, transport);
  host.deliverer = deliverer;

  const handlers: Record<string, AgentHandler> = {};
  for (const name of Object.keys(SERVICES)) {
    handlers[name] = (params) => runService(host, name, params);
  }
  // `legion panic` asks the node to stop this way before it falls back to signals.
  handlers["node.shutdown"] = () => {
    setTimeout(onShutdown, 0);
    return Promise.resolve({ stopping: true });
  };
  const agent = await startAgentServer(store.home, handlers);
  const report = (event: NodeEvent) => {
    emit(event);
    agent.broadcast(event);
  };
  messenger.setEventSink(report);
  messenger.onQueued = (contactId) => void deliverer.deliverTo(contactId);

  const listener = await transport.listen((stream, peer) => serveInbound(messenger, stream, peer));
  const timers = [
    setInterval(() => void deliverer.deliverDue(), RETRY_TICK_MS),
    setInterval(() => void messenger.sweep(), SWEEP_TICK_MS),
    setInterval(() => signal.rotatePreKeysIfDue(), ROTATE_TICK_MS),
  ];
  await messenger.sweep();
  void deliverer.deliverDue({ ignoreBackoff: true });
  report({ type: "ready", onion: listener.onion });

  return {
    onion: listener.onion,
    async close() {
      for (const timer of timers) clearInterval(timer);
      await agent.close();
      await listener.close();
      await deliverer.idle();
    },
  };
}
