/** The MLS adapter over real ts-mls: membership, posts, removal, the identity binding, epochs. */
import {
  createCommit,
  createGroup as rawCreateGroup,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from "ts-mls";
import {
  addMembers,
  allowKeys,
  createGroup,
  decryptPost,
  deserializeGroup,
  encryptPost,
  GROUP_CIPHER_SUITE,
  type GroupIdentity,
  groupIdentityFromSeed,
  type IsAllowed,
  joinGroup,
  type KeyPackageBundle,
  leafKeyOf,
  makeKeyPackage,
  type MlsGroup,
  processCommit,
  processUpdateProposal,
  proposeUpdate,
  removeMembers,
  serializeGroup,
  updateCommit,
  withLeafKey,
} from "../../../src/group/mls_adapter.ts";
import { GroupError, type GroupErrorReason } from "../../../src/group/group_error.ts";
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";

const text = new TextEncoder();
const GROUP_ID = text.encode("legion-test-group");

function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

async function identities(...bytes: number[]): Promise<GroupIdentity[]> {
  return await Promise.all(bytes.map((b) => groupIdentityFromSeed(seed(b))));
}

async function assertReason(
  run: () => unknown,
  reason: GroupErrorReason,
): Promise<GroupError> {
  const err = await assertRejects(run);
  assert(err instanceof GroupError, `expected a GroupError, got ${err}`);
  assertEquals(err.reason, reason, `${err.message}`);
  return err;
}

interface Trio {
  ids: GroupIdentity[];
  roster: IsAllowed;
  a: MlsGroup;
  b: MlsGroup;
  c: MlsGroup;
}

/** A creates the group and adds B and C in one commit; both join from the Welcome. */
async function trio(): Promise<Trio> {
  const ids = await identities(1, 2, 3);
  // The roster also allows D (seed 4), whom some tests add later.
  const [dave] = await identities(4);
  const roster = allowKeys([...ids, dave].map((id) => id.publicKey));
  const [kpA, kpB, kpC] = await Promise.all(ids.map((id) => makeKeyPackage(id)));
  const a0 = await createGroup(GROUP_ID, kpA, roster);
  const added = await addMembers(a0, [kpB.bytes, kpC.bytes]);
  const b = await joinGroup(added.welcome, kpB, roster);
  const c = await joinGroup(added.welcome, kpC, roster);
  return { ids, roster, a: added.group, b, c };
}

async function post(from: MlsGroup, body: string) {
  return await encryptPost(from, text.encode(body));
}

async function read(group: MlsGroup, ciphertext: Uint8Array) {
  const { group: next, plaintext } = await decryptPost(group, ciphertext);
  return { group: next, body: new TextDecoder().decode(plaintext) };
}

Deno.test("three members: every member decrypts every other member's post", async () => {
  let { a, b, c } = await trio();
  assertEquals(a.epoch, 1n);
  assertEquals(b.epoch, 1n);
  assertEquals(c.memberKeys().length, 3);
  const fromA = await post(a, "hello from A");
  a = fromA.group;
  const fromB = await post(b, "hello from B");
  b = fromB.group;
  const fromC = await post(c, "hello from C");
  c = fromC.group;
  let r = await read(b, fromA.ciphertext);
  b = r.group;
  assertEquals(r.body, "hello from A");
  r = await read(c, fromA.ciphertext);
  c = r.group;
  assertEquals(r.body, "hello from A");
  r = await read(a, fromB.ciphertext);
  a = r.group;
  assertEquals(r.body, "hello from B");
  r = await read(c, fromB.ciphertext);
  assertEquals(r.body, "hello from B");
  r = await read(a, fromC.ciphertext);
  assertEquals(r.body, "hello from C");
  r = await read(b, fromC.ciphertext);
  assertEquals(r.body, "hello from C");
});

Deno.test("after A removes C, B reads the next post; C can neither read it nor send", async () => {
  let { ids, a, b, c } = await trio();
  const removal = await removeMembers(a, [ids[2].publicKey]);
  a = removal.group;
  b = await processCommit(b, removal.commit);
  assertEquals(a.epoch, 2n);
  assertEquals(b.epoch, 2n);
  assertEquals(b.memberKeys().length, 2);

  const next = await post(a, "C is gone");
  assertEquals((await read(b, next.ciphertext)).body, "C is gone");

  // C before processing its removal: the post is from an epoch it does not hold.
  await assertReason(() => decryptPost(c, next.ciphertext), "wrong_epoch");
  // C after processing its removal: removed, cannot read nor send.
  const removed = await processCommit(c, removal.commit);
  assert(removed.removed);
  await assertReason(() => decryptPost(removed, next.ciphertext), "not_a_member");
  await assertReason(() => encryptPost(removed, text.encode("still here?")), "not_a_member");
  // What C sent before it learnt of its removal is an epoch-1 post: MLS keeps former epochs' keys
  // (4 epochs) for late posts, so B reads it, told its epoch, which is before C's removal.
  const late = await post(c, "sent before I knew");
  const { epoch, plaintext } = await decryptPost(b, late.ciphertext);
  assertEquals(epoch, 1n);
  assertEquals(new TextDecoder().decode(plaintext), "sent before I knew");
});

Deno.test("removing a key the group does not hold is unknown_member", async () => {
  const { a } = await trio();
  const [stranger] = await identities(9);
  await assertReason(() => removeMembers(a, [stranger.publicKey]), "unknown_member");
});

/** A key package whose credential names `named`'s key but whose leaf is signed by `signer`. */
async function forgedKeyPackage(signer: GroupIdentity, named: GroupIdentity) {
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHER_SUITE));
  return await generateKeyPackageWithKey(
    { credentialType: "basic", identity: named.publicKey },
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: signer.seed, publicKey: signer.publicKey },
    cs,
  );
}

