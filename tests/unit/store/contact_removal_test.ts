/**
 * A removed or replaced contact leaves nothing behind: ids are never reused, and its messages,
 * queue and seen ids go with it. Real sealed SQLite, real cards.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { importCard } from "../../../src/store/contacts_import.ts";
import { hasSeen, insertMessage, listMessages, markSeen } from "../../../src/store/messages.ts";
import { contactsWithDueItems, enqueue, itemsFor, outboxCount } from "../../../src/store/outbox.ts";
import { openDatabase } from "../../../src/store/db.ts";
import { MIGRATIONS } from "../../../src/store/migrations.ts";
import { PayloadType } from "../../../src/protocol/payload.ts";
import { newNode, nodes, type TestNode } from "../../support/signal.ts";

async function add(into: TestNode, from: TestNode, name: string, replace = false) {
  const card = await from.signal.exportCard({ name });
  return (await importCard(into.signal, card, { now: into.clock.now, replace })).contact;
}

/** One received and one sent message, a queued item and a seen id for `contactId`. */
function history(node: TestNode, contactId: number): Uint8Array {
  const id = crypto.getRandomValues(new Uint8Array(16));
  for (const direction of ["in", "out"] as const) {
    insertMessage(node.db, node.sealer, {
      payload: {
        type: PayloadType.text,
        id: direction === "in" ? id : crypto.getRandomValues(new Uint8Array(16)),
        createdAt: node.clock.now,
        ttlSeconds: 3600,
        burn: false,
        body: new TextEncoder().encode(`${direction} secret`),
      },
      contactId,
      direction,
      state: direction === "in" ? "received" : "queued",
    }, node.clock.now);
  }
  markSeen(node.db, contactId, id, node.clock.now + 3_600_000);
  enqueue(node.db, node.sealer, {
    id: crypto.getRandomValues(new Uint8Array(16)),
    contactId,
    kind: "message",
    ciphertext: new Uint8Array(32),
    expiresAt: node.clock.now + 3_600_000,
  }, node.clock.now);
  return id;
}

