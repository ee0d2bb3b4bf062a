/**
 * The transport seams for groups (docs/groups.md, "Transport"), over real SQLite and libsignal on
 * the in-memory network, with a stub handler where the group engine will sit: an envelope to a
 * contact goes inside the 1:1 session, to a group peer who is not a contact as `deliver_group`;
 * strangers are refused at the hello; a group peer cannot send 1:1 messages; every member's item
 * is retried on its own; the handler's verdict is the ack.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { type MessagingNode, messagingNode } from "../../support/messaging.ts";
import { introduce, T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { itemsFor, outboxCount } from "../../../src/store/outbox.ts";
import {
  groupEnvelopeCount,
  groupItemsFor,
  listGroupOutbox,
} from "../../../src/store/group_outbox.ts";
import { AckStatus, decodeDelivery, encodeDelivery } from "../../../src/protocol/delivery.ts";
import { verifyAck } from "../../../src/protocol/ack.ts";
import { toHex } from "../../../src/crypto/hex.ts";
import { TransportError } from "../../../src/transport/transport_error.ts";
import type {
  GroupEnvelopeSender,
  GroupEnvelopeVerdict,
} from "../../../src/node/group_envelope.ts";
import { isUserError } from "../../support/user_error.ts";
import type { InboundLimits } from "../../../src/node/inbound_limits.ts";

const GROUP = new TextEncoder().encode("group-one");

interface Received {
  from: GroupEnvelopeSender;
  bytes: Uint8Array;
}

/** A stub engine: records what it is handed and answers `verdict`. */
function stubHandler(node: MessagingNode, verdict: { next: GroupEnvelopeVerdict }) {
  const received: Received[] = [];
  node.messenger.groupHandler = (from, bytes) => {
    received.push({ from, bytes: bytes.slice() });
    return Promise.resolve(verdict.next);
  };
  return received;
}

const peerOf = (node: MessagingNode) => ({
  publicKey: node.node.signal.ownEd25519,
  onion: node.node.signal.onion,
});

/**
 * Alice and Bob are contacts; Carol and Dave are contacts of nobody. All four share GROUP (each
 * sets the others as its group peers). Stub handlers answer `verdict.next` (default stored).
 */
async function group(dir: string, options: { limits?: Partial<InboundLimits> } = {}) {
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await messagingNode(network, dir, "alice", clock, options);
  const bob = await messagingNode(network, dir, "bob", clock);
  const carol = await messagingNode(network, dir, "carol", clock);
  const dave = await messagingNode(network, dir, "dave", clock);
  await introduce(alice.node, bob.node);
  const all = [alice, bob, carol, dave];
  for (const node of all) await node.messenger.groupPeers.setGroupPeers(GROUP, all.map(peerOf));
  const verdict = { next: "stored" as GroupEnvelopeVerdict };
  const received = new Map(all.map((node) => [node, stubHandler(node, verdict)]));
  return { network, clock, alice, bob, carol, dave, verdict, received };
}

const isRefused = (err: unknown) => err instanceof TransportError && err.reason === "peer_refused";
const envelope = (fill: number, length = 1200) => new Uint8Array(length).fill(fill);
const contains = (haystack: Uint8Array, needle: Uint8Array) =>
  toHex(haystack).includes(toHex(needle.subarray(0, 64)));

Deno.test("an envelope to a contact travels inside the session, to a group peer as deliver_group", async () => {
  await using dir = await tempDir();
  const { alice, bob, carol, received, clock } = await group(dir.path);
  const listeners = [await bob.listen(), await carol.listen()];
  try {
    const bytes = envelope(0x5a);
    const toBob = await alice.messenger.enqueueGroupEnvelope(bob.node.signal.ownEd25519, bytes);
    const toCarol = await alice.messenger.enqueueGroupEnvelope(carol.node.signal.ownEd25519, bytes);
    assertEquals([toBob.via, toCarol.via], ["session", "stream"]);
    const bobId = alice.node.signal.contact("bob").id;
    const [sessionItem] = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
    assertEquals(toHex(sessionItem.id), toBob.id);
    assert(
      !contains(sessionItem.ciphertext, bytes),
      "the contact's copy is encrypted by the session",
    );
    const [streamItem] = listGroupOutbox(alice.node.db, alice.node.sealer);
    assertEquals([toHex(streamItem.id), streamItem.envelope], [toCarol.id, bytes]);

    assert(await alice.deliverer.deliverTo(bobId));
    assert(await alice.deliverer.peers.deliverTo(toHex(streamItem.peerTag)));
    const aliceAtBob = bob.node.signal.contact("alice");
    assertEquals(received.get(bob), [{
      from: { publicKey: alice.node.signal.ownEd25519, contactId: aliceAtBob.id },
      bytes,
    }]);
    // Carol has no contact at all: only the stream kind could have reached her handler.
    assertEquals(received.get(carol), [{
      from: { publicKey: alice.node.signal.ownEd25519 },
      bytes,
    }]);
    assertEquals(outboxCount(alice.node.db), 0);
    assertEquals(listGroupOutbox(alice.node.db, alice.node.sealer).length, 0);
    assertEquals(groupEnvelopeCount(alice.node.db), 0);
  } finally {
    for (const listener of listeners) await listener.close();
  }
});

