/**
 * Groups through real nodes (memory transport) when members are away: a member whose node is down
 * gets every commit and post in order when it returns; a member removed while down, given its
 * stored state and every later ciphertext, reads nothing after its removal.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { eventsOf } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { groupNetwork, type Member } from "../../support/group_net.ts";
import { receiveGroupEnvelope } from "../../../src/node/group_receive.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";
import { toHex } from "../../../src/crypto/hex.ts";
import { decodeGroupWire } from "../../../src/protocol/group_wire.ts";
import { decryptPost, deserializeGroup, processCommit } from "../../../src/group/mls_adapter.ts";
import { loadGroups } from "../../../src/group/group_store.ts";

const key = (m: Member) => m.node.messenger.signal.ownEd25519;

async function fiveNodes(dir: string) {
  const net = await groupNetwork(dir, ["alice", "bob", "carol", "dave", "erin"]);
  const [alice, bob, carol, dave, erin] = net.members;
  await alice.hub.create("crew", ["bob", "carol", "dave"]);
  await net.pump();
  for (const m of [bob, carol, dave]) await m.hub.accept("crew");
  await net.pump();
  return Object.assign(net, { alice, bob, carol, dave, erin });
}

Deno.test("a member offline while a member is added and two posts are made gets all, in order, once", async () => {
  await using dir = await tempDir();
  await using net = await fiveNodes(dir.path);
  const { alice, bob, carol, dave, erin } = net;
  net.setDown(dave, true);
  await alice.hub.add("crew", ["erin"]);
  await net.pump();
  await erin.hub.accept("crew");
  await net.pump();
  await bob.hub.send("crew", "one");
  net.clock.now += 1000;
  await bob.hub.send("crew", "two");
  await net.pump();
  assertEquals(net.texts(erin), ["one", "two"]);
  assertEquals(net.texts(dave), []);
  assert(net.sent.some((s) => s.to === toHex(key(dave))), "copies wait for Dave");

  net.setDown(dave, false);
  // Bob's posts reach Dave before the commit they depend on: they wait for it.
  await bob.node.deliverer.deliverDue({ ignoreBackoff: true });
  assertEquals(net.texts(dave), []);
  await net.pump();
  assertEquals(net.texts(dave), ["one", "two"]);
  assertEquals(eventsOf(dave.node, "group_member_added").map((e) => e.member.length > 0), [true]);
  assertEquals((await dave.hub.posts({ name: "crew" })).map((p) => p.text), ["one", "two"]);
  assertEquals(dave.hub.list()[0].members, 5);
  assertEquals(dave.hub.list()[0].epoch, alice.hub.list()[0].epoch);
  // Nothing more arrives on further rounds, and Dave's own post reaches everyone.
  await net.pump();
  assertEquals(eventsOf(dave.node, "group_message").length, 2);
  await dave.hub.send("crew", "back");
  await net.pump();
  for (const m of [alice, bob, carol, erin]) assertEquals(net.texts(m).at(-1), "back", m.name);
  assertEquals(net.texts(carol), ["one", "two", "back"]);
});

Deno.test("a member removed while away reads nothing after its removal, with its state and every ciphertext", async () => {
  await using dir = await tempDir();
  await using net = await fiveNodes(dir.path);
  const { alice, bob, carol, dave, erin } = net;
  await bob.hub.send("crew", "before");
  await net.pump();
  assertEquals(net.texts(dave), ["before"]);
  // Dave's node stops with its state as it was before the removal.
  net.setDown(dave, true);
  const { db, sealer } = dave.node.messenger.store;
  const daveState = loadGroups(db, sealer)[0].state;
  const mark = net.sent.length;
  await alice.hub.add("crew", ["erin"]);
  await net.pump();
  await erin.hub.accept("crew");
  await net.pump();
  await alice.hub.remove("crew", ["dave"]);
  await net.pump();
  for (const m of [alice, bob, carol, erin]) await m.hub.send("crew", `after from ${m.name}`);
  await net.pump();
  const after = (m: Member) => net.texts(m).filter((t) => t.startsWith("after"));
  for (const m of [bob, carol, erin]) assertEquals(after(m).length, 3, m.name);

  // Every ciphertext sent since, to anyone: posts and commits alike.
  const later = net.sent.slice(mark).filter((s) => s.to !== toHex(key(dave)));
  const posts = later.map((s) => decodeGroupWire(s.bytes)).filter((w) => w.kind === "post");
  const commits = later.map((s) => decodeGroupWire(s.bytes)).filter((w) => w.kind === "commit");
  assertEquals(posts.length, 4 * 3, "4 posts, each to 3 others");
  assert(commits.length >= 2);
  // MLS alone, from Dave's stored state: no post decrypts, before or after applying the commits.
  let group = deserializeGroup(daveState, () => true);
  for (const p of posts) await assertRejects(() => decryptPost(group, p.mls));
  const seen = new Set<string>();
  for (const c of commits) {
    if (seen.has(toHex(c.mls))) continue;
    seen.add(toHex(c.mls));
    try {
      group = await processCommit(group, c.mls);
    } catch {
      break; // after its removal Dave's state takes no further commit
    }
  }
  assert(group.removed, "the removal commit shows Dave removed");
  for (const p of posts) await assertRejects(() => decryptPost(group, p.mls));
  // Through Dave's node: every envelope addressed to the others, from its sender.
  const senders = new Map(net.members.map((m) => [m.name, key(m)]));
  const postsStored: string[] = [];
  for (const s of later) {
    const from = { publicKey: senders.get(s.from)! };
    const status = await receiveGroupEnvelope(dave.node.messenger, from, s.bytes);
    if (decodeGroupWire(s.bytes).kind === "post" && status === AckStatus.stored) {
      postsStored.push(s.from);
    }
  }
  assertEquals(postsStored, []);
  assertEquals(net.texts(dave), ["before"]);
  // Back online: Dave learns it was removed, and still reads nothing new.
  net.setDown(dave, false);
  await net.pump();
  assertEquals(eventsOf(dave.node, "group_left").map((e) => e.group), ["crew"]);
  assertEquals(net.texts(dave), ["before"]);
  assertEquals(dave.hub.list(), []);
});
