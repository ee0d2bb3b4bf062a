/**
 * An in-process group network for the engine's tests and bench: real ts-mls, real sealed SQLite
 * stores in temp dirs, and a FIFO of {@link Outgoing} bytes passed by hand. Offline nodes keep
 * what is sent to them in a mailbox until they come back.
 */
import { GroupEngine } from "../../src/group/group_engine.ts";
import type { GroupEvent, Outgoing, ReceiveResult } from "../../src/group/group_types.ts";
import { type GroupIdentity, groupIdentityFromSeed } from "../../src/group/mls_adapter.ts";
import { toHex } from "../../src/crypto/hex.ts";
import { testStore } from "./store.ts";

type Store = Awaited<ReturnType<typeof testStore>>;

export interface Delivery {
  from: Uint8Array;
  to: Uint8Array;
  kind: Outgoing["kind"];
  bytes: Uint8Array;
}

export interface SimNode {
  name: string;
  identity: GroupIdentity;
  key: Uint8Array;
  store: Store;
  engine: GroupEngine;
  contacts: Set<string>;
  events: GroupEvent[];
  results: Array<ReceiveResult & { kind: Outgoing["kind"]; from: Uint8Array }>;
  online: boolean;
  autoAccept: boolean;
  mailbox: Delivery[];
}

export class GroupSim implements AsyncDisposable {
  readonly nodes = new Map<string, SimNode>();
  readonly queue: Delivery[] = [];
  /** Every delivery made, in order (a removed member's "every later ciphertext"). */
  readonly wire: Delivery[] = [];
  bytesTo = new Map<string, number>();
  /** Added to every node's clock (expiry tests). */
  skewMs = 0;

  static async make(names: string[]): Promise<GroupSim> {
    const sim = new GroupSim();
    for (const [i, name] of names.entries()) {
      const identity = await groupIdentityFromSeed(new Uint8Array(32).fill(i + 1));
      const store = await testStore();
      const contacts = new Set<string>();
      const engine = GroupEngine.open({
        store,
        identity,
        isContact: (key) => contacts.has(toHex(key)),
        now: () => Date.now() + sim.skewMs,
      });
      sim.nodes.set(name, {
        name,
        identity,
        key: identity.publicKey,
        store,
        engine,
        contacts,
        events: [],
        results: [],
        online: true,
        autoAccept: true,
        mailbox: [],
      });
    }
    return sim;
  }

  node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  byKey(key: Uint8Array): SimNode {
    const hex = toHex(key);
    for (const node of this.nodes.values()) if (toHex(node.key) === hex) return node;
    throw new Error(`no node with key ${hex}`);
  }

  /** Makes `a` and `b` each other's contacts. */
  befriend(a: string, ...others: string[]): void {
    for (const b of others) {
      this.node(a).contacts.add(toHex(this.node(b).key));
      this.node(b).contacts.add(toHex(this.node(a).key));
    }
  }

  send(from: SimNode, outgoing: Outgoing[]): void {
    for (const o of outgoing) {
      this.queue.push({ from: from.key, to: o.to, kind: o.kind, bytes: o.bytes });
    }
  }

  /** Delivers until nothing is left to deliver (offline nodes' mail waits in their mailbox). */
  async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      const to = this.byKey(delivery.to);
      if (!to.online) {
        to.mailbox.push(delivery);
        continue;
      }
      await this.deliver(delivery);
    }
  }

  async deliver(delivery: Delivery): Promise<ReceiveResult> {
    const to = this.byKey(delivery.to);
    this.wire.push(delivery);
    this.bytesTo.set(to.name, (this.bytesTo.get(to.name) ?? 0) + delivery.bytes.length);
    const result = await to.engine.receive(delivery.from, delivery.bytes);
    to.results.push({ ...result, kind: delivery.kind, from: delivery.from });
    to.events.push(...result.events);
    this.send(to, result.outgoing);
    for (const event of result.events) {
      if (event.type === "group_invite" && to.autoAccept) {
        const accepted = await to.engine.accept(event.groupId);
        to.events.push(...accepted.events);
        this.send(to, accepted.outgoing);
      }
    }
    return result;
  }

  /** Runs an action of `node` and delivers everything it leads to. */
  async act<T extends { outgoing: Outgoing[]; events: GroupEvent[] }>(
    node: SimNode,
    action: (engine: GroupEngine) => Promise<T>,
  ): Promise<T> {
    const result = await action(node.engine);
    node.events.push(...result.events);
    this.send(node, result.outgoing);
    await this.pump();
    return result;
  }

  offline(name: string): void {
    this.node(name).online = false;
  }

  /** Brings a node back; its mailbox is delivered in `order` (reversed tests the holding). */
  async online(name: string, order: "fifo" | "reversed" = "fifo"): Promise<void> {
    const node = this.node(name);
    node.online = true;
    const mail = node.mailbox.splice(0);
    if (order === "reversed") mail.reverse();
    this.queue.unshift(...mail);
    await this.pump();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const node of this.nodes.values()) await node.store[Symbol.asyncDispose]();
  }
}
