/**
 * Real nodes with their group hubs on one in-memory network (tests of src/node/group_hub.ts):
 * real SQLite, libsignal, ts-mls, hello admission and queue. Alice knows everyone; nobody else
 * knows anyone but Alice, so what members send each other travels on roster-admitted streams.
 */
import { MemoryNetwork } from "../../src/transport/memory_transport.ts";
import { eventsOf, type MessagingNode, messagingNode } from "./messaging.ts";
import { introduce, T0 } from "./signal.ts";
import { attachGroups, type GroupHub } from "../../src/node/group_hub.ts";
import { outboxCount } from "../../src/store/outbox.ts";
import { groupOutboxCount } from "../../src/store/group_outbox.ts";
import type { Listener } from "../../src/transport/transport.ts";
import { toHex } from "../../src/crypto/hex.ts";

export interface Member {
  name: string;
  node: MessagingNode;
  hub: GroupHub;
}

export interface Sent {
  from: string;
  /** The recipient's Ed25519 key, hex. */
  to: string;
  bytes: Uint8Array;
}

export async function groupNetwork(
  dir: string,
  names: string[] = ["alice", "bob", "carol", "dave"],
) {
  const net = new MemoryNetwork();
  const clock = { now: T0 };
  const members: Member[] = [];
  /** Every envelope any hub queued, in order: who for whom, and the bytes (the wire's payload). */
  const sent: Sent[] = [];
  for (const name of names) {
    const node = await messagingNode(net, dir, name, clock);
    const enqueue = node.messenger.enqueueGroupEnvelope.bind(node.messenger);
    node.messenger.enqueueGroupEnvelope = (to, bytes, options) => {
      sent.push({ from: name, to: toHex(to), bytes });
      return enqueue(to, bytes, options);
    };
    members.push({ name, node, hub: await attachGroups(node.messenger) });
  }
  const [alice] = members;
  for (const other of members.slice(1)) {
    await introduce(alice.node.node, other.node.node, "alice", other.name);
  }
  const listeners: Listener[] = [];
  for (const m of members) listeners.push(await m.node.listen());
  /** Nodes switched off: they neither deliver nor can be reached. */
  const down = new Set<Member>();
  const queued = () => {
    let n = 0;
    for (const m of members) {
      const { db } = m.node.messenger.store;
      n += outboxCount(db) + groupOutboxCount(db);
    }
    return n;
  };
  /**
   * Delivers every queue until all are empty (each pass may queue answers); with nodes down,
   * until nothing moves any more (what is for them stays queued).
   */
  const pump = async () => {
    let before = -1;
    for (let pass = 0; pass < 40; pass++) {
      const now = queued();
      if (now === 0 || (down.size > 0 && now === before)) return;
      before = now;
      for (const m of members) {
        if (!down.has(m)) await m.node.deliverer.deliverDue({ ignoreBackoff: true });
      }
    }
    throw new Error("the queues did not drain");
  };
  const texts = (m: Member) =>
    eventsOf(m.node, "group_message").map((e) => e.burn ? "(burn)" : e.text);
  const byName = (name: string) => members.find((m) => m.name === name)!;
  return {
    network: net,
    clock,
    sent,
    members,
    byName,
    pump,
    texts,
    /** Switches a node off (unreachable, delivering nothing) or on again. */
    setDown(m: Member, isDown: boolean) {
      net.setReachable(m.node.transport.onion, !isDown);
      if (isDown) down.add(m);
      else down.delete(m);
    },
    async [Symbol.asyncDispose]() {
      for (const listener of listeners) await listener.close();
    },
  };
}
