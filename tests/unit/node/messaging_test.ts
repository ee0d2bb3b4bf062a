import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { eventsOf, messagingPair } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { outboxCount } from "../../../src/store/outbox.ts";
import { getMessage, listMessages } from "../../../src/store/messages.ts";
import { receive } from "../../../src/node/receive.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";
import { fromHex } from "../../../src/crypto/hex.ts";
import { TTL_MAX_SECONDS } from "../../../src/protocol/payload.ts";
import { itemsFor } from "../../../src/store/outbox.ts";
import { isUserError } from "../../support/user_error.ts";

Deno.test("a text goes A→B, is stored sealed at B and becomes delivered at A only on the ack", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId } = await messagingPair(dir.path);
  const listener = await bob.listen();
  try {
    const sent = await alice.messenger.sendText("bob", "hi bob");
    assertEquals(getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id))!.state, "queued");
    assert(await alice.deliverer.deliverTo(bobId));
    assertEquals(
      getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id))!.state,
      "delivered",
    );
    assertEquals(eventsOf(alice, "delivered").map((e) => e.id), [sent.id]);
    const inbox = await bob.messenger.inbox();
    assertEquals(inbox.map((m) => [m.id, m.contact, m.text, m.direction]), [[
      sent.id,
      "alice",
      "hi bob",
      "in",
    ]]);
    assertEquals(eventsOf(bob, "message").map((e) => e.burn ? undefined : e.text), ["hi bob"]);
    assertEquals(outboxCount(alice.node.db), 0);
  } finally {
    await listener.close();
  }
});

Deno.test("an offline peer leaves messages queued with backoff; they go once it listens", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, clock } = await messagingPair(dir.path);
  const sent = await alice.messenger.sendText("bob", "are you there?");
  assertEquals(await alice.deliverer.deliverTo(bobId), false);
  const [item] = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  assertEquals(item.attempts, 1);
  assert(item.nextAttemptAt > clock.now, "backed off");
  assertEquals(eventsOf(alice, "retry").length, 1);
  const listener = await bob.listen();
  try {
    await alice.deliverer.deliverDue({ ignoreBackoff: true });
    assertEquals(
      getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id))!.state,
      "delivered",
    );
  } finally {
    await listener.close();
  }
});

Deno.test("one offline contact does not hold up another", async () => {
  await using dir = await tempDir();
  const { network, alice, bob, bobId, clock } = await messagingPair(dir.path);
  const carol = await (await import("../../support/messaging.ts")).messagingNode(
    network,
    dir.path,
    "carol",
    clock,
  );
  await (await import("../../support/signal.ts")).introduce(
    alice.node,
    carol.node,
    "alice",
    "carol",
  );
  const listener = await bob.listen();
  try {
    for (let i = 0; i < 50; i++) await alice.messenger.sendText("bob", `m${i}`);
    await alice.messenger.sendText("carol", "for carol");
    await alice.deliverer.deliverDue();
    assertEquals((await bob.messenger.inbox()).length, 50);
    assertEquals(outboxCount(alice.node.db), 1, "carol's message waits");
    assert(itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now).length === 0);
  } finally {
    await listener.close();
  }
});

Deno.test("a redelivered message is acked as duplicate and stored once", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceId, clock } = await messagingPair(dir.path);
  await alice.messenger.sendText("bob", "once");
  const [item] = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  const contact = bob.node.signal.contactById(aliceId)!;
  assertEquals(
    (await receive(bob.messenger, contact, item.id, item.ciphertext)).status,
    AckStatus.stored,
  );
  assertEquals(
    (await receive(bob.messenger, contact, item.id, item.ciphertext)).status,
    AckStatus.duplicate,
  );
  assertEquals((await bob.messenger.inbox()).length, 1);
  // The same ciphertext under another id is a replay (libsignal refuses the used counter).
  const other = crypto.getRandomValues(new Uint8Array(16));
  assertEquals(
    (await receive(bob.messenger, contact, other, item.ciphertext)).status,
    AckStatus.duplicate,
  );
  // Once Bob has answered, Alice's messages are plain ratchet messages whose last 8 bytes are the
  // MAC. A fresh one tampered with, or under an id other than its payload's, is rejected and
  // changes nothing: the untouched original still decrypts afterwards.
  await bob.messenger.sendText("alice", "ack");
  const [reply] = itemsFor(bob.node.db, bob.node.sealer, aliceId, clock.now);
  const bobAtAlice = alice.node.signal.contactById(bobId)!;
  assertEquals(
    (await receive(alice.messenger, bobAtAlice, reply.id, reply.ciphertext)).status,
    AckStatus.stored,
  );
  await alice.messenger.sendText("bob", "twice");
  const fresh = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now)[1];
  const tampered = fresh.ciphertext.slice();
  tampered[tampered.length - 1] ^= 1;
  assertEquals(
    (await receive(bob.messenger, contact, fresh.id, tampered)).status,
    AckStatus.rejected,
  );
  assertEquals(
    (await receive(bob.messenger, contact, other, fresh.ciphertext)).status,
    AckStatus.rejected,
  );
  assertEquals((await bob.messenger.inbox()).length, 1);
  assertEquals(
    (await receive(bob.messenger, contact, fresh.id, fresh.ciphertext)).status,
    AckStatus.stored,
  );
  assertEquals((await bob.messenger.inbox()).map((m) => m.text), ["once", "twice"]);
});