Deno.test("the same envelope fanned out to several group peers is stored once", async () => {
  await using dir = await tempDir();
  const { alice, carol, dave } = await group(dir.path);
  const bytes = envelope(1);
  await alice.messenger.enqueueGroupEnvelope(carol.node.signal.ownEd25519, bytes);
  await alice.messenger.enqueueGroupEnvelope(dave.node.signal.ownEd25519, bytes);
  await alice.messenger.enqueueGroupEnvelope(dave.node.signal.ownEd25519, bytes);
  assertEquals(listGroupOutbox(alice.node.db, alice.node.sealer).length, 2);
  assertEquals(groupEnvelopeCount(alice.node.db), 1);
});

Deno.test("a stranger is refused at the hello; a group peer is admitted until its group forgets it", async () => {
  await using dir = await tempDir();
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await messagingNode(network, dir.path, "alice", clock);
  const erin = await messagingNode(network, dir.path, "erin", clock);
  const listener = await alice.listen();
  try {
    assert(isRefused(await assertRejects(() => erin.transport.dial(alice.transport.onion))));
    await alice.messenger.groupPeers.setGroupPeers(GROUP, [peerOf(erin)]);
    (await erin.transport.dial(alice.transport.onion)).close();
    assertEquals(alice.messenger.groupPeers.groupsOf(erin.node.signal.ownEd25519), [GROUP]);
    await alice.messenger.groupPeers.setGroupPeers(GROUP, []);
    assert(isRefused(await assertRejects(() => erin.transport.dial(alice.transport.onion))));
  } finally {
    await listener.close();
  }
});

Deno.test("a group peer who is not a contact cannot send a 1:1 deliver; its deliver_group is taken", async () => {
  await using dir = await tempDir();
  const { alice, carol, received } = await group(dir.path);
  const listener = await alice.listen();
  const aliceKey = alice.node.signal.ownEd25519;
  try {
    const stream = await carol.transport.dial(alice.transport.onion);
    const ask = async (kind: "deliver" | "deliver_group", body: Uint8Array) => {
      const id = crypto.getRandomValues(new Uint8Array(16));
      await stream.send(
        encodeDelivery(
          kind === "deliver" ? { kind, id, ciphertext: body } : { kind, id, envelope: body },
        ),
      );
      const ack = decodeDelivery(await stream.receive({ timeoutMs: 10_000 }));
      assert(ack.kind === "ack");
      assert(
        await verifyAck(aliceKey, { id, status: ack.status, ciphertext: body }, ack.signature),
      );
      return ack.status;
    };
    assertEquals(await ask("deliver", envelope(3, 300)), AckStatus.rejected);
    assertEquals(received.get(alice), [], "a refused 1:1 deliver never reaches the handler");
    assertEquals(await ask("deliver_group", envelope(4, 300)), AckStatus.stored);
    assertEquals(received.get(alice)!.map((r) => r.bytes), [envelope(4, 300)]);
    stream.close();
  } finally {
    await listener.close();
  }
});

Deno.test("a group peer has its own rate bucket: over it, later, and the stream closes", async () => {
  await using dir = await tempDir();
  const { alice, carol } = await group(dir.path, { limits: { ratePerMinute: 2 } });
  const listener = await alice.listen();
  try {
    const stream = await carol.transport.dial(alice.transport.onion);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const id = crypto.getRandomValues(new Uint8Array(16));
      await stream.send(encodeDelivery({ kind: "deliver_group", id, envelope: envelope(i, 100) }));
      const ack = decodeDelivery(await stream.receive({ timeoutMs: 10_000 }));
      assert(ack.kind === "ack");
      statuses.push(ack.status);
    }
    assertEquals(statuses, [AckStatus.stored, AckStatus.stored, AckStatus.later]);
    assertEquals(alice.events.filter((e) => e.type === "limited").length, 1);
    stream.close();
  } finally {
    await listener.close();
  }
});

