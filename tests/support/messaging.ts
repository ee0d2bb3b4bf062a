/**
 * Two or more in-process messaging nodes on an in-memory network: real SQLite, real libsignal,
 * real hello handshake and framing — only the Tor hop is replaced (the transport seam).
 */
import { MemoryNetwork } from "../../src/transport/memory_transport.ts";
import type { Listener, Transport } from "../../src/transport/transport.ts";
import { Messenger } from "../../src/node/messenger.ts";
import { Deliverer } from "../../src/node/outbound.ts";
import { serveInbound } from "../../src/node/inbound.ts";
import { contactPeers } from "../../src/node/known_contacts.ts";
import type { NodeEvent } from "../../src/node/events.ts";
import { loadIdentity } from "../../src/store/identity_store.ts";
import { newNode, type TestNode } from "./signal.ts";

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
): Promise<MessagingNode> {
  const node = await newNode(dir, name, clock);
  const events: NodeEvent[] = [];
  const messenger = new Messenger({
    store: { home: dir, db: node.db, sealer: node.sealer, close: () => node.close() },
    signal: node.signal,
    now: () => clock.now,
    emit: (event) => events.push(event),
  });
  const identity = loadIdentity(node.db, node.sealer);
  const transport = network.transport({
    identity: { seed: identity.seed, publicKey: identity.publicKey },
    knownPeers: contactPeers(node.signal),
    now: () => clock.now,
  });
  return {
    node,
    messenger,
    transport,
    deliverer: new Deliverer(messenger, transport),
    events,
    listen: () => transport.listen((stream, peer) => serveInbound(messenger, stream, peer)),
  };
}

export function eventsOf<T extends NodeEvent["type"]>(
  node: MessagingNode,
  type: T,
): Extract<NodeEvent, { type: T }>[] {
  return node.events.filter((e) => e.type === type) as Extract<NodeEvent, { type: T }>[];
}