Deno.test("burn after reading: shown once, then gone at B and, after the receipt, at A", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceId } = await messagingPair(dir.path);
  const aliceListener = await alice.listen();
  const bobListener = await bob.listen();
  try {
    const sent = await alice.messenger.sendText("bob", "read me once", { burn: true });
    await alice.deliverer.deliverTo(bobId);
    const [event] = eventsOf(bob, "message");
    assertEquals([event.burn, "text" in event], [true, false], "listen's event leaves it out");
    assert(!JSON.stringify(bob.events).includes("read me once"));
    const first = await bob.messenger.inbox();
    assertEquals(first.map((m) => [m.text, m.burn]), [["read me once", true]]);
    assertEquals(await bob.messenger.inbox(), [], "gone after showing");
    assertEquals(getMessage(bob.node.db, bob.node.sealer, fromHex(sent.id)), undefined);
    assert(
      getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id)),
      "A's copy until the receipt",
    );
    await bob.deliverer.deliverTo(aliceId);
    assertEquals(getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id)), undefined);
    assertEquals(eventsOf(alice, "burned").map((e) => e.ids), [[sent.id]]);
  } finally {
    await aliceListener.close();
    await bobListener.close();
  }
});

Deno.test("burn requests touch only the requesting peer's conversation", async () => {
  await using dir = await tempDir();
  const { network, clock, alice, bob, bobId } = await messagingPair(dir.path);
  const carol = await (await import("../../support/messaging.ts")).messagingNode(
    network,
    dir.path,
    "carol",
    clock,
  );
  await (await import("../../support/signal.ts")).introduce(carol.node, bob.node, "carol", "bob");
  const listener = await bob.listen();
  try {
    const fromAlice = await alice.messenger.sendText("bob", "alice's secret");
    await alice.deliverer.deliverTo(bobId);
    // Carol learns the id somehow and asks Bob to burn it: refused (not her conversation).
    await carol.messenger.burn({ ids: [] as string[] }).catch(() => {});
    const carolBob = carol.node.signal.contact("bob");
    await carol.messenger.write(() =>
      carol.messenger.queueControl(carolBob, 6, fromHex(fromAlice.id))
    );
    await carol.deliverer.deliverTo(carolBob.id);
    assert(getMessage(bob.node.db, bob.node.sealer, fromHex(fromAlice.id)), "still there");
    // Alice, its author and Bob's peer, may burn it.
    await alice.messenger.burn({ ids: [fromAlice.id] });
    await alice.deliverer.deliverTo(bobId);
    assertEquals(getMessage(bob.node.db, bob.node.sealer, fromHex(fromAlice.id)), undefined);
  } finally {
    await listener.close();
  }
});

Deno.test("burn --conversation deletes both sides' copies of the whole conversation", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceId } = await messagingPair(dir.path);
  const a = await alice.listen();
  const b = await bob.listen();
  try {
    for (let i = 0; i < 5; i++) await alice.messenger.sendText("bob", `a${i}`);
    await alice.deliverer.deliverTo(bobId);
    await bob.messenger.sendText("alice", "reply");
    await bob.deliverer.deliverTo(aliceId);
    const result = await alice.messenger.burn({ conversation: "bob" });
    assertEquals(result.deleted, 6);
    assertEquals(listMessages(alice.node.db, alice.node.sealer), []);
    await alice.deliverer.deliverTo(bobId);
    assertEquals(listMessages(bob.node.db, bob.node.sealer), []);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("TTL: clamped to 30 days, expired messages are swept on both sides", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, clock } = await messagingPair(dir.path);
  const listener = await bob.listen();
  try {
    const long = await alice.messenger.sendText("bob", "forever?", { ttlSeconds: 365 * 86_400 });
    assertEquals(long.ttlSeconds, TTL_MAX_SECONDS);
    const short = await alice.messenger.sendText("bob", "brief", { ttlSeconds: 120 });
    await alice.deliverer.deliverTo(bobId);
    clock.now += 121_000;
    await alice.messenger.sweep();
    await bob.messenger.sweep();
    assertEquals((await bob.messenger.inbox()).map((m) => m.text), ["forever?"]);
    assertEquals(eventsOf(alice, "expired").map((e) => e.id), [short.id]);
    assertEquals(eventsOf(bob, "expired").map((e) => [e.id, e.direction]), [[short.id, "in"]]);
  } finally {
    await listener.close();
  }
});

