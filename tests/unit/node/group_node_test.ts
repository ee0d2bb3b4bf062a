/**
 * The group hub on real nodes (memory transport): what a node refuses, with its reason, an ack of
 * `rejected` and nothing of its groups changed; events reported only after the delivery's write
 * commits; `queue cancel` on group envelopes.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { eventsOf } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { groupNetwork, type Member } from "../../support/group_net.ts";
import { isUserError } from "../../support/user_error.ts";
import { handleGroupEnvelope, receiveGroupEnvelope } from "../../../src/node/group_receive.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";
import { fromHex, toHex } from "../../../src/crypto/hex.ts";
import {
  decodeGroupWire,
  encodeGroupPost,
  encodeGroupWire,
} from "../../../src/protocol/group_wire.ts";
import { PayloadType } from "../../../src/protocol/payload.ts";
import { deserializeGroup, encryptPost, removeMembers } from "../../../src/group/mls_adapter.ts";
import { listPosts, loadGroups, loadKeyPackages } from "../../../src/group/group_store.ts";
import { groupOutboxCount } from "../../../src/store/group_outbox.ts";
import { outboxCount } from "../../../src/store/outbox.ts";
import type { GroupErrorReason } from "../../../src/group/group_error.ts";

const key = (m: Member) => m.node.messenger.signal.ownEd25519;

/** Everything a node holds of groups, opened, as comparable text. */
function snapshot(m: Member): string {
  const { db, sealer } = m.node.messenger.store;
  const groups = loadGroups(db, sealer).map((g) => ({
    record: g.record,
    state: toHex(g.state),
    posts: listPosts(db, sealer, g.row).map((p) => toHex(p.id)),
  }));
  const kps = loadKeyPackages(db, sealer).map((k) => toHex(k.bundle));
  return JSON.stringify({ groups, kps });
}

/** A member's MLS group as its store holds it (to craft what an honest node never sends). */
function storedGroup(m: Member) {
  const { db, sealer } = m.node.messenger.store;
  return deserializeGroup(loadGroups(db, sealer)[0].state, () => true);
}

function seqOf(m: Member): number {
  const { db, sealer } = m.node.messenger.store;
  return loadGroups(db, sealer)[0].record.seq;
}

function post(author: Uint8Array, body: string) {
  return encodeGroupPost({
    author,
    payload: {
      type: PayloadType.text,
      id: crypto.getRandomValues(new Uint8Array(16)),
      createdAt: Date.now(),
      ttlSeconds: 3600,
      burn: false,
      body: new TextEncoder().encode(body),
    },
  });
}

async function crew(dir: string) {
  const net = await groupNetwork(dir);
  const [alice, bob, carol, dave] = net.members;
  const created = await alice.hub.create("crew", ["bob", "carol", "dave"]);
  await net.pump();
  for (const m of [bob, carol, dave]) await m.hub.accept("crew");
  await net.pump();
  return Object.assign(net, { alice, bob, carol, dave, groupId: fromHex(created.groupId) });
}

