/** Contact import rules and the contact store, over real sealed SQLite and real cards. */
import assert from "node:assert/strict";
import { importCard, markVerified, renameContact } from "../../../src/store/contacts_import.ts";
import { isCardError } from "../../../src/crypto/card_error.ts";
import { encode, newNode, nodes, type TestNode } from "../../support/signal.ts";
import { encodeCard, parseCard, signCardBinding } from "../../../src/crypto/card.ts";
import { deriveIdentity } from "../../../src/crypto/phrase_keys.ts";
import { toLegionError } from "../../../src/cli/error_map.ts";
import { isUserError, userError } from "../../support/user_error.ts";

Deno.test("importCard() adds, then reports unchanged, then refreshes with a newer card", async () => {
  await using n = await nodes("a", "b");
  const [a, b] = n.nodes;
  const card = await b.signal.exportCard({ name: "bob" });
  assert.equal((await importCard(a.signal, card, { now: a.clock.now })).status, "added");
  assert.equal((await importCard(a.signal, card, { now: a.clock.now })).status, "unchanged");
  b.clock.now += 60_000;
  const newer = await b.signal.exportCard({ name: "bobby" });
  const refreshed = await importCard(a.signal, newer, { now: b.clock.now });
  assert.equal(refreshed.status, "updated");
  assert.equal(refreshed.contact.name, "bob"); // a hint never renames an existing contact
  assert.equal(refreshed.contact.cardText, newer);
});

Deno.test("importCard() refuses your own card", async () => {
  await using n = await nodes("a");
  const [a] = n.nodes;
  await assert.rejects(
    importCard(a.signal, await a.signal.exportCard({ name: "me" }), { now: a.clock.now }),
    (err) => isCardError(err, "self") && toLegionError(err)?.exitCode === 65,
  );
  assert.equal(a.signal.contacts.list().length, 0);
});

Deno.test("importCard() refuses a changed libsignal key for the same identity unless replace", async () => {
  await using n = await nodes("a", "b");
  const [a, b] = n.nodes;
  await importCard(a.signal, await b.signal.exportCard({ name: "bob" }), { now: a.clock.now });
  await markVerified(a.signal, a.signal.contact("bob"), true);
  await a.signal.encrypt(a.signal.contact("bob"), encode("session exists"));
  const restored = await newNode(n.dir, "b-restored", { now: b.clock.now }, b.phrase);
  try {
    const changed = await restored.signal.exportCard({ name: "bob" });
    await assert.rejects(
      importCard(a.signal, changed, { now: a.clock.now }),
      (err) => isCardError(err, "key_changed") && /may be an attack/.test(err.message),
    );
    assert.equal(a.signal.contact("bob").verified, true);
    const replaced = await importCard(a.signal, changed, { now: a.clock.now, replace: true });
    assert.equal(replaced.status, "replaced");
    assert.equal(replaced.previousVerified, true);
    assert.equal(replaced.contact.verified, false);
    assert.ok(replaced.contact.keyChangedAt);
    assert.equal(sessions(a), 0);
  } finally {
    restored.close();
  }
});

Deno.test("importCard() treats a new identity under a taken name as a key change", async () => {
  await using n = await nodes("a", "b", "c");
  const [a, b, c] = n.nodes;
  await importCard(a.signal, await b.signal.exportCard({ name: "bob" }), { now: a.clock.now });
  const impostor = await c.signal.exportCard({ name: "bob" });
  await assert.rejects(
    importCard(a.signal, impostor, { now: a.clock.now }),
    (err) => isCardError(err, "key_changed"),
  );
  const other = await importCard(a.signal, impostor, { now: a.clock.now, name: "carol" });
  assert.equal(other.status, "added");
  assert.equal(a.signal.contacts.list().map((x) => x.name).join(","), "bob,carol");
});

Deno.test("importCard() needs a name when the card has no hint", async () => {
  await using n = await nodes("a", "b");
  const [a, b] = n.nodes;
  const card = await b.signal.exportCard();
  await assert.rejects(
    importCard(a.signal, card, { now: a.clock.now }),
    (err) => isUserError(err, "usage"),
  );
  assert.equal((await importCard(a.signal, card, { now: a.clock.now, name: "b" })).status, "added");
});

