/**
 * What one contact can cost a node, over real SQLite and libsignal on the in-memory network: only
 * stored types are kept, per-contact quotas and rate answer `later` (the sender retries), burn
 * receipts name only what was deleted, bad deliveries close the stream, and strangers in their
 * hello do not delay a contact.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { eventsOf, messagingNode } from "../../support/messaging.ts";
import { introduce, T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { itemsFor, outboxCount } from "../../../src/store/outbox.ts";
import { getMessage } from "../../../src/store/messages.ts";
import { receive } from "../../../src/node/receive.ts";
import { InboundGate } from "../../../src/node/inbound_limits.ts";
import type { InboundLimits } from "../../../src/node/inbound_limits.ts";
import { AckStatus, decodeDelivery, encodeDelivery } from "../../../src/protocol/delivery.ts";
import { encodePayload, PayloadType } from "../../../src/protocol/payload.ts";
import { encodeIds } from "../../../src/protocol/control.ts";
import { fromHex, toHex } from "../../../src/crypto/hex.ts";

async function pair(dir: string, limits: Partial<InboundLimits> = {}) {
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await messagingNode(network, dir, "alice", clock);
  const bob = await messagingNode(network, dir, "bob", clock, { limits });
  await introduce(alice.node, bob.node);
  const bobId = alice.node.signal.contact("bob").id;
  const aliceAtBob = bob.node.signal.contact("alice");
  return { network, clock, alice, bob, bobId, aliceAtBob };
}

const countIn = (db: { prepare(sql: string): { get(): unknown } }) =>
  Number(
    (db.prepare("SELECT count(*) AS n FROM messages WHERE direction = 'in'").get() as {
      n: number;
    }).n,
  );

const randomId = () => crypto.getRandomValues(new Uint8Array(16));

Deno.test("a payload of a type nothing lists (group) is acked and dropped, not stored", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceAtBob, clock } = await pair(dir.path);
  await alice.messenger.write(() =>
    alice.messenger.queueControl(
      alice.node.signal.contactById(bobId)!,
      PayloadType.group,
      new Uint8Array(1000).fill(7),
    )
  );
  const [item] = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  const first = await receive(bob.messenger, aliceAtBob, item.id, item.ciphertext);
  assertEquals(first.status, AckStatus.stored);
  assertEquals(first.events, [{
    type: "dropped",
    id: toHex(item.id),
    from: "alice",
    reason: "unknown_type",
  }]);
  assertEquals(countIn(bob.node.db), 0);
  const again = await receive(bob.messenger, aliceAtBob, item.id, item.ciphertext);
  assertEquals(again.status, AckStatus.duplicate);
});

Deno.test("a payload of a type this version does not know (8) is acked and dropped", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceAtBob } = await pair(dir.path);
  const id = randomId();
  const plaintext = encodePayload({
    type: PayloadType.text,
    id,
    createdAt: T0,
    ttlSeconds: 3600,
    burn: false,
    body: new Uint8Array(10),
  });
  plaintext[1] = 8;
  const ciphertext = await alice.messenger.write(() =>
    alice.node.signal.encrypt(alice.node.signal.contactById(bobId)!, plaintext)
  );
  const result = await receive(bob.messenger, aliceAtBob, id, ciphertext);
  assertEquals(result.status, AckStatus.stored);
  assertEquals(result.events.map((e) => e.type), ["dropped"]);
  assertEquals(countIn(bob.node.db), 0);
});

Deno.test("over its message quota a contact is told later, and the same delivery succeeds once there is room", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceAtBob, clock } = await pair(dir.path);
  for (let i = 0; i < 3; i++) await alice.messenger.sendText("bob", `m${i}`);
  const items = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  const limits = { maxMessages: 2, maxBytes: 1 << 20 };
  const statuses = [];
  for (const item of items) {
    statuses.push(await receive(bob.messenger, aliceAtBob, item.id, item.ciphertext, { limits }));
  }
  assertEquals(statuses.map((s) => s.status), [
    AckStatus.stored,
    AckStatus.stored,
    AckStatus.later,
  ]);
  assertEquals(statuses[2].limit, "messages");
  assertEquals(countIn(bob.node.db), 2);
  // Room again: the refused ciphertext still decrypts (its ratchet step was rolled back).
  const retried = await receive(bob.messenger, aliceAtBob, items[2].id, items[2].ciphertext, {
    limits: { maxMessages: 3, maxBytes: 1 << 20 },
  });
  assertEquals(retried.status, AckStatus.stored);
  assertEquals(countIn(bob.node.db), 3);
});

Deno.test("over its byte quota a contact is told later", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceAtBob, clock } = await pair(dir.path);
  await alice.messenger.sendText("bob", "x".repeat(600));
  await alice.messenger.sendText("bob", "y".repeat(600));
  const items = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  const limits = { maxMessages: 100, maxBytes: 1000 };
  assertEquals(
    (await receive(bob.messenger, aliceAtBob, items[0].id, items[0].ciphertext, { limits })).status,
    AckStatus.stored,
  );
  const second = await receive(bob.messenger, aliceAtBob, items[1].id, items[1].ciphertext, {
    limits,
  });
  assertEquals([second.status, second.limit], [AckStatus.later, "bytes"]);
  assertEquals(countIn(bob.node.db), 1);
});

Deno.test("the sender keeps a message the peer deferred and delivers it once there is room", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId } = await pair(dir.path, { maxMessages: 2 });
  const listener = await bob.listen();
  try {
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await alice.messenger.sendText("bob", `m${i}`));
    assertEquals(await alice.deliverer.deliverTo(bobId), false);
    const state = (id: string) => getMessage(alice.node.db, alice.node.sealer, fromHex(id))!.state;
    assertEquals(sent.map((m) => state(m.id)), ["delivered", "delivered", "sent"]);
    assertEquals(outboxCount(alice.node.db), 1);
    assertEquals(eventsOf(alice, "retry").map((e) => e.error), [
      "the peer asked us to retry later",
    ]);
    assertEquals(eventsOf(bob, "limited"), [{
      type: "limited",
      from: "alice",
      reason: "messages",
    }]);
    await bob.messenger.inbox(); // nothing freed yet: bob deletes one by burning it
    await bob.messenger.burn({ ids: [sent[0].id] });
    await alice.deliverer.deliverDue({ ignoreBackoff: true });
    assertEquals(state(sent[2].id), "delivered");
  } finally {
    await listener.close();
  }
});

Deno.test("a contact over its delivery rate is told later and disconnected; it delivers after a minute", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, clock } = await pair(dir.path, { ratePerMinute: 5 });
  const listener = await bob.listen();
  try {
    for (let i = 0; i < 8; i++) await alice.messenger.sendText("bob", `m${i}`);
    assertEquals(await alice.deliverer.deliverTo(bobId), false);
    assertEquals(countIn(bob.node.db), 5);
    assertEquals(outboxCount(alice.node.db), 3);
    assertEquals(eventsOf(bob, "limited"), [{ type: "limited", from: "alice", reason: "rate" }]);
    clock.now += 60_000;
    await alice.deliverer.deliverDue({ ignoreBackoff: true });
    assertEquals(countIn(bob.node.db), 8);
    assertEquals(outboxCount(alice.node.db), 0);
  } finally {
    await listener.close();
  }
});

Deno.test("the rate bucket refills over a minute and counts every delivery", () => {
  let now = 0;
  const gate = new InboundGate({ ratePerMinute: 3 }, () => now);
  assertEquals([gate.take(1), gate.take(1), gate.take(1), gate.take(1)], [true, true, true, false]);
  assert(gate.take(2), "contacts have their own buckets");
  now += 20_000; // one token back
  assertEquals([gate.take(1), gate.take(1)], [true, false]);
  assert(gate.shouldReport(1, "rate"));
  assert(!gate.shouldReport(1, "rate"), "reported at most once a minute");
  now += 60_000;
  assert(gate.shouldReport(1, "rate"));
});

Deno.test("a burn request of 4,096 mostly made-up ids is answered with a receipt of the ids deleted only", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, clock } = await pair(dir.path);
  const listener = await bob.listen();
  try {
    const real = [
      await alice.messenger.sendText("bob", "one"),
      await alice.messenger.sendText("bob", "two"),
    ].map((m) => fromHex(m.id));
    assert(await alice.deliverer.deliverTo(bobId));
    const ids = [...real, real[0], ...Array.from({ length: 4093 }, randomId)];
    assertEquals(ids.length, 4096);
    const bobAtAlice = alice.node.signal.contactById(bobId)!;
    await alice.messenger.write(() =>
      alice.messenger.queueControl(bobAtAlice, PayloadType.burn, encodeIds(ids))
    );
    assert(await alice.deliverer.deliverTo(bobId));
    assertEquals(eventsOf(bob, "burned").map((e) => e.ids), [real.map(toHex)]);
    assertEquals(countIn(bob.node.db), 0);
    const receipts = bob.messenger.queueList();
    assertEquals(receipts.length, 1, "one receipt");
    // The receipt's ciphertext is the size of two ids, not 4,096 (64 KiB).
    const [receipt] = itemsFor(
      bob.node.db,
      bob.node.sealer,
      bob.node.signal.contact("alice").id,
      clock.now,
    );
    assert(receipt.ciphertext.length < 4096, `receipt of ${receipt.ciphertext.length} bytes`);

    // Only made-up ids: nothing deleted, no receipt, no event.
    await alice.messenger.write(() =>
      alice.messenger.queueControl(
        bobAtAlice,
        PayloadType.burn,
        encodeIds([randomId(), randomId()]),
      )
    );
    assert(await alice.deliverer.deliverTo(bobId));
    assertEquals(bob.messenger.queueList().length, 1);
    assertEquals(eventsOf(bob, "burned").length, 1);
  } finally {
    await listener.close();
  }
});

Deno.test("a contact that keeps sending bad deliveries is disconnected", async () => {
  await using dir = await tempDir();
  const { alice, bob } = await pair(dir.path);
  const listener = await bob.listen();
  try {
    const stream = await alice.transport.dial(bob.transport.onion);
    for (let i = 0; i < 3; i++) {
      const id = randomId();
      await stream.send(
        encodeDelivery({ kind: "deliver", id, ciphertext: new Uint8Array(200).fill(i + 1) }),
      );
      const ack = decodeDelivery(await stream.receive({ timeoutMs: 5_000 }));
      assertEquals(ack.kind === "ack" && ack.status, AckStatus.rejected);
    }
    const closed = await Promise.race([
      stream.closed.then((e) => e.reason),
      new Promise((r) => setTimeout(() => r("still open"), 2_000)),
    ]);
    assertEquals(closed, "closed");
    assertEquals(eventsOf(bob, "limited"), [{
      type: "limited",
      from: "alice",
      reason: "bad_deliveries",
    }]);
  } finally {
    await listener.close();
  }
});

Deno.test("64 silent stranger streams do not stop a contact's delivery from being accepted at once", async () => {
  await using dir = await tempDir();
  const { network, alice, bob, bobId } = await pair(dir.path);
  const listener = await bob.listen();
  const strangers = Array.from({ length: 64 }, () => network.rawDial(bob.transport.onion));
  for (const channel of strangers) channel.start({ data: () => {}, end: () => {} });
  try {
    await alice.messenger.sendText("bob", "through the crowd");
    const started = performance.now();
    assert(await alice.deliverer.deliverTo(bobId));
    const ms = performance.now() - started;
    assert(ms < 2_000, `delivery took ${ms} ms`);
    assertEquals(eventsOf(bob, "message").map((e) => "text" in e ? e.text : undefined), [
      "through the crowd",
    ]);
  } finally {
    for (const channel of strangers) channel.destroy();
    await listener.close();
  }
});