Deno.test("a node refuses, each with its reason, an ack of rejected and its groups unchanged", async () => {
  await using dir = await tempDir();
  await using net = await crew(dir.path);
  const { alice, bob, carol, dave, groupId, sent } = net;
  const daveBefore = storedGroup(dave);
  await alice.hub.remove("crew", ["dave"]);
  await net.pump();

  const refused = async (to: Member, from: Member, bytes: Uint8Array, reason: GroupErrorReason) => {
    const before = snapshot(to);
    const events = to.node.events.length;
    const status = await receiveGroupEnvelope(to.node.messenger, { publicKey: key(from) }, bytes);
    assertEquals(status, AckStatus.rejected, reason);
    assertEquals(to.hub.lastRefusal, reason);
    assertEquals(snapshot(to), before, `${reason}: the node's groups changed`);
    assertEquals(to.node.events.length, events, `${reason}: an event was reported`);
    assertEquals(groupOutboxCount(to.node.messenger.store.db), 0, `${reason}: an answer queued`);
  };

  // A post from a member removed since (its old-epoch keys still encrypt).
  const stale = await encryptPost(daveBefore, post(key(dave), "still here"));
  await refused(
    bob,
    dave,
    encodeGroupWire({ kind: "post", groupId, mls: stale.ciphertext }),
    "non_member",
  );
  // A commit made by a member, not by the owner.
  const { commit } = await removeMembers(storedGroup(bob), [key(carol)]);
  const notOwner = encodeGroupWire({
    kind: "commit",
    groupId,
    seq: seqOf(carol) + 1,
    dissolve: false,
    mls: commit,
  });
  await refused(carol, bob, notOwner, "not_owner");
  // The owner's commit, replayed.
  const commits = sent.filter((s) =>
    s.from === "alice" && s.to === toHex(key(carol)) && decodeGroupWire(s.bytes).kind === "commit"
  );
  assert(commits.length > 0);
  await refused(carol, alice, commits[0].bytes, "stale_commit");
  // The Welcome Alice made for Bob, sent by Carol, who is no contact of Bob's.
  const welcome = sent.find((s) =>
    s.to === toHex(key(bob)) && decodeGroupWire(s.bytes).kind === "welcome"
  );
  assert(welcome !== undefined);
  await refused(bob, carol, welcome.bytes, "not_contact");
  // A post signed by Bob that claims Carol wrote it.
  const forged = await encryptPost(storedGroup(bob), post(key(carol), "I am Carol"));
  await refused(
    alice,
    bob,
    encodeGroupWire({ kind: "post", groupId, mls: forged.ciphertext }),
    "forged_author",
  );
  // After all that, the group still works.
  await carol.hub.send("crew", "still fine");
  await net.pump();
  assertEquals(net.texts(bob), ["still fine"]);
});

Deno.test("group events are reported once, after the delivery's write commits", async () => {
  await using dir = await tempDir();
  await using net = await crew(dir.path);
  const { bob, carol } = net;
  const start = net.sent.length;
  await bob.hub.send("crew", "once");
  const envelope = net.sent.slice(start).find((s) => s.to === toHex(key(carol)));
  assert(envelope !== undefined);
  const messenger = carol.node.messenger;
  // The delivery's write fails after the handler ran (a full disk at commit, say): rolled back.
  const failed = await assertRejects(() =>
    messenger.write(async () => {
      const status = await handleGroupEnvelope(messenger, { publicKey: key(bob) }, envelope.bytes);
      assertEquals(status, AckStatus.stored);
      throw new Error("the disk filled up");
    })
  );
  assertEquals((failed as Error).message, "the disk filled up");
  assertEquals(net.texts(carol), [], "an event for a write that rolled back");
  // The sender retries: stored now, reported once; the queued copy is then a duplicate.
  const status = await receiveGroupEnvelope(messenger, { publicKey: key(bob) }, envelope.bytes);
  assertEquals(status, AckStatus.stored);
  await net.pump();
  assertEquals(net.texts(carol), ["once"]);
  assertEquals((await carol.hub.posts({ name: "crew" })).map((p) => p.text), ["once"]);
  assertEquals(eventsOf(carol.node, "group_message").length, 1);
});

Deno.test("queue cancel takes a group envelope's id as queue list shows it", async () => {
  await using dir = await tempDir();
  await using net = await crew(dir.path);
  const { bob, carol, dave } = net;
  await bob.hub.send("crew", "never mind");
  const { db } = bob.node.messenger.store;
  const groupItems = bob.node.messenger.queueList().filter((item) => item.kind === "group");
  assertEquals(groupItems.length, 2, "one item each for Carol and Dave");
  assertEquals(groupItems[0].id, groupItems[1].id, "the same envelope");
  const cancelled = await bob.node.messenger.cancel(groupItems[0].id.slice(0, 8));
  assertEquals(cancelled, { id: groupItems[0].id, state: "cancelled" });
  assertEquals(groupOutboxCount(db), 0);
  assertEquals(outboxCount(db), 1, "the copy for Alice (a contact) stays queued");
  const again = await assertRejects(() => bob.node.messenger.cancel(groupItems[0].id));
  assert(isUserError(again, "no_input"));
  await net.pump();
  assertEquals(net.texts(carol), []);
  assertEquals(net.texts(dave), []);
  assertEquals(net.texts(net.alice), ["never mind"]);
});
