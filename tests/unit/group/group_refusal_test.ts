/**
 * What the group engine refuses, each with its own GroupError reason and no change to the
 * refusing node's stored group (record, MLS state, posts, invitations, key packages).
 */
import {
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from "ts-mls";
import { GroupSim, type SimNode } from "../../support/group_sim.ts";
import { toHex } from "../../../src/crypto/hex.ts";
import {
  decodeGroupWire,
  encodeGroupPost,
  encodeGroupWire,
} from "../../../src/protocol/group_wire.ts";
import { PayloadType } from "../../../src/protocol/payload.ts";
import {
  deserializeGroup,
  encryptPost,
  GROUP_CIPHER_SUITE,
  groupIdentityFromSeed,
  removeMembers,
} from "../../../src/group/mls_adapter.ts";
import { listPosts, loadGroups, loadKeyPackages } from "../../../src/group/group_store.ts";
import type { GroupErrorReason } from "../../../src/group/group_error.ts";
import type { ReceiveResult } from "../../../src/group/group_types.ts";
import { assert, assertEquals } from "../../support/assert.ts";

const text = new TextEncoder();

/** Everything a node holds of groups, opened, as comparable text. */
function snapshot(node: SimNode): string {
  const { db, sealer } = node.store;
  const groups = loadGroups(db, sealer).map((g) => ({
    record: g.record,
    state: toHex(g.state),
    posts: listPosts(db, sealer, g.row).map((p) => toHex(p.id)),
  }));
  const kps = loadKeyPackages(db, sealer).map((k) => toHex(k.bundle));
  return JSON.stringify({ groups, kps });
}

async function refused(
  node: SimNode,
  from: Uint8Array,
  bytes: Uint8Array,
  reason: GroupErrorReason,
): Promise<ReceiveResult> {
  const before = snapshot(node);
  const result = await node.engine.receive(from, bytes);
  assertEquals(result.status, "rejected");
  assertEquals(result.error?.reason, reason, result.error?.message);
  assertEquals(result.outgoing, []);
  assertEquals(result.events, []);
  assertEquals(snapshot(node), before, "state changed on a refusal");
  return result;
}

function payload(body: string) {
  return {
    type: PayloadType.text,
    id: crypto.getRandomValues(new Uint8Array(16)),
    createdAt: Date.now(),
    ttlSeconds: 3600,
    burn: false,
    body: text.encode(body),
  };
}

/** A member's MLS group as its store holds it (to craft what an honest engine never sends). */
function storedGroup(node: SimNode) {
  return deserializeGroup(loadGroups(node.store.db, node.store.sealer)[0].state, () => true);
}

async function fourMembers(sim: GroupSim): Promise<string> {
  sim.befriend("A", ...[...sim.nodes.keys()].filter((n) => n !== "A"));
  const [B, C, D] = ["B", "C", "D"].map((n) => sim.node(n));
  const { groupId } = await sim.act(sim.node("A"), (e) => e.create("g", [B.key, C.key, D.key]));
  return groupId;
}

Deno.test("refused: a post from a member removed since (its old-epoch keys still decrypt)", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D"]);
  const [A, B, , D] = ["A", "B", "C", "D"].map((n) => sim.node(n));
  const groupId = await fourMembers(sim);
  const dGroup = storedGroup(D);
  await sim.act(A, (e) => e.remove(groupId, [D.key]));
  const plain = encodeGroupPost({ author: D.key, payload: payload("still here") });
  const { ciphertext } = await encryptPost(dGroup, plain);
  const bytes = encodeGroupWire({ kind: "post", groupId: fromHexId(groupId), mls: ciphertext });
  await refused(B, D.key, bytes, "non_member");
});

Deno.test("refused: a commit not made by the owner", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D"]);
  const [, B, C] = ["A", "B", "C", "D"].map((n) => sim.node(n));
  const groupId = await fourMembers(sim);
  const { commit } = await removeMembers(storedGroup(B), [C.key]);
  const seq = C.engine.group(groupId)!.seq + 1;
  const bytes = encodeGroupWire({
    kind: "commit",
    groupId: fromHexId(groupId),
    seq,
    dissolve: false,
    mls: commit,
  });
  await refused(C, B.key, bytes, "not_owner");
});