Deno.test("a key package naming another Ed25519 key than its signing key is refused at add", async () => {
  const { a, ids } = await trio();
  const [mallory] = await identities(6);
  const forged = await forgedKeyPackage(mallory, ids[1]);
  const bytes = encodeMlsMessage({
    version: "mls10",
    wireformat: "mls_key_package",
    keyPackage: forged.publicPackage,
  });
  await assertReason(() => addMembers(a, [bytes]), "bad_credential");
});

Deno.test("a Welcome whose tree holds a leaf naming another key than its signing key is refused at join", async () => {
  const [alice, bob, mallory] = await identities(1, 2, 6);
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHER_SUITE));
  // Mallory runs ts-mls with its accept-anything default and a leaf claiming to be Alice.
  const forged = await forgedKeyPackage(mallory, alice);
  const state = await rawCreateGroup(
    GROUP_ID,
    forged.publicPackage,
    forged.privatePackage,
    [],
    cs,
  ); // no client config: ts-mls's accept-anything default
  const kpBob: KeyPackageBundle = await makeKeyPackage(bob);
  const { welcome } = await createCommit({ state, cipherSuite: cs, pskIndex: emptyPskIndex }, {
    extraProposals: [{ proposalType: "add", add: { keyPackage: kpBob.keyPackage } }],
    ratchetTreeExtension: true,
  });
  assert(welcome !== undefined);
  const welcomeBytes = encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome });
  const roster = allowKeys([alice.publicKey, bob.publicKey, mallory.publicKey]);
  await assertReason(() => joinGroup(welcomeBytes, kpBob, roster), "bad_credential");
});

Deno.test("a Welcome holding a well-bound leaf outside the joiner's roster is refused at join", async () => {
  const [alice, bob, xavier] = await identities(1, 2, 7);
  const ownerRoster = allowKeys([alice.publicKey, bob.publicKey, xavier.publicKey]);
  const [kpA, kpB, kpX] = await Promise.all([alice, bob, xavier].map((id) => makeKeyPackage(id)));
  const a0 = await createGroup(GROUP_ID, kpA, ownerRoster);
  const added = await addMembers(a0, [kpB.bytes, kpX.bytes]);
  const bobRoster = allowKeys([alice.publicKey, bob.publicKey]);
  await assertReason(() => joinGroup(added.welcome, kpB, bobRoster), "bad_credential");
  // And an owner refuses to add a key outside its own roster.
  const strict = await createGroup(GROUP_ID, kpA, bobRoster);
  await assertReason(() => addMembers(strict, [kpX.bytes]), "bad_credential");
});

