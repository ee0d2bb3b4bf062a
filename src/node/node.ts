/**
 * A node over one unlocked store: the libsignal context, the messenger, the deliverer and a
 * transport signing hellos as this identity and admitting contacts and group peers (the latter
 * for group traffic only).
 *
 * `assembleNode` wires those parts (tests drive them directly over an in-memory transport);
 * `startNode` runs them as `legion listen` does: publishes the onion service, answers peers,
 * delivers the queue (at once when something is queued, and on a timer for retries), sweeps
 * expired messages, and serves other commands over the agent socket.
 */
import type { UnlockedStore } from "../store/open_store.ts";
import type { Listener, Transport } from "../transport/transport.ts";
import { openHost } from "./host.ts";
import { Deliverer } from "./outbound.ts";
import { serveInbound } from "./receive.ts";
import { InboundGate, type InboundLimits } from "./inbound_limits.ts";
import { signAck } from "../protocol/ack.ts";
import { type NodeTransportOptions, nodeTransportOptions } from "./transport_identity.ts";
import { startAgentServer } from "./agent_server.ts";
import { useRecorder } from "./use_recorder.ts";
import { runService, type ServiceHost } from "./services.ts";
import type { EventSink, NodeEvent } from "./events.ts";
import { inBackground } from "./failure_event.ts";
import type { NodeContext } from "./node_context.ts";
import type { GroupEnvelopeHandler } from "./group_envelope.ts";
import type { GroupPeer } from "./group_peers.ts";
import type { QueuedEnvelope } from "./messenger.ts";
import { type RelayDialer, relaySettings } from "./relay_link.ts";
import { RelayDepositor } from "./relay_deposit.ts";
import { fetchMailboxes } from "./relay_fetch.ts";
import { attachGroups } from "./group_hub.ts";

/** How often due retries are attempted and expired messages swept. */
export const RETRY_TICK_MS = 5_000;
export const SWEEP_TICK_MS = 30_000;
export const ROTATE_TICK_MS = 3_600_000;

/** Builds the node's transport (Tor in `listen`, in-memory in tests). */
export type TransportFactory = (options: NodeTransportOptions) => Transport;

export interface AssembledNode extends Required<Pick<ServiceHost, "signal" | "messenger">> {
  store: UnlockedStore;
  deliverer: Deliverer;
  transport: Transport;
  /** Publishes this node and answers peers' deliveries. */
  listen(): Promise<Listener>;
  /** Wipes the identity seed the transport signs with. */
  dispose(): void;
  /** The group engine's seams (docs/groups.md, "Transport"). */
  setGroupEnvelopeHandler(handler: GroupEnvelopeHandler | undefined): void;
  enqueueGroupEnvelope(toKey: Uint8Array, bytes: Uint8Array): Promise<QueuedEnvelope>;
  setGroupPeers(groupId: Uint8Array, peers: readonly GroupPeer[]): Promise<void>;
}

export function assembleNode(
  store: UnlockedStore,
  options: {
    now: () => number;
    transport: TransportFactory;
    emit?: EventSink;
    /** Per-contact inbound bounds (defaults: inbound_limits.ts). */
    limits?: Partial<InboundLimits>;
    /** Consumes received group envelopes (the group engine); none: they are refused. */
    groupHandler?: GroupEnvelopeHandler;
  },
): AssembledNode {
  const { signal, messenger } = openHost(store, options.now, options.emit);
  const gate = new InboundGate(options.limits, options.now);
  messenger.groupHandler = options.groupHandler;
  const identity = nodeTransportOptions(store, signal, options.now, messenger.groupPeers);
  const transport = options.transport(identity.options);
  const deliverer = new Deliverer(messenger, transport);
  messenger.onQueued = (contactId) =>
    inBackground(() => deliverer.deliverTo(contactId), "delivering", (e) => messenger.emit(e));
  messenger.onPeerQueued = (tag) =>
    inBackground(() => deliverer.peers.deliverTo(tag), "delivering", (e) => messenger.emit(e));
  return {
    store,
    signal,
    messenger,
    deliverer,
    transport,
    listen: () =>
      transport.listen((stream, peer) =>
        serveInbound(
          messenger,
          stream,
          peer,
          (fields) => signAck(identity.options.identity, fields),
          gate,
        )
      ),
    dispose: () => identity.wipe(),
    setGroupEnvelopeHandler: (handler) => void (messenger.groupHandler = handler),
    enqueueGroupEnvelope: (toKey, bytes) => messenger.enqueueGroupEnvelope(toKey, bytes),
    setGroupPeers: (groupId, peers) => messenger.groupPeers.setGroupPeers(groupId, peers),
  };
}