Deno.test("refused: a replayed commit, and an older epoch's commit under a fresh seq", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D"]);
  const [A, , C] = ["A", "B", "C", "D"].map((n) => sim.node(n));
  const groupId = await fourMembers(sim);
  const applied = sim.wire.filter((d) => d.kind === "commit" && toHex(d.to) === toHex(C.key));
  assert(applied.length > 0);
  await refused(C, A.key, applied[0].bytes, "stale_commit");
  const old = decodeGroupWire(applied[0].bytes);
  assert(old.kind === "commit");
  const resequenced = encodeGroupWire({ ...old, seq: C.engine.group(groupId)!.seq + 1 });
  await refused(C, A.key, resequenced, "wrong_epoch");
});

Deno.test("refused: a Welcome or a key package request from a non-contact", async () => {
  await using sim = await GroupSim.make(["X", "B"]);
  const [X, B] = ["X", "B"].map((n) => sim.node(n));
  sim.befriend("X", "B");
  const created = await X.engine.create("x", [B.key]);
  const answer = await B.engine.receive(X.key, created.outgoing[0].bytes);
  assertEquals(answer.outgoing.map((o) => o.kind), ["key_package"]);
  B.contacts.clear(); // X is no longer B's contact when its Welcome arrives
  const added = await X.engine.receive(B.key, answer.outgoing[0].bytes);
  const welcome = added.outgoing.find((o) => o.kind === "welcome");
  assert(welcome !== undefined);
  await refused(B, X.key, welcome.bytes, "not_contact");
  assertEquals(B.engine.invites(), []);
  await refused(B, X.key, created.outgoing[0].bytes, "not_contact");
});

Deno.test("refused: a post whose inner author is not its MLS sender", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D"]);
  const [A, B, C] = ["A", "B", "C", "D"].map((n) => sim.node(n));
  const groupId = await fourMembers(sim);
  const plain = encodeGroupPost({ author: C.key, payload: payload("I am C") });
  const { ciphertext } = await encryptPost(storedGroup(B), plain);
  const bytes = encodeGroupWire({ kind: "post", groupId: fromHexId(groupId), mls: ciphertext });
  await refused(A, B.key, bytes, "forged_author");
});

Deno.test("refused: a key package whose leaf credential does not match its signing identity", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D", "E"]);
  const [A, , , , E] = ["A", "B", "C", "D", "E"].map((n) => sim.node(n));
  const groupId = await fourMembers(sim);
  sim.offline("E");
  await sim.act(A, (e) => e.add(groupId, [E.key]));
  const mallory = await groupIdentityFromSeed(new Uint8Array(32).fill(66));
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHER_SUITE));
  const forged = await generateKeyPackageWithKey(
    { credentialType: "basic", identity: E.key },
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: mallory.seed, publicKey: mallory.publicKey },
    cs,
  );
  const kp = encodeMlsMessage({
    version: "mls10",
    wireformat: "mls_key_package",
    keyPackage: forged.publicPackage,
  });
  const bytes = encodeGroupWire({ kind: "key_package", groupId: fromHexId(groupId), mls: kp });
  await refused(A, E.key, bytes, "bad_credential");
  // And a well-bound key package of another key than its sender's.
  const theirs = await sim.node("B").engine.receive(
    A.key,
    encodeGroupWire({
      kind: "key_package_request",
      groupId: fromHexId(groupId),
    }),
  );
  await refused(A, E.key, theirs.outgoing[0].bytes, "bad_credential");
  assertEquals(A.engine.group(groupId)!.pendingAdds.map(toHex), [toHex(E.key)]);
});

Deno.test("refused: garbage, an unknown group, a commit request from a non-member", async () => {
  await using sim = await GroupSim.make(["A", "B", "C", "D", "E"]);
  const [A, B, , , E] = ["A", "B", "C", "D", "E"].map((n) => sim.node(n));
  const groupId = await fourMembers(sim);
  await refused(B, A.key, new Uint8Array([1, 2, 3]), "malformed");
  const other = encodeGroupWire({
    kind: "commit_request",
    groupId: new Uint8Array(16),
    have: 0,
  });
  await refused(A, B.key, other, "unknown_group");
  const request = encodeGroupWire({ kind: "commit_request", groupId: fromHexId(groupId), have: 0 });
  await refused(A, E.key, request, "non_member");
});

function fromHexId(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}
