/**
 * Sealed values are bound to their row: someone with write access to the file who copies a
 * sealed body, record or queued ciphertext into another row gets an authentication error, not
 * the other row's secret under a new identity.
 */
import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { tempDir } from "../../support/cli.ts";
import { introduce, newNode, T0 } from "../../support/signal.ts";
import { getMessage, listMessages } from "../../../src/store/messages.ts";
import { listOutbox, recordFailure } from "../../../src/store/outbox.ts";
import { isLegionError } from "../../../src/errors.ts";
import { Messenger } from "../../../src/node/messenger.ts";
import { fromHex } from "../../../src/crypto/hex.ts";

async function setup(dir: string) {
  const clock = { now: T0 };
  const alice = await newNode(dir, "alice", clock);
  const bob = await newNode(dir, "bob", clock);
  const carol = await newNode(dir, "carol", clock);
  await introduce(alice, bob, "alice", "bob");
  await introduce(alice, carol, "alice", "carol");
  const messenger = new Messenger({
    store: alice.store,
    signal: alice.signal,
    now: () => clock.now,
  });
  return { alice, messenger, clock };
}

const badData = (fn: () => unknown, why: string) =>
  assert(isLegionError(assertThrows(fn), "bad_data"), why);

Deno.test("a sealed message body, contact record or queued item copied to another row does not open", async () => {
  await using dir = await tempDir();
  const { alice, messenger } = await setup(dir.path);
  const { db, sealer } = alice;
  const one = await messenger.sendText("bob", "first secret");
  const two = await messenger.sendText("carol", "second secret");
  assertEquals(listMessages(db, sealer).length, 2);

  // Message bodies: swap two rows' bodies.
  const body = (id: string) =>
    (db.prepare("SELECT body_sealed FROM messages WHERE id = ?").get(fromHex(id)) as {
      body_sealed: Uint8Array;
    }).body_sealed;
  const [b1, b2] = [body(one.id), body(two.id)];
  db.prepare("UPDATE messages SET body_sealed = ? WHERE id = ?").run(b1, fromHex(two.id));
  badData(() => getMessage(db, sealer, fromHex(two.id)), "a body moved to another message");
  db.prepare("UPDATE messages SET body_sealed = ? WHERE id = ?").run(b2, fromHex(two.id));
  assertEquals(
    new TextDecoder().decode(getMessage(db, sealer, fromHex(two.id))!.body),
    "second secret",
  );
  // …or the same row reattributed to another contact.
  const bobId = alice.signal.contact("bob").id;
  const carolId = alice.signal.contact("carol").id;
  db.prepare("UPDATE messages SET contact_id = ? WHERE id = ?").run(carolId, fromHex(one.id));
  badData(() => getMessage(db, sealer, fromHex(one.id)), "a message moved to another contact");
  db.prepare("UPDATE messages SET contact_id = ? WHERE id = ?").run(bobId, fromHex(one.id));

  // Outbox: a ciphertext and a sealed last error copied to another item.
  recordFailure(db, sealer, bobId, { error: "bob.onion is down", now: T0, delay: () => 1 });
  const row = (id: string) =>
    db.prepare("SELECT ciphertext_sealed, last_error_sealed FROM outbox WHERE id = ?").get(
      fromHex(id),
    ) as { ciphertext_sealed: Uint8Array; last_error_sealed: Uint8Array };
  const saved = row(two.id);
  db.prepare("UPDATE outbox SET ciphertext_sealed = ? WHERE id = ?").run(
    row(one.id).ciphertext_sealed,
    fromHex(two.id),
  );
  badData(() => listOutbox(db, sealer), "a queued ciphertext moved to another item");
  db.prepare("UPDATE outbox SET ciphertext_sealed = ?, last_error_sealed = ? WHERE id = ?").run(
    saved.ciphertext_sealed,
    row(one.id).last_error_sealed,
    fromHex(two.id),
  );
  badData(() => listOutbox(db, sealer), "a sealed error moved to another item");
  db.prepare("UPDATE outbox SET last_error_sealed = NULL WHERE id = ?").run(fromHex(two.id));
  assertEquals(listOutbox(db, sealer).map((item) => item.lastError), ["bob.onion is down", null]);

  // Contacts: bob's whole row moved under carol's id (messages and queue would follow the id).
  const contactRow = (id: number) =>
    db.prepare("SELECT key_tag, name_tag, record_sealed FROM contacts WHERE id = ?").get(id) as {
      key_tag: Uint8Array;
      name_tag: Uint8Array;
      record_sealed: Uint8Array;
    };
  const bobRow = contactRow(bobId);
  const carolRow = contactRow(carolId);
  db.exec("DELETE FROM contacts");
  const insert = db.prepare(
    "INSERT INTO contacts (id, key_tag, name_tag, record_sealed) VALUES (?, ?, ?, ?)",
  );
  insert.run(carolId, bobRow.key_tag, bobRow.name_tag, bobRow.record_sealed);
  insert.run(bobId, carolRow.key_tag, carolRow.name_tag, carolRow.record_sealed);
  badData(() => alice.signal.contacts.byId(carolId), "a contact record moved to another id");
  // Only the record: bob's record under carol's key tag.
  db.prepare("UPDATE contacts SET record_sealed = ? WHERE id = ?").run(
    carolRow.record_sealed,
    carolId,
  );
  badData(() => alice.signal.contacts.byId(carolId), "a contact record under another key");
  alice.close();
});
