/**
 * The group engine wired into real nodes (node/group_hub.ts) over the in-memory network: real
 * SQLite, libsignal, ts-mls, hello admission and queue. Alice owns the group; Bob, Carol and Dave
 * are her contacts but not each other's, so what they send each other travels only on the
 * roster-admitted group streams.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { eventsOf, type MessagingNode, messagingNode } from "../../support/messaging.ts";
import { introduce, T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { attachGroups, type GroupHub } from "../../../src/node/group_hub.ts";
import { outboxCount } from "../../../src/store/outbox.ts";
import { groupOutboxCount } from "../../../src/store/group_outbox.ts";
import { GroupError } from "../../../src/group/group_error.ts";
import type { Listener } from "../../../src/transport/transport.ts";
import { toHex } from "../../../src/crypto/hex.ts";

interface Member {
  name: string;
  node: MessagingNode;
  hub: GroupHub;
}

async function network(dir: string) {
  const net = new MemoryNetwork();
  const clock = { now: T0 };
  const members: Member[] = [];
  for (const name of ["alice", "bob", "carol", "dave"]) {
    const node = await messagingNode(net, dir, name, clock);
    members.push({ name, node, hub: await attachGroups(node.messenger) });
  }
  const [alice, bob, carol, dave] = members;
  for (const other of [bob, carol, dave]) {
    await introduce(alice.node.node, other.node.node, "alice", other.name);
  }
  const listeners: Listener[] = [];
  for (const m of members) listeners.push(await m.node.listen());
  /** Delivers every queue until all are empty (each pass may queue answers). */
  const pump = async () => {
    for (let pass = 0; pass < 30; pass++) {
      let queued = 0;
      for (const m of members) {
        const { db } = m.node.messenger.store;
        queued += outboxCount(db) + groupOutboxCount(db);
      }
      if (queued === 0) return;
      for (const m of members) await m.node.deliverer.deliverDue({ ignoreBackoff: true });
    }
    throw new Error("the queues did not drain");
  };
  const texts = (m: Member) =>
    eventsOf(m.node, "group_message").map((e) => e.burn ? "(burn)" : e.text);
  return {
    alice,
    bob,
    carol,
    dave,
    members,
    pump,
    texts,
    async [Symbol.asyncDispose]() {
      for (const listener of listeners) await listener.close();
    },
  };
}

Deno.test("create, invite, accept: every member's post reaches every other, contacts or not", async () => {
  await using dir = await tempDir();
  await using net = await network(dir.path);
  const { alice, bob, carol, dave, pump, texts } = net;
  const created = await alice.hub.create("friends", ["bob", "carol"]);
  assertEquals([created.members, created.pending, created.isOwner], [1, 2, true]);
  await pump();
  // Nobody is joined silently: Bob and Carol hold invitations.
  assertEquals(eventsOf(bob.node, "group_invite").map((e) => [e.group, e.from]), [[
    "friends",
    "alice",
  ]]);
  assertEquals(bob.hub.list(), []);
  assertEquals(bob.hub.invites().map((i) => i.name), ["friends"]);
  await bob.hub.accept("friends");
  await carol.hub.accept("friends");
  await alice.hub.add("friends", ["dave"]);
  await pump();
  await dave.hub.accept("friends");
  await pump();
  assertEquals(alice.hub.list()[0].members, 4);
  assertEquals(dave.hub.list().map((g) => [g.name, g.members, g.owner]), [["friends", 4, "alice"]]);

  for (const m of [alice, bob, carol, dave]) await m.hub.send("friends", `hello from ${m.name}`);
  await pump();
  for (const m of [alice, bob, carol, dave]) {
    const expected = [alice, bob, carol, dave].filter((o) => o !== m)
      .map((o) => `hello from ${o.name}`);
    assertEquals(texts(m).sort(), expected.sort(), m.name);
  }
  // Carol is no contact of Bob's: he sees her by her short onion, and her key.
  const fromCarol = eventsOf(bob.node, "group_message").find((e) => e.fromKey === carolKey(net));
  assert(fromCarol && fromCarol.from.endsWith("…onion"));
  const members = await bob.hub.members("friends");
  assertEquals(members.map((m) => m.contact).sort(), ["alice", null, null, null].sort());
  assertEquals(members.filter((m) => m.self).length, 1);
  // The post is in the inbox too, and burn-after-reading shows no text in the event.
  await carol.hub.send("friends", "secret", { burn: true });
  await pump();
  assertEquals(texts(dave).at(-1), "(burn)");
  const inbox = await dave.hub.posts({ name: "friends" });
  assertEquals(inbox.at(-1)?.text, "secret");
  assertEquals((await dave.hub.posts({ name: "friends" })).some((p) => p.text === "secret"), false);
});

function carolKey(net: { carol: Member }): string {
  return toHex(net.carol.node.messenger.signal.ownEd25519);
}

Deno.test("a removed member gets nothing new; a member who left neither; the owner cannot leave", async () => {
  await using dir = await tempDir();
  await using net = await network(dir.path);
  const { alice, bob, carol, dave, pump, texts } = net;
  await alice.hub.create("crew", ["bob", "carol", "dave"]);
  await pump();
  for (const m of [bob, carol, dave]) await m.hub.accept("crew");
  await pump();

  await alice.hub.remove("crew", ["dave"]);
  await pump();
  assertEquals(eventsOf(dave.node, "group_left").map((e) => e.group), ["crew"]);
  assertEquals(dave.hub.list(), []);
  assertEquals(
    eventsOf(bob.node, "group_member_removed").map((e) => e.member).length,
    1,
  );
  await bob.hub.send("crew", "after dave");
  await pump();
  assertEquals(texts(dave), []);
  assertEquals(texts(carol), ["after dave"]);
  assertEquals(texts(alice), ["after dave"]);

  await carol.hub.leave("crew");
  await pump();
  assertEquals(alice.hub.list()[0].members, 2);
  await bob.hub.send("crew", "after carol");
  await pump();
  assertEquals(texts(carol), ["after dave"]);
  assertEquals(texts(alice), ["after dave", "after carol"]);
  // Dave's node no longer admits anyone for the group, and posts nothing to it.
  const gone = await assertRejects(() => dave.hub.send("crew", "still here?"));
  assert(gone instanceof GroupError && gone.reason === "unknown_group");
  const owner = await assertRejects(() => alice.hub.leave("crew"));
  assert(owner instanceof GroupError && owner.reason === "not_owner");

  await alice.hub.dissolve("crew");
  await pump();
  assertEquals(eventsOf(bob.node, "group_dissolved").map((e) => e.group), ["crew"]);
  assertEquals(bob.hub.list(), []);
});