function rows(node: TestNode, table: "messages" | "outbox" | "seen"): number {
  return Number(
    (node.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
  );
}

Deno.test("a contact imported after a removal gets a new id and none of the removed one's history", async () => {
  await using n = await nodes("a", "c", "d");
  const [a, c, d] = n.nodes;
  const carol = await add(a, c, "carol");
  const seenId = history(a, carol.id);
  await a.signal.removeContact(a.signal.contact("carol"));
  const dave = await add(a, d, "dave");
  assert.notEqual(dave.id, carol.id);
  assert.deepEqual(listMessages(a.db, a.sealer, { contactId: dave.id }), []);
  assert.deepEqual(itemsFor(a.db, a.sealer, dave.id, a.clock.now), []);
  assert.equal(hasSeen(a.db, dave.id, seenId), false);
  assert.deepEqual(listMessages(a.db, a.sealer), []);
});

Deno.test("removing a contact deletes its queued items, messages and seen ids in one go", async () => {
  await using n = await nodes("a", "c");
  const [a, c] = n.nodes;
  const carol = await add(a, c, "carol");
  history(a, carol.id);
  assert.deepEqual(contactsWithDueItems(a.db, a.clock.now), [carol.id]);
  await a.signal.removeContact(a.signal.contact("carol"));
  assert.equal(outboxCount(a.db), 0);
  assert.deepEqual(contactsWithDueItems(a.db, a.clock.now, true), []);
  assert.equal(rows(a, "messages"), 0);
  assert.equal(rows(a, "seen"), 0);
});

Deno.test("removing a contact leaves other contacts' history alone", async () => {
  await using n = await nodes("a", "c", "d");
  const [a, c, d] = n.nodes;
  const carol = await add(a, c, "carol");
  const dave = await add(a, d, "dave");
  history(a, carol.id);
  history(a, dave.id);
  await a.signal.removeContact(a.signal.contact("carol"));
  assert.equal(listMessages(a.db, a.sealer, { contactId: dave.id }).length, 2);
  assert.equal(rows(a, "messages"), 2);
  assert.equal(outboxCount(a.db), 1);
  assert.equal(rows(a, "seen"), 1);
});

Deno.test("contact ids are not reused even when the highest id is removed", async () => {
  await using n = await nodes("a", "c", "d", "e");
  const [a, c, d, e] = n.nodes;
  await add(a, c, "carol");
  const dave = await add(a, d, "dave");
  await a.signal.removeContact(a.signal.contact("dave"));
  const erin = await add(a, e, "erin");
  assert.ok(erin.id > dave.id, `erin got id ${erin.id}, dave had ${dave.id}`);
});

Deno.test("card import --replace with a different Ed25519 key starts clean", async () => {
  await using n = await nodes("a", "c", "m");
  const [a, c, m] = n.nodes;
  const carol = await add(a, c, "carol");
  const seenId = history(a, carol.id);
  const replaced = await importCard(a.signal, await m.signal.exportCard({ name: "carol" }), {
    now: a.clock.now,
    replace: true,
  });
  assert.equal(replaced.status, "replaced");
  assert.equal(replaced.contact.name, "carol");
  assert.notEqual(replaced.contact.id, carol.id);
  assert.deepEqual(replaced.contact.ed25519, m.signal.ownEd25519);
  assert.deepEqual(listMessages(a.db, a.sealer), []);
  assert.equal(outboxCount(a.db), 0);
  assert.equal(hasSeen(a.db, replaced.contact.id, seenId), false);
  assert.equal(rows(a, "seen"), 0);
  assert.equal(a.signal.contactByKey(c.signal.ownEd25519), undefined);
});

Deno.test("card import --replace with the same Ed25519 key (a restore) keeps the history", async () => {
  await using n = await nodes("a", "c");
  const [a, c] = n.nodes;
  const carol = await add(a, c, "carol");
  history(a, carol.id);
  const restored = await newNode(n.dir, "c-restored", { now: c.clock.now }, c.phrase);
  try {
    const replaced = await add(a, restored, "carol", true);
    assert.equal(replaced.id, carol.id);
    assert.equal(listMessages(a.db, a.sealer, { contactId: carol.id }).length, 2);
    assert.equal(outboxCount(a.db), 1);
  } finally {
    restored.close();
  }
});

Deno.test("migration 4 keeps contacts and ids, and drops rows of already removed contacts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "legion-migration-" });
  try {
    const path = join(dir, "old.db");
    const old = openDatabase(path, { create: true, migrations: MIGRATIONS.slice(0, 3) });
    old.exec(`
      INSERT INTO contacts (id, key_tag, name_tag, record_sealed) VALUES (1, x'01', x'01', x'00');
      INSERT INTO contacts (id, key_tag, name_tag, record_sealed) VALUES (2, x'02', x'02', x'00');
      INSERT INTO seen (contact_id, id, expires_at) VALUES (2, x'aa', 9), (3, x'bb', 9);
      INSERT INTO outbox (id, contact_id, kind, ciphertext_sealed, next_attempt_at, expires_at)
        VALUES (x'01', 3, 'message', x'00', 0, 9), (x'02', 1, 'message', x'00', 0, 9);
      INSERT INTO messages (id, contact_id, direction, type, body_sealed, state, created_at,
                            stored_at, expires_at)
        VALUES (x'01', 3, 'in', 1, x'00', 'received', 0, 0, 9),
               (x'02', 2, 'out', 1, x'00', 'queued', 0, 0, 9);
    `);
    old.close();
    const db = openDatabase(path);
    try {
      const ids = (sql: string) =>
        (db.prepare(sql).all() as Array<{ c: number }>).map((r) => Number(r.c));
      assert.deepEqual(ids("SELECT id AS c FROM contacts ORDER BY id"), [1, 2]);
      assert.deepEqual(ids("SELECT contact_id AS c FROM seen"), [2]);
      assert.deepEqual(ids("SELECT contact_id AS c FROM outbox"), [1]);
      assert.deepEqual(ids("SELECT contact_id AS c FROM messages"), [2]);
      db.exec("DELETE FROM contacts WHERE id = 2");
      db.exec(
        "INSERT INTO contacts (key_tag, name_tag, record_sealed) VALUES (x'03', x'03', x'00')",
      );
      assert.deepEqual(ids("SELECT id AS c FROM contacts ORDER BY id"), [1, 3]);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
