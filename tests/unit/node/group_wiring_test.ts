/**
 * The group engine wired into real nodes (node/group_hub.ts) over the in-memory network: real
 * SQLite, libsignal, ts-mls, hello admission and queue. Alice owns the group; Bob, Carol and Dave
 * are her contacts but not each other's, so what they send each other travels only on the
 * roster-admitted group streams.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { eventsOf } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { groupNetwork, type Member } from "../../support/group_net.ts";
import { GroupError } from "../../../src/group/group_error.ts";
import { toHex } from "../../../src/crypto/hex.ts";

async function network(dir: string) {
  const net = await groupNetwork(dir);
  const [alice, bob, carol, dave] = net.members;
  return Object.assign(net, { alice, bob, carol, dave });
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
