/**
 * The group engine over real ts-mls and real sealed stores: five members A–E passing the engine's
 * Outgoing bytes by hand (tests/support/group_sim.ts).
 */
import { GroupSim, type SimNode } from "../../support/group_sim.ts";
import { GroupEngine } from "../../../src/group/group_engine.ts";
import { fromHex, toHex } from "../../../src/crypto/hex.ts";
import { findInFiles } from "../../support/scan.ts";
import { decodeGroupWire } from "../../../src/protocol/group_wire.ts";
import { decryptPost, deserializeGroup } from "../../../src/group/mls_adapter.ts";
import { commitsAfter, loadGroups } from "../../../src/group/group_store.ts";
import { GroupError } from "../../../src/group/group_error.ts";
import { assert, assertEquals } from "../../support/assert.ts";

const text = new TextEncoder();
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The bodies of the posts `node` was told of, in order. */
function received(node: SimNode, groupId: string): string[] {
  return node.events.flatMap((e) =>
    e.type === "group_message" && e.groupId === groupId ? [decode(e.post.body)] : []
  );
}

function memberNames(sim: GroupSim, node: SimNode, groupId: string): string[] {
  const info = node.engine.group(groupId);
  if (info === undefined) return [];
  return info.members.map((k) => sim.byKey(k).name).sort();
}

async function post(sim: GroupSim, node: SimNode, groupId: string, body: string) {
  return await sim.act(node, (e) => e.send(groupId, { body: text.encode(body) }));
}

/** A owns a group with B, C, D; B, C and D are A's contacts only. */
async function founded(sim: GroupSim): Promise<string> {
  sim.befriend("A", "B", "C", "D", "E");
  const [, B, C, D] = ["A", "B", "C", "D"].map((n) => sim.node(n));
  const { groupId } = await sim.act(
    sim.node("A"),
    (e) => e.create("friends", [B.key, C.key, D.key]),
  );
  return groupId;
}

Deno.test("five members: create, add, posts to all, remove, leave — every post reaches every member", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D", "E"]);
  const [A, B, C, D, E] = ["A", "B", "C", "D", "E"].map((n) => sim.node(n));
  const groupId = await founded(sim);
  for (const node of [A, B, C, D]) {
    assertEquals(memberNames(sim, node, groupId), ["A", "B", "C", "D"], node.name);
  }
  assertEquals(B.engine.group(groupId)?.seq, 3);
  assertEquals(B.engine.group(groupId)?.epoch, A.engine.group(groupId)?.epoch);

  // E is added later.
  await sim.act(A, (e) => e.add(groupId, [E.key]));
  for (const node of [A, B, C, D, E]) {
    assertEquals(memberNames(sim, node, groupId), ["A", "B", "C", "D", "E"], node.name);
  }
  assert(
    B.events.some((ev) => ev.type === "group_member_added" && toHex(ev.member) === toHex(E.key)),
  );

  // Every member posts; every other member reads it.
  for (const node of [A, B, C, D, E]) await post(sim, node, groupId, `hello from ${node.name}`);
  for (const node of [A, B, C, D, E]) {
    const expected = [A, B, C, D, E].filter((n) => n !== node).map((n) => `hello from ${n.name}`);
    assertEquals(received(node, groupId), expected, node.name);
  }

  // A removes D. D's stored state from before, and every ciphertext after, read nothing.
  const dState = loadGroups(D.store.db, D.store.sealer)[0].state;
  const wireBefore = sim.wire.length;
  await sim.act(A, (e) => e.remove(groupId, [D.key]));
  assert(D.events.some((ev) => ev.type === "group_left" && ev.groupId === groupId));
  assertEquals(D.engine.group(groupId), undefined);
  for (const node of [A, B, C, E]) {
    assertEquals(memberNames(sim, node, groupId), ["A", "B", "C", "E"], node.name);
  }
  for (const node of [A, B, C, E]) await post(sim, node, groupId, `after D from ${node.name}`);
  for (const node of [A, B, C, E]) {
    const expected = [A, B, C, E].filter((n) => n !== node).map((n) => `after D from ${n.name}`);
    assertEquals(received(node, groupId).slice(4), expected, node.name);
  }
  assertEquals(received(D, groupId).length, 4);
  const later = sim.wire.slice(wireBefore).map((d) => decodeGroupWire(d.bytes))
    .filter((m) => m.kind === "post");
  assertEquals(later.length, 4 * 3);
  for (const message of later) {
    assert(message.kind === "post");
    const stale = deserializeGroup(dState, () => true);
    let read = false;
    try {
      await decryptPost(stale, message.mls);
      read = true;
    } catch (err) {
      assert(err instanceof GroupError, `${err}`);
    }
    assert(!read, "D read a post made after its removal");
  }

  // B leaves; C's post still reaches A and E.
  await sim.act(B, (e) => e.leave(groupId));
  assert(B.events.some((ev) => ev.type === "group_left"));
  for (const node of [A, C, E]) assertEquals(memberNames(sim, node, groupId), ["A", "C", "E"]);
  await post(sim, C, groupId, "C after B left");
  assertEquals(received(A, groupId).at(-1), "C after B left");
  assertEquals(received(E, groupId).at(-1), "C after B left");
  assert(!received(B, groupId).includes("C after B left"));

  // The hello admission sees the roster: E shares this group with A and C only.
  const peers = E.engine.rosterPeers().map((p) => sim.byKey(p.key).name).sort();
  assertEquals(peers, ["A", "C"]);
  // Six commits: three adds at creation, E's add, D's and B's removals.
  assertEquals(A.engine.group(groupId)?.seq, 6);
  assertEquals(C.engine.group(groupId)?.seq, 6);
  // Every member acknowledged every commit: the owner's log is empty.
  const aRow = loadGroups(A.store.db, A.store.sealer)[0].row;
  assertEquals(commitsAfter(A.store.db, A.store.sealer, aRow, 0), []);
});