Deno.test("one offline member does not hold up the others: each member's item retries on its own", async () => {
  await using dir = await tempDir();
  const { alice, bob, carol, dave, received, clock } = await group(dir.path);
  const listeners = [await bob.listen(), await dave.listen()]; // carol is offline
  try {
    const bytes = envelope(9);
    for (const member of [carol, bob, dave]) {
      await alice.messenger.enqueueGroupEnvelope(member.node.signal.ownEd25519, bytes);
    }
    await alice.deliverer.deliverDue();
    assertEquals(received.get(bob)!.length, 1);
    assertEquals(received.get(dave)!.length, 1);
    assertEquals(received.get(carol)!.length, 0);
    const left = listGroupOutbox(alice.node.db, alice.node.sealer);
    assertEquals(left.map((item) => toHex(item.peer.publicKey)), [
      toHex(carol.node.signal.ownEd25519),
    ]);
    assertEquals(left[0].attempts, 1);
    assert(left[0].nextAttemptAt > clock.now, "carol's item backs off");
    assertEquals(groupEnvelopeCount(alice.node.db), 1, "kept for carol");
    listeners.push(await carol.listen());
    await alice.deliverer.deliverDue({ ignoreBackoff: true });
    assertEquals(received.get(carol)!.map((r) => r.bytes), [bytes]);
    assertEquals([received.get(bob)!.length, received.get(dave)!.length], [1, 1]);
    assertEquals(groupEnvelopeCount(alice.node.db), 0);
  } finally {
    for (const listener of listeners) await listener.close();
  }
});

Deno.test("the handler's later keeps the item queued (session rolled back); rejected drops it", async () => {
  await using dir = await tempDir();
  const { alice, bob, carol, received, verdict, clock } = await group(dir.path);
  const listeners = [await bob.listen(), await carol.listen()];
  try {
    const bobId = alice.node.signal.contact("bob").id;
    const bytes = envelope(0x11);
    await alice.messenger.enqueueGroupEnvelope(bob.node.signal.ownEd25519, bytes);
    const { id } = await alice.messenger.enqueueGroupEnvelope(carol.node.signal.ownEd25519, bytes);
    verdict.next = "later";
    await alice.deliverer.deliverDue();
    assertEquals(itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now).length, 1);
    assertEquals(listGroupOutbox(alice.node.db, alice.node.sealer).map((i) => toHex(i.id)), [id]);
    // The retry decrypts again: the ratchet step of the first try was rolled back with it.
    verdict.next = "stored";
    await alice.deliverer.deliverDue({ ignoreBackoff: true });
    assertEquals(outboxCount(alice.node.db), 0);
    assertEquals(received.get(bob)!.length, 2);
    assertEquals(received.get(bob)![1].bytes, bytes);
    assertEquals(listGroupOutbox(alice.node.db, alice.node.sealer).length, 0);

    verdict.next = "rejected";
    await alice.messenger.enqueueGroupEnvelope(carol.node.signal.ownEd25519, envelope(0x12));
    const tag = alice.messenger.groupPeers.tag(carol.node.signal.ownEd25519);
    assert(await alice.deliverer.peers.deliverTo(toHex(tag)));
    assertEquals(groupItemsFor(alice.node.db, alice.node.sealer, tag, clock.now).length, 0);
  } finally {
    for (const listener of listeners) await listener.close();
  }
});

Deno.test("enqueueGroupEnvelope refuses a key that is neither a contact nor a group peer", async () => {
  await using dir = await tempDir();
  const { alice } = await group(dir.path);
  const stranger = await assertRejects(() =>
    alice.messenger.enqueueGroupEnvelope(new Uint8Array(32).fill(1), envelope(1))
  );
  assert(isUserError(stranger, "no_input"));
  const empty = await assertRejects(() =>
    alice.messenger.enqueueGroupEnvelope(alice.node.signal.ownEd25519, new Uint8Array(0))
  );
  assert(isUserError(empty, "bad_data"));
});

Deno.test("a contact may also send deliver_group on its stream; the handler learns its contact id", async () => {
  await using dir = await tempDir();
  const { alice, bob, received } = await group(dir.path);
  const listener = await alice.listen();
  try {
    const stream = await bob.transport.dial(alice.transport.onion);
    const id = crypto.getRandomValues(new Uint8Array(16));
    await stream.send(encodeDelivery({ kind: "deliver_group", id, envelope: envelope(5, 50) }));
    const ack = decodeDelivery(await stream.receive({ timeoutMs: 10_000 }));
    assert(ack.kind === "ack" && ack.status === AckStatus.stored);
    stream.close();
    const bobAtAlice = alice.node.signal.contact("bob");
    assertEquals(received.get(alice), [{
      from: { publicKey: bob.node.signal.ownEd25519, contactId: bobAtAlice.id },
      bytes: envelope(5, 50),
    }]);
  } finally {
    await listener.close();
  }
});

Deno.test("a handler that throws gets no ack: the member's item stays queued for a retry", async () => {
  await using dir = await tempDir();
  const { alice, carol } = await group(dir.path);
  carol.messenger.groupHandler = () => Promise.reject(new Error("engine down"));
  const listener = await carol.listen();
  try {
    await alice.messenger.enqueueGroupEnvelope(carol.node.signal.ownEd25519, envelope(6));
    const tag = toHex(alice.messenger.groupPeers.tag(carol.node.signal.ownEd25519));
    assertEquals(await alice.deliverer.peers.deliverTo(tag), false);
    const [item] = listGroupOutbox(alice.node.db, alice.node.sealer);
    assertEquals(item.attempts, 1);
    assert(carol.events.some((e) => e.type === "node_error" && e.error === "engine down"));
  } finally {
    await listener.close();
  }
});