Deno.test("renameContact() keeps names unique and lookups follow the new name", async () => {
  await using n = await nodes("a", "b", "c");
  const [a, b, c] = n.nodes;
  await importCard(a.signal, await b.signal.exportCard({ name: "bob" }), { now: a.clock.now });
  await importCard(a.signal, await c.signal.exportCard({ name: "carol" }), { now: a.clock.now });
  await assert.rejects(
    () => renameContact(a.signal, "bob", "carol"),
    (err) => isUserError(err, "contact_exists"),
  );
  await renameContact(a.signal, "bob", "Robert 🙂");
  assert.equal(a.signal.contacts.byName("bob"), undefined);
  assert.deepEqual(a.signal.contact("Robert 🙂").ed25519, b.signal.ownEd25519);
  assert.equal(a.signal.contactByKey(b.signal.ownEd25519)?.name, "Robert 🙂");
  assert.throws(() => a.signal.contact("nobody"), (err) => isUserError(err, "no_contact"));
});

Deno.test("removing a contact removes its session and trust", async () => {
  await using n = await nodes("a", "b");
  const [a, b] = n.nodes;
  await importCard(a.signal, await b.signal.exportCard({ name: "bob" }), { now: a.clock.now });
  await a.signal.encrypt(a.signal.contact("bob"), encode("x"));
  await a.signal.removeContact(a.signal.contact("bob"));
  assert.equal(a.signal.contacts.list().length, 0);
  assert.equal(sessions(a), 0);
  assert.equal(a.signal.contactByKey(b.signal.ownEd25519), undefined);
});

Deno.test("importCard() refuses a libsignal identity key that another contact already holds", async () => {
  await using n = await nodes("a", "b", "c");
  const [a, b, c] = n.nodes;
  await importCard(a.signal, await b.signal.exportCard({ name: "bob" }), { now: a.clock.now });
  // C's Ed25519 key and onion with B's libsignal keys, and a binding that verifies: only someone
  // holding B's libsignal private key can make this, but two contacts must never share one.
  const own = parseCard(await c.signal.exportCard({ name: "carol" })).card;
  const bobs = parseCard(await b.signal.exportCard()).card;
  const shared = await encodeCard({
    ...bobs,
    name: "carol",
    ed25519: own.ed25519,
    onion: own.onion,
    binding: signCardBinding(b.signal.keys.identityKeyPair.privateKey, own),
  }, (await deriveIdentity(c.phrase!)).seed);
  for (const replace of [false, true]) {
    await assert.rejects(
      importCard(a.signal, shared, { now: a.clock.now, replace }),
      (err) =>
        isCardError(err, "identity_key_in_use") && toLegionError(err)?.exitCode === 65 &&
        /belongs to contact "bob"/.test(err.message),
    );
  }
  assert.deepEqual(a.signal.contacts.list().map((x) => x.name), ["bob"]);
  // The genuine card of C is fine.
  const carol = await importCard(a.signal, await c.signal.exportCard({ name: "carol" }), {
    now: a.clock.now,
  });
  assert.equal(carol.status, "added");
});

function sessions(node: TestNode): number {
  return Number(
    (node.db.prepare("SELECT COUNT(*) AS n FROM signal_sessions").get() as { n: number }).n,
  );
}

Deno.test("names with control, bidi or invisible characters are refused on import, rename and export", async () => {
  await using n = await nodes("a", "b");
  const [a, b] = n.nodes;
  const card = await b.signal.exportCard();
  for (const name of ["evil\u202etxt", "bob\u200b", "bob\x1b[2J", "bob\nalice"]) {
    await assert.rejects(
      importCard(a.signal, card, { now: a.clock.now, name }),
      (err) => userError(err, "usage")?.exitCode === 2 && /printable/.test(userError(err)!.message),
    );
    await assert.rejects(
      b.signal.exportCard({ name }),
      (err) => userError(err, "usage")?.exitCode === 2,
    );
  }
  await importCard(a.signal, card, { now: a.clock.now, name: "bob" });
  await assert.rejects(
    () => renameContact(a.signal, "bob", "b\u2066ob"),
    (err) => userError(err, "usage")?.exitCode === 2,
  );
  assert.equal(a.signal.contacts.list().map((x) => x.name).join(","), "bob");
});