Deno.test("offline: D misses E's add and two posts of B; it gets the commit and both posts in order, once", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D", "E"]);
  const [A, B, , D, E] = ["A", "B", "C", "D", "E"].map((n) => sim.node(n));
  const groupId = await founded(sim);
  sim.offline("D");
  await sim.act(A, (e) => e.add(groupId, [E.key]));
  await post(sim, B, groupId, "first while D is away");
  await post(sim, B, groupId, "second while D is away");
  assertEquals(received(E, groupId), ["first while D is away", "second while D is away"]);
  assertEquals(D.engine.group(groupId)?.seq, 3);

  // The posts arrive before the commit they need: held, then read in order once it is applied.
  const mail = D.mailbox.slice();
  await sim.online("D", "reversed");
  assertEquals(D.engine.group(groupId)?.seq, 4);
  assertEquals(memberNames(sim, D, groupId), ["A", "B", "C", "D", "E"]);
  assertEquals(received(D, groupId), ["first while D is away", "second while D is away"]);
  assert(D.results.some((r) => r.status === "later"));

  // Everything again: nothing new, nothing twice.
  for (const delivery of mail) {
    const result = await sim.deliver(delivery);
    assert(["duplicate", "rejected"].includes(result.status), result.status);
  }
  assertEquals(received(D, groupId).length, 2);
  assertEquals(D.engine.posts(groupId).map((p) => decode(p.body)), [
    "first while D is away",
    "second while D is away",
  ]);

  // A commit after a gap: held, answered with a request for what is missing, applied in order.
  sim.offline("D");
  await sim.act(A, (e) => e.remove(groupId, [E.key]));
  await post(sim, A, groupId, "E is gone");
  await sim.online("D", "reversed");
  assertEquals(received(D, groupId).at(-1), "E is gone");
  assertEquals(D.engine.group(groupId)?.seq, 5);
});

