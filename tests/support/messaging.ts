/**
 * Two or more in-process messaging nodes on an in-memory network: real SQLite, real libsignal,
 * real hello handshake and framing — only the Tor hop is replaced (the transport seam). Each is
 * wired by the node's own `assembleNode`, exactly as `legion listen` wires it.
 */
import { MemoryNetwork } from "../../src/transport/memory_transport.ts";
import type { Listener, Transport } from "../../src/transport/transport.ts";
import type { Messenger } from "../../src/node/messenger.ts";
import type { Deliverer } from "../../src/node/outbound.ts";
import { assembleNode } from "../../src/node/node.ts";
import type { NodeEvent } from "../../src/node/events.ts";
import type { InboundLimits } from "../../src/node/inbound_limits.ts";
import { introduce, newNode, T0, type TestNode } from "./signal.ts";

export interface MessagingNode {
  node: TestNode;
  messenger: Messenger;
  transport: Transport;
  deliverer: Deliverer;
  events: NodeEvent[];
  listen(): Promise<Listener>;
}

export async function messagingNode(
  network: MemoryNetwork,
  dir: string,
  name: string,
  clock: { now: number },
  options: { limits?: Partial<InboundLimits> } = {},
): Promise<MessagingNode> {
  const node = await newNode(dir, name, clock);
  const events: NodeEvent[] = [];
  const assembled = assembleNode(node.store, {
    now: () => clock.now,
    transport: (options) => network.transport(options),
    emit: (event) => events.push(event),
    limits: options.limits,
  });
  // One libsignal context per store: the test's handle uses the node's own.
  node.signal = assembled.signal;
  // The tests decide when deliveries run.
  assembled.messenger.onQueued = () => {};
  assembled.messenger.onPeerQueued = () => {};
  return {
    node,
    messenger: assembled.messenger,
    transport: assembled.transport,
    deliverer: assembled.deliverer,
    events,
    listen: () => assembled.listen(),
  };
}

export function eventsOf<T extends NodeEvent["type"]>(
  node: MessagingNode,
  type: T,
): Extract<NodeEvent, { type: T }>[] {
  return node.events.filter((e) => e.type === type) as Extract<NodeEvent, { type: T }>[];
}

/**
 * Alice and Bob as messaging nodes on one fresh in-memory network and one shared clock (starting at
 * T0), each holding the other as a contact (`bobId` at alice, `aliceId` at bob). Neither listens yet.
 */
export async function messagingPair(dir: string) {
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await messagingNode(network, dir, "alice", clock);
  const bob = await messagingNode(network, dir, "bob", clock);
  await introduce(alice.node, bob.node);
  const bobId = alice.node.signal.contact("bob").id;
  const aliceId = bob.node.signal.contact("alice").id;
  return { network, clock, alice, bob, bobId, aliceId };
}
