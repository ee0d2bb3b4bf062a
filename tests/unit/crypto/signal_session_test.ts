/**
 * 1:1 sessions over the real libsignal and real sealed SQLite stores (two nodes, one process).
 */
import assert from "node:assert/strict";
import { isSessionError } from "../../../src/crypto/session_error.ts";
import { sessionMessageType } from "../../../src/crypto/signal_session.ts";
import { decode, encode, introduce, newNode, type TestNode } from "../../support/signal.ts";

async function pair(): Promise<{ a: TestNode; b: TestNode } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "legion-session-" });
  const a = await newNode(dir, "a");
  const b = await newNode(dir, "b");
  await introduce(a, b);
  return {
    a,
    b,
    async [Symbol.asyncDispose]() {
      a.close();
      b.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function rejectsWith(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(isSessionError(err), `not a SessionError: ${err}`);
    assert.equal(err.reason, reason);
    return true;
  });
}

function shuffle<T>(items: T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

Deno.test("100 messages decrypt shuffled, replays are refused, the answer advances both ratchets", async () => {
  await using p = await pair();
  const { a, b } = p;
  const bob = a.signal.contact("bob");
  const alice = b.signal.contact("alice");
  const sent: Array<{ i: number; ct: Uint8Array }> = [];
  for (let i = 0; i < 100; i++) {
    sent.push({ i, ct: await a.signal.encrypt(bob, encode(`message ${i} `.repeat(20))) });
  }
  // Until Bob answers, every message carries the PQXDH prekey material.
  assert.ok(sent.every(({ ct }) => sessionMessageType(ct) === "prekey"));
  for (const { i, ct } of shuffle(sent)) {
    const { contact, plaintext } = await b.signal.decrypt(a.signal.ownEd25519, ct);
    assert.equal(contact.name, "alice");
    assert.equal(decode(plaintext), `message ${i} `.repeat(20));
  }
  for (const { ct } of shuffle(sent).slice(0, 20)) {
    await rejectsWith(b.signal.decrypt(a.signal.ownEd25519, ct), "duplicate");
  }
  const answer = await b.signal.encrypt(alice, encode("got them all"));
  assert.equal(sessionMessageType(answer), "message");
  assert.equal(
    decode((await a.signal.decrypt(b.signal.ownEd25519, answer)).plaintext),
    "got them all",
  );
  // Alice has received Bob's new ratchet key: her messages are now plain ratchet messages.
  const next = await a.signal.encrypt(bob, encode("and now?"));
  assert.equal(sessionMessageType(next), "message");
  assert.ok(next.length < 200);
  assert.equal(decode((await b.signal.decrypt(a.signal.ownEd25519, next)).plaintext), "and now?");
  await rejectsWith(a.signal.decrypt(b.signal.ownEd25519, answer), "duplicate");
});

Deno.test("an old session snapshot cannot decrypt messages once the ratchet has healed", async () => {
  await using p = await pair();
  const { a, b } = p;
  const bob = a.signal.contact("bob");
  const alice = b.signal.contact("alice");
  const fromAlice = (ct: Uint8Array) => b.signal.decrypt(a.signal.ownEd25519, ct);
  const fromBob = (ct: Uint8Array) => a.signal.decrypt(b.signal.ownEd25519, ct);
  await fromAlice(await a.signal.encrypt(bob, encode("one")));
  // The attacker copies Bob's session state now (chain keys and his current ratchet key).
  const snapshot = snapshotSessions(b);
  const exposed = await a.signal.encrypt(bob, encode("same chain"));
  // One full round trip: Bob and Alice each take a DH ratchet step with fresh keys.
  await fromBob(await b.signal.encrypt(alice, encode("two")));
  await fromAlice(await a.signal.encrypt(bob, encode("three")));
  await fromBob(await b.signal.encrypt(alice, encode("four")));
  const secret = await a.signal.encrypt(bob, encode("after healing"));
  assert.equal(decode((await fromAlice(secret)).plaintext), "after healing");
  restoreSessions(b, snapshot);
  // Same sending chain as the snapshot: readable by the attacker (why healing matters) ...
  assert.equal(decode((await fromAlice(exposed)).plaintext), "same chain");
  // ... but after the round trip, new DH ratchet keys lock the snapshot out.
  await rejectsWith(fromAlice(secret), "invalid_message");
});

Deno.test("a later snapshot cannot decrypt earlier messages (forward secrecy)", async () => {
  await using p = await pair();
  const { a, b } = p;
  const bob = a.signal.contact("bob");
  const early = await a.signal.encrypt(bob, encode("early"));
  await b.signal.decrypt(a.signal.ownEd25519, early);
  // Everything Bob holds now: the message key for `early` is gone.
  await rejectsWith(b.signal.decrypt(a.signal.ownEd25519, early), "duplicate");
});

Deno.test("a tampered ciphertext fails authentication and the session survives", async () => {
  await using p = await pair();
  const { a, b } = p;
  const bob = a.signal.contact("bob");
  const alice = b.signal.contact("alice");
  await b.signal.decrypt(a.signal.ownEd25519, await a.signal.encrypt(bob, encode("hi")));
  await a.signal.decrypt(b.signal.ownEd25519, await b.signal.encrypt(alice, encode("hi")));
  const ct = await a.signal.encrypt(bob, encode("intact"));
  for (const index of [5, ct.length - 12, ct.length - 1]) {
    const bad = ct.slice();
    bad[index] ^= 0x01;
    await rejectsWith(b.signal.decrypt(a.signal.ownEd25519, bad), "invalid_message");
  }
  await rejectsWith(
    b.signal.decrypt(a.signal.ownEd25519, new Uint8Array([9, 1, 2])),
    "invalid_message",
  );
  assert.equal(decode((await b.signal.decrypt(a.signal.ownEd25519, ct)).plaintext), "intact");
});

Deno.test("messages from a stranger are refused before any session work", async () => {
  await using p = await pair();
  const dir = await Deno.makeTempDir();
  const mallory = await newNode(dir, "m");
  try {
    await introduce(mallory, p.b, "mallory", "bob");
    await p.b.signal.removeContact(p.b.signal.contact("mallory"));
    const ct = await mallory.signal.encrypt(mallory.signal.contact("bob"), encode("hi"));
    await rejectsWith(p.b.signal.decrypt(mallory.signal.ownEd25519, ct), "no_session");
  } finally {
    mallory.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PreKey message replayed after the session was dropped is refused (Kyber last-resort)", async () => {
  await using p = await pair();
  const { a, b } = p;
  const first = await a.signal.encrypt(a.signal.contact("bob"), encode("first"));
  await b.signal.decrypt(a.signal.ownEd25519, first);
  b.signal.resetSession(b.signal.contact("alice"));
  await rejectsWith(b.signal.decrypt(a.signal.ownEd25519, first), "duplicate");
  // Control: it is the recorded (kyber id, signed prekey id, base key) that stops it.
  b.db.exec("DELETE FROM signal_kyber_used");
  assert.equal(decode((await b.signal.decrypt(a.signal.ownEd25519, first)).plaintext), "first");
});

Deno.test("sessions and prekeys survive closing and reopening the store", async () => {
  await using p = await pair();
  let { a, b } = p;
  const ct1 = await a.signal.encrypt(a.signal.contact("bob"), encode("before restart"));
  a = await a.reopen();
  b = await b.reopen();
  p.a = a;
  p.b = b;
  const ct2 = await a.signal.encrypt(a.signal.contact("bob"), encode("after restart"));
  assert.equal(
    decode((await b.signal.decrypt(a.signal.ownEd25519, ct2)).plaintext),
    "after restart",
  );
  b = await b.reopen();
  p.b = b;
  assert.equal(
    decode((await b.signal.decrypt(a.signal.ownEd25519, ct1)).plaintext),
    "before restart",
  );
  const answer = await b.signal.encrypt(b.signal.contact("alice"), encode("ok"));
  assert.equal(decode((await a.signal.decrypt(b.signal.ownEd25519, answer)).plaintext), "ok");
});

Deno.test("safety numbers match on both sides and change after a key change", async () => {
  await using p = await pair();
  const { a, b } = p;
  const before = a.signal.safetyNumber(a.signal.contact("bob"));
  assert.match(before, /^\d{60}$/);
  assert.equal(b.signal.safetyNumber(b.signal.contact("alice")), before);
  // Bob restores his identity from the phrase: same Ed25519 key, new libsignal keys.
  const dir = await Deno.makeTempDir();
  const b2 = await newNode(dir, "b2", { now: b.clock.now }, b.phrase);
  try {
    assert.deepEqual(b2.signal.ownEd25519, b.signal.ownEd25519);
    const { importCard } = await import("../../../src/store/contacts_import.ts");
    await importCard(b2.signal, await a.signal.exportCard({ name: "alice" }), { now: a.clock.now });
    await importCard(a.signal, await b2.signal.exportCard({ name: "bob" }), {
      now: a.clock.now,
      replace: true,
    });
    const after = a.signal.safetyNumber(a.signal.contact("bob"));
    assert.notEqual(after, before);
    assert.equal(b2.signal.safetyNumber(b2.signal.contact("alice")), after);
  } finally {
    b2.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a session started from a card survives the recipient's prekey rotation", async () => {
  await using p = await pair();
  const { a, b } = p;
  // Bob's prekeys rotate 8 days later; Alice still holds his old card.
  b.clock.now += 8 * 86_400_000;
  const { rotatePreKeys } = await import("../../../src/store/signal_keys.ts");
  assert.equal(rotatePreKeys(b.db, b.sealer, b.signal.keys, b.clock.now), true);
  const newCard = JSON.parse(await b.signal.exportCard());
  assert.equal(newCard.signal.signedPreKey.id, 2);
  const ct = await a.signal.encrypt(a.signal.contact("bob"), encode("old card"));
  assert.equal(decode((await b.signal.decrypt(a.signal.ownEd25519, ct)).plaintext), "old card");
  // Long after every card with the old prekeys expired, they are gone.
  b.clock.now += 200 * 86_400_000;
  rotatePreKeys(b.db, b.sealer, b.signal.keys, b.clock.now);
  const ids = b.db.prepare("SELECT id FROM signal_signed_prekeys ORDER BY id").all().map((r) =>
    Number((r as { id: number }).id)
  );
  assert.deepEqual(ids, [2, 3]);
});

/** Copies every session row (sealed) — what an attacker with the DB file and vault key gets. */
function snapshotSessions(
  node: TestNode,
): Array<{ address_tag: Uint8Array; record_sealed: Uint8Array }> {
  const rows = node.db.prepare("SELECT address_tag, record_sealed FROM signal_sessions")
    .all() as Array<{ address_tag: Uint8Array; record_sealed: Uint8Array }>;
  return rows.map((r) => ({
    address_tag: new Uint8Array(r.address_tag),
    record_sealed: new Uint8Array(r.record_sealed),
  }));
}

function restoreSessions(
  node: TestNode,
  rows: Array<{ address_tag: Uint8Array; record_sealed: Uint8Array }>,
): void {
  node.db.exec("DELETE FROM signal_sessions");
  for (const row of rows) {
    node.db.prepare("INSERT INTO signal_sessions (address_tag, record_sealed) VALUES (?, ?)").run(
      row.address_tag,
      row.record_sealed,
    );
  }
}

Deno.test("a message under a contact's new, unimported identity key is refused as untrusted", async () => {
  await using p = await pair();
  const { a, b } = p;
  const dir = await Deno.makeTempDir();
  // Bob restores from his phrase (same Ed25519, new libsignal key) and writes to Alice, who still
  // holds his old card.
  const b2 = await newNode(dir, "b2", { now: b.clock.now }, b.phrase);
  try {
    const { importCard } = await import("../../../src/store/contacts_import.ts");
    await importCard(b2.signal, await a.signal.exportCard({ name: "alice" }), { now: a.clock.now });
    const ct = await b2.signal.encrypt(b2.signal.contact("alice"), encode("it's me, new keys"));
    await rejectsWith(a.signal.decrypt(b2.signal.ownEd25519, ct), "untrusted_identity");
  } finally {
    b2.close();
    await Deno.remove(dir, { recursive: true });
  }
});