Deno.test("invitations wait for acceptance; decline discards and takes the invitee off the roster", async () => {
  await using sim = await GroupSim.make(["A", "B", "C"]);
  const [A, B, C] = ["A", "B", "C"].map((n) => sim.node(n));
  sim.befriend("A", "B", "C");
  B.autoAccept = false;
  C.autoAccept = false;
  const { groupId } = await sim.act(A, (e) => e.create("club", [B.key, C.key]));
  assertEquals(B.engine.invites().map((i) => i.name), ["club"]);
  assertEquals(B.engine.groups(), []);
  assert(B.events.some((ev) => ev.type === "group_invite" && ev.name === "club"));
  // What arrives before B accepts (C's add commit, a post) is held for it, not lost.
  await post(sim, A, groupId, "before you accepted");
  assertEquals(received(B, groupId), []);
  assert(B.results.some((r) => r.status === "later"));
  await sim.act(B, (e) => e.accept(groupId));
  assertEquals(received(B, groupId), ["before you accepted"]);
  await sim.act(C, (e) => e.decline(groupId));
  assertEquals(C.engine.invites(), []);
  assertEquals(C.engine.groups(), []);
  assertEquals(memberNames(sim, A, groupId), ["A", "B"]);
  assertEquals(memberNames(sim, B, groupId), ["A", "B"]);
  await post(sim, A, groupId, "just us");
  assertEquals(received(B, groupId), ["before you accepted", "just us"]);
  // A dissolves: B is told.
  await sim.act(A, (e) => e.dissolve(groupId));
  assert(B.events.some((ev) => ev.type === "group_dissolved" && ev.groupId === groupId));
  assertEquals(B.engine.groups(), []);
  assertEquals(A.engine.groups(), []);
});

Deno.test("at rest: no group name, member key, group id or post body in plain bytes of any file", async () => {
  await using sim = await GroupSim.make(["A", "B", "C"]);
  const [A, B, C] = ["A", "B", "C"].map((n) => sim.node(n));
  sim.befriend("A", "B", "C");
  const { groupId } = await sim.act(A, (e) => e.create("zebra-crossing-club", [B.key, C.key]));
  await post(sim, B, groupId, "the-password-is-swordfish");
  // Held messages too: C misses a commit, and a post waits for it.
  sim.offline("C");
  await sim.act(A, (e) => e.remove(groupId, [B.key]));
  await post(sim, A, groupId, "held-post-for-carol");
  await sim.online("C", "reversed");
  assertEquals(received(C, groupId).at(-1), "held-post-for-carol");
  for (const node of [A, B, C]) {
    node.store.db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    const found = await findInFiles(node.store.home, {
      name: text.encode("zebra-crossing-club"),
      body: text.encode("the-password-is-swordfish"),
      held: text.encode("held-post-for-carol"),
      groupId: fromHex(groupId),
      groupIdHex: text.encode(groupId),
      keyA: A.key,
      keyB: B.key,
      keyC: C.key,
      keyAHex: text.encode(toHex(A.key)),
    });
    assertEquals(found, [], node.name);
  }
});

Deno.test("posts: burn after reading goes on read, a TTL'd post at its expiry, like 1:1", async () => {
  await using sim = await GroupSim.make(["A", "B"]);
  const [A, B] = ["A", "B"].map((n) => sim.node(n));
  sim.befriend("A", "B");
  const { groupId } = await sim.act(A, (e) => e.create("ttl", [B.key]));
  await sim.act(A, (e) => e.send(groupId, { body: text.encode("burn me"), burn: true }));
  await sim.act(A, (e) => e.send(groupId, { body: text.encode("one minute"), ttlSeconds: 60 }));
  await sim.act(A, (e) => e.send(groupId, { body: text.encode("a day"), ttlSeconds: 86_400 }));
  const bodies = () => B.engine.posts(groupId).map((p) => decode(p.body));
  assertEquals(bodies(), ["burn me", "one minute", "a day"]);
  await B.engine.markRead(groupId);
  assertEquals(bodies(), ["one minute", "a day"]);
  assert(B.engine.posts(groupId).every((p) => p.readAt !== null));
  sim.skewMs = 61_000;
  assertEquals(await B.engine.sweep(), 1);
  assertEquals(bodies(), ["a day"]);
  // A redelivery of a swept post is still a duplicate (its id is remembered past its expiry).
  const again = sim.wire.filter((d) => d.kind === "post" && toHex(d.to) === toHex(B.key));
  for (const d of again) assertEquals((await sim.deliver(d)).status, "duplicate");
  assertEquals(bodies(), ["a day"]);
});