Deno.test("two commits made in one epoch: the second is refused as a former epoch's", async () => {
  const { ids, a, b, c: c1 } = await trio();
  const [dave] = await identities(4);
  // A and B both commit in epoch 1: A adds D, B removes C. C sees A's first.
  const kpD = await makeKeyPackage(dave);
  const first = await addMembers(a, [kpD.bytes]);
  const second = await removeMembers(b, [ids[2].publicKey]);
  const c = await processCommit(c1, first.commit);
  assertEquals(c.epoch, 2n);
  await assertReason(() => processCommit(c, second.commit), "wrong_epoch");
});

Deno.test("group state survives serialise → deserialise", async () => {
  let { roster, a, b } = await trio();
  a = deserializeGroup(serializeGroup(a), roster);
  b = deserializeGroup(serializeGroup(b), roster);
  assertEquals(a.epoch, 1n);
  const sent = await post(a, "after a restart");
  assertEquals((await read(b, sent.ciphertext)).body, "after a restart");
  const reply = await post(b, "me too");
  assertEquals((await read(a, reply.ciphertext)).body, "me too");
  const bytes = serializeGroup(a);
  await assertReason(
    () => deserializeGroup(bytes.subarray(0, bytes.length - 5), roster),
    "malformed",
  );
});

Deno.test("a tampered or truncated ciphertext is malformed, not a crash", async () => {
  const { a, b } = await trio();
  const sent = await post(a, "integrity");
  for (const at of [sent.ciphertext.length - 1, sent.ciphertext.length - 20, 40]) {
    const tampered = Uint8Array.from(sent.ciphertext);
    tampered[at] ^= 0x01;
    await assertReason(() => decryptPost(b, tampered), "malformed");
  }
  await assertReason(() => decryptPost(b, sent.ciphertext.subarray(0, 30)), "malformed");
  await assertReason(() => decryptPost(b, new Uint8Array([1, 2, 3])), "malformed");
  await assertReason(() => processCommit(b, sent.ciphertext), "malformed");
  // The untampered post still decrypts: a refused message spends nothing.
  assertEquals((await read(b, sent.ciphertext)).body, "integrity");
});

Deno.test("a member's update proposal, committed by the owner, gives it a fresh leaf key; all still read", async () => {
  let { ids, a, b, c } = await trio();
  const before = leafKeyOf(a, ids[1].publicKey)!;
  const proposed = await proposeUpdate(b);
  b = proposed.group;
  // The owner processes it and commits it (by reference); C processes both; B swaps its key in.
  // Claimed for C, it is refused, and nothing is spent: the true claim still processes.
  await assertReason(
    () => processUpdateProposal(a, proposed.proposal, ids[2].publicKey),
    "forged_author",
  );
  const atOwner = await processUpdateProposal(a, proposed.proposal, ids[1].publicKey);
  const committed = await updateCommit(atOwner);
  a = committed.group;
  const atC = await processUpdateProposal(c, proposed.proposal, ids[1].publicKey);
  c = await processCommit(atC, committed.commit);
  b = await processCommit(withLeafKey(b, proposed.leafPrivateKey), committed.commit);
  const after = leafKeyOf(a, ids[1].publicKey)!;
  assert(toHexString(after) !== toHexString(before), "B's leaf key changed");
  assertEquals(toHexString(leafKeyOf(c, ids[1].publicKey)!), toHexString(after));
  assertEquals([a.epoch, b.epoch, c.epoch], [2n, 2n, 2n]);
  // Another commit after it still reaches B (its new leaf key decrypts the path secret).
  const heal = await updateCommit(a);
  a = heal.group;
  b = await processCommit(b, heal.commit);
  c = await processCommit(c, heal.commit);
  const fromB = await post(b, "fresh keys");
  assertEquals((await read(a, fromB.ciphertext)).body, "fresh keys");
  assertEquals((await read(c, fromB.ciphertext)).body, "fresh keys");
  const fromC = await post(c, "still here");
  assertEquals((await read(fromB.group, fromC.ciphertext)).body, "still here");
  // Without the swap, B could not have followed that commit.
  await assertRejects(() => processCommit(proposed.group, committed.commit));
});

function toHexString(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
