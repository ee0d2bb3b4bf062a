/**
 * Group envelopes on the private Tor network, in process: three nodes with real SQLite, libsignal
 * and each its own tor, wired by `assembleNode` as `legion listen` wires them, with a stub handler
 * where the group engine will sit. A and B are contacts; C is a contact of nobody, only a member
 * of the group A, B and C share. A queues one envelope to B (inside the 1:1 session) and one to C
 * (`deliver_group` on a stream C admits because A is on its roster); each handler sees it exactly
 * once, and A's queues drain on the signed acks.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { sharedTorNetwork, startNodeTor, stopSharedTorNetwork } from "../support/tor_network.ts";
import { introduce, newNode, type TestNode } from "../support/signal.ts";
import { type AssembledNode, assembleNode } from "../../src/node/node.ts";
import { torTransport } from "../../src/node/tor_setup.ts";
import type { TorInstance } from "../../src/transport/tor_process.ts";
import type { Listener } from "../../src/transport/transport.ts";
import type { GroupEnvelopeSender } from "../../src/node/group_envelope.ts";
import type { NodeEvent } from "../../src/node/events.ts";
import { outboxCount } from "../../src/store/outbox.ts";
import { groupEnvelopeCount, listGroupOutbox } from "../../src/store/group_outbox.ts";
import { toHex } from "../../src/crypto/hex.ts";

async function waitUntil(what: string, check: () => boolean, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

Deno.test({
  name: "group envelopes over a private Tor network: to a contact and to a group peer, once each",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "legion-group-transport-it-" });
    const tors: TorInstance[] = [];
    const listeners: Listener[] = [];
    const assembled: AssembledNode[] = [];
    const testNodes: TestNode[] = [];
    // Hellos carry the real time: the nodes' clock is the wall clock.
    const clock = {
      get now() {
        return Date.now();
      },
    };
    try {
      const network = await sharedTorNetwork();
      const names = ["alice", "bob", "carol"];
      tors.push(
        ...await Promise.all(names.map((name) => startNodeTor(network, join(work, name, "tor")))),
      );
      for (const name of names) testNodes.push(await newNode(work, name, clock));
      const [a, b, c] = testNodes;
      await introduce(a, b);
      const received = new Map<string, Array<{ from: GroupEnvelopeSender; bytes: Uint8Array }>>();
      const events: NodeEvent[] = [];
      testNodes.forEach((node, i) => {
        const got: Array<{ from: GroupEnvelopeSender; bytes: Uint8Array }> = [];
        received.set(names[i], got);
        const built = assembleNode(node.store, {
          now: () => Date.now(),
          transport: torTransport(tors[i]),
          emit: (event) => events.push(event),
          groupHandler: (from, bytes) => {
            got.push({ from, bytes: bytes.slice() });
            return Promise.resolve("stored");
          },
        });
        node.signal = built.signal;
        assembled.push(built);
      });
      const [nodeA, nodeB, nodeC] = assembled;
      const groupId = new TextEncoder().encode("tor-group");
      const roster = testNodes.map((node) => ({
        publicKey: node.signal.ownEd25519,
        onion: node.signal.onion,
      }));
      for (const node of assembled) await node.setGroupPeers(groupId, roster);
      listeners.push(...await Promise.all([nodeB.listen(), nodeC.listen()]));

      const bytes = crypto.getRandomValues(new Uint8Array(1155)); // an MLS post's size
      const started = performance.now();
      const toB = await nodeA.enqueueGroupEnvelope(b.signal.ownEd25519, bytes);
      const toC = await nodeA.enqueueGroupEnvelope(c.signal.ownEd25519, bytes);
      assertEquals([toB.via, toC.via], ["session", "stream"]);
      // As `listen`'s retry timer would: a dial before a fresh descriptor is reachable fails and
      // backs off; retries never duplicate what a handler saw (acks are awaited per item).
      const retry = setInterval(() => void nodeA.deliverer.deliverDue(), 5_000);
      try {
        await waitUntil(
          "both handlers to receive the envelope",
          () => received.get("bob")!.length > 0 && received.get("carol")!.length > 0,
        );
      } finally {
        clearInterval(retry);
      }
      const elapsed = performance.now() - started;
      await waitUntil(
        "A's queues to drain on the acks",
        () => outboxCount(a.db) === 0 && listGroupOutbox(a.db, a.sealer).length === 0,
        60_000,
      );
      await nodeA.deliverer.idle();
      console.error(
        `group envelope to B (session) and C (stream) over tor: ${elapsed.toFixed(0)} ms`,
      );
      const bobGot = received.get("bob")!;
      const carolGot = received.get("carol")!;
      assertEquals(bobGot.length, 1, "exactly once at B");
      assertEquals(carolGot.length, 1, "exactly once at C");
      assertEquals(toHex(bobGot[0].bytes), toHex(bytes));
      assertEquals(toHex(carolGot[0].bytes), toHex(bytes));
      assertEquals(toHex(bobGot[0].from.publicKey), toHex(a.signal.ownEd25519));
      assert(bobGot[0].from.contactId !== undefined, "B knows A as a contact");
      assertEquals(carolGot[0].from, { publicKey: a.signal.ownEd25519 });
      assertEquals(received.get("alice")!.length, 0);
      assertEquals(groupEnvelopeCount(a.db), 0);
      const retries = events.filter((e) => e.type === "retry");
      console.error(`retries before delivery: ${retries.length}`);
    } finally {
      for (const node of assembled) await node.deliverer.close();
      for (const listener of listeners) await listener.close().catch(() => {});
      for (const node of assembled) node.dispose();
      for (const tor of tors) await tor.stop().catch(() => {});
      for (const node of testNodes) node.close();
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