Deno.test("markRead marks read here only; receipts also tells the sender", async () => {
  await using dir = await tempDir();
  const { alice, bob, bobId, aliceId } = await messagingPair(dir.path);
  const a = await alice.listen();
  const b = await bob.listen();
  try {
    const first = await alice.messenger.sendText("bob", "did you read it?");
    await alice.deliverer.deliverTo(bobId);
    await bob.messenger.inbox();
    assertEquals(outboxCount(bob.node.db), 0, "no receipt by default");
    await bob.messenger.inbox({ markRead: true });
    assertEquals((await bob.messenger.inbox({ unreadOnly: true })).length, 0, "read here");
    assertEquals(outboxCount(bob.node.db), 0, "no receipt for markRead");
    const second = await alice.messenger.sendText("bob", "and this one?");
    await alice.deliverer.deliverTo(bobId);
    await bob.messenger.inbox({ receipts: true });
    assertEquals((await bob.messenger.inbox({ unreadOnly: true })).length, 0);
    await bob.deliverer.deliverTo(aliceId);
    const state = (id: string) => getMessage(alice.node.db, alice.node.sealer, fromHex(id))!.state;
    assertEquals([state(first.id), state(second.id)], ["delivered", "read"]);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("queue cancel removes an item; unknown ids and names are clear errors", async () => {
  await using dir = await tempDir();
  const { alice } = await messagingPair(dir.path);
  const sent = await alice.messenger.sendText("bob", "never mind");
  assertEquals((await alice.messenger.cancel(sent.id)).state, "cancelled");
  assert(isUserError(await assertRejects(() => alice.messenger.cancel(sent.id)), "no_input"));
  assert(isUserError(await assertRejects(() => alice.messenger.cancel("xyz")), "usage"));
  assert(isUserError(await assertRejects(() => alice.messenger.cancel("0123456")), "usage"));
  assert(
    isUserError(await assertRejects(() => alice.messenger.sendText("nobody", "x")), "no_contact"),
  );
  assert(isUserError(await assertRejects(() => alice.messenger.sendText("bob", "")), "usage"));
});

Deno.test("queue cancel and burn take a unique id prefix of 8 or more hex characters", async () => {
  await using dir = await tempDir();
  const { alice } = await messagingPair(dir.path);
  const one = await alice.messenger.sendText("bob", "one");
  const two = await alice.messenger.sendText("bob", "two");
  const cancelled = await alice.messenger.cancel(one.id.slice(0, 8).toUpperCase());
  assertEquals(cancelled.id, one.id, "the full id is reported");
  assertEquals(
    (await alice.messenger.burn({ ids: [two.id.slice(0, 11)] })).deleted,
    1,
  );
  assertEquals(getMessage(alice.node.db, alice.node.sealer, fromHex(two.id)), undefined);
  assert(
    isUserError(
      await assertRejects(() => alice.messenger.burn({ ids: [two.id.slice(0, 8)] })),
      "no_input",
    ),
  );
});

Deno.test("an id prefix matching two messages is refused as ambiguous", async () => {
  await using dir = await tempDir();
  const { alice } = await messagingPair(dir.path);
  const one = await alice.messenger.sendText("bob", "one");
  const two = await alice.messenger.sendText("bob", "two");
  // Give the second message an id differing from the first one's only in the last digit.
  const twin = one.id.slice(0, 31) + (one.id.endsWith("0") ? "1" : "0");
  alice.node.db.prepare("UPDATE messages SET id = ? WHERE id = ?").run(
    fromHex(twin),
    fromHex(two.id),
  );
  const err = await assertRejects(() => alice.messenger.burn({ ids: [one.id.slice(0, 8)] }));
  assert(isUserError(err, "usage"), String(err));
  assert(String((err as Error).message).includes("more than one"));
  assert(
    isUserError(
      await assertRejects(() => alice.messenger.burn({ ids: [one.id.slice(0, 31)] })),
      "usage",
    ),
  );
  assertEquals((await alice.messenger.burn({ ids: [one.id] })).deleted, 1);
});