Deno.test("restart: an engine reopened on its store carries on (groups, seqs, MLS state, held posts, a healing commit)", async () => {
  await using sim = await GroupSim.make(["A", "B", "C"]);
  const [A, B, C] = ["A", "B", "C"].map((n) => sim.node(n));
  sim.befriend("A", "B", "C");
  const { groupId } = await sim.act(A, (e) => e.create("restart", [B.key, C.key]));
  await post(sim, B, groupId, "before");
  sim.offline("C");
  await sim.act(A, (e) => e.remove(groupId, [B.key]));
  await post(sim, A, groupId, "held for C");
  for (const node of [A, C]) {
    node.engine = GroupEngine.open({
      store: node.store,
      identity: node.identity,
      isContact: (key) => node.contacts.has(toHex(key)),
    });
  }
  await sim.online("C", "reversed");
  assertEquals(received(C, groupId), ["before", "held for C"]);
  await sim.act(A, (e) => e.heal(groupId));
  assertEquals(C.engine.group(groupId)?.epoch, A.engine.group(groupId)?.epoch);
  await post(sim, C, groupId, "after restart");
  assertEquals(received(A, groupId).at(-1), "after restart");
  assertEquals(A.engine.group(groupId)?.seq, C.engine.group(groupId)?.seq);
});

Deno.test("a store write that fails after MLS spent the state: the engine reloads and carries on", async () => {
  await using sim = await GroupSim.make(["A", "B"]);
  const [A, B] = ["A", "B"].map((n) => sim.node(n));
  sim.befriend("A", "B");
  const { groupId } = await sim.act(A, (e) => e.create("disk", [B.key]));
  // The engine's outer write goes through; the write that persists the post (after MLS spent
  // the group's state) fails.
  const write = A.store.write;
  let calls = 0;
  A.store.write = <T>(fn: () => T | Promise<T>) =>
    ++calls === 1 ? write(fn) : Promise.reject(new Error("disk full"));
  let failed = false;
  await A.engine.send(groupId, { body: text.encode("lost") }).catch(() => failed = true);
  assert(failed);
  assertEquals(calls, 2);
  A.store.write = write;
  await post(sim, A, groupId, "after the failure");
  await post(sim, A, groupId, "and again");
  assertEquals(received(B, groupId), ["after the failure", "and again"]);
});

Deno.test("called from inside a store write (the node's delivery handler), the engine joins it: no deadlock with a concurrent send", async () => {
  await using sim = await GroupSim.make(["A", "B"]);
  const [A, B] = ["A", "B"].map((n) => sim.node(n));
  sim.befriend("A", "B");
  const { groupId } = await sim.act(A, (e) => e.create("joined", [B.key]));
  const sent = await B.engine.send(groupId, { body: text.encode("via the handler") });
  // The delivery holds the writer, then hands the bytes to the engine; meanwhile A sends.
  const delivery = A.store.write(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return await A.engine.receive(B.key, sent.outgoing[0].bytes);
  });
  const sending = A.engine.send(groupId, { body: text.encode("meanwhile") });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("deadlock")), 20_000);
  });
  const [result] = await Promise.race([Promise.all([delivery, sending]), timeout]);
  clearTimeout(timer);
  assertEquals(result.status, "stored");
  assertEquals(A.engine.posts(groupId).map((p) => decode(p.body)), [
    "via the handler",
    "meanwhile",
  ]);
});