export interface RunningNode {
  onion: string;
  /** Stops promptly whatever is in flight (nothing waits on a peer); queued items stay queued. */
  close(): Promise<void>;
}

export async function startNode(
  ctx: NodeContext,
  store: UnlockedStore,
  options: {
    transport: TransportFactory;
    emit: EventSink;
    onShutdown?: () => void;
    /** Consumes received group envelopes (the group engine); none: they are refused. */
    groupHandler?: GroupEnvelopeHandler;
    /** Reaches relays (deposit fallback, mailbox fetches); none: no relay traffic. */
    relayDialer?: RelayDialer;
  },
): Promise<RunningNode> {
  const node = assembleNode(store, {
    now: () => ctx.now(),
    transport: options.transport,
    groupHandler: options.groupHandler,
  });
  const { messenger, signal, deliverer } = node;
  // The group engine consumes group envelopes unless the caller brought its own handler.
  const groups = options.groupHandler === undefined ? await attachGroups(messenger) : undefined;
  const sweep = async () => {
    await messenger.sweep();
    await groups?.engine.sweep();
    // Keys heal: due empty commits (owner) and fresh leaf keys (members); nothing most days.
    await groups?.maintain();
  };
  const host: ServiceHost = {
    signal,
    messenger,
    deliverer,
    shutdown: options.onShutdown ?? (() => {}),
    fetchCard: (onion, hash) => node.transport.fetchCard(onion, hash),
    relayDialer: options.relayDialer,
  };
  const relay = relaySettings(ctx.env);
  const stopRelay = new AbortController();
  if (options.relayDialer) {
    deliverer.relay = new RelayDepositor(messenger, options.relayDialer, {
      delayMs: relay.delayMs,
    });
  }
  const fetchRelays = async () => {
    if (options.relayDialer) await fetchMailboxes(messenger, options.relayDialer, stopRelay.signal);
  };
  // Each call through the agent is the user at work: it counts as use for the dead-man switch.
  const recordUse = useRecorder(store, () => ctx.now());
  const agent = await startAgentServer(store.home, async (name, params) => {
    await recordUse();
    return await runService(host, name, params as never);
  });
  const report = (event: NodeEvent) => {
    options.emit(event);
    agent.broadcast(event);
  };
  messenger.setEventSink(report);

  let listener: Listener | undefined;
  try {
    listener = await node.listen();
    // Expired messages go before anything is served; a store that fails here stops the start.
    await sweep();
  } catch (err) {
    await listener?.close();
    await agent.close();
    node.dispose();
    throw err;
  }
  // Timers are armed only once the node is up, so a failed start leaves none firing on a closed
  // store; each tick reports its failure as an event instead of ending the process.
  const background = (work: () => Promise<unknown>, during: string) => () =>
    inBackground(work, during, report);
  const timers = [
    setInterval(background(() => deliverer.deliverDue(), "delivering"), RETRY_TICK_MS),
    setInterval(background(sweep, "sweeping expired messages"), SWEEP_TICK_MS),
    setInterval(
      background(() => signal.rotatePreKeysIfDue(), "rotating prekeys"),
      ROTATE_TICK_MS,
    ),
    setInterval(background(fetchRelays, "fetching from relays"), relay.fetchIntervalMs),
  ];
  background(() => deliverer.deliverDue({ ignoreBackoff: true }), "delivering")();
  background(fetchRelays, "fetching from relays")();
  report({ type: "ready", onion: listener.onion });
  const up = listener;

  return {
    onion: up.onion,
    async close() {
      for (const timer of timers) clearInterval(timer);
      // First, so nothing waits on the network: in-flight dials and waits for acks end now and
      // their items stay queued for the next run.
      deliverer.abort();
      stopRelay.abort(new Error("the node is stopping"));
      await agent.close();
      await up.close();
      await deliverer.idle();
      await deliverer.relay?.close();
      node.dispose();
    },
  };
}
