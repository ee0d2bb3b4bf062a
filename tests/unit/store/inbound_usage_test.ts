/** Per-contact inbound usage (migration 5): the trigger-kept totals match the messages table. */
import { assertEquals } from "../../support/assert.ts";
import { testStore } from "../../support/store.ts";
import {
  deleteMessages,
  inboundUsage,
  insertMessage,
  sweepExpired,
} from "../../../src/store/messages.ts";
import { openDatabase } from "../../../src/store/db.ts";
import { MIGRATIONS } from "../../../src/store/migrations.ts";
import { type Payload, PayloadType } from "../../../src/protocol/payload.ts";
import { tempDir } from "../../support/cli.ts";

function payload(bytes: number, ttlSeconds = 3600): Payload {
  return {
    type: PayloadType.text,
    id: crypto.getRandomValues(new Uint8Array(16)),
    createdAt: 1_000,
    ttlSeconds,
    burn: false,
    body: new Uint8Array(bytes).fill(1),
  };
}

function scanned(db: Parameters<typeof inboundUsage>[0], contactId: number) {
  const row = db.prepare(
    `SELECT count(*) AS messages, coalesce(sum(length(body_sealed)), 0) AS bytes
     FROM messages WHERE contact_id = ? AND direction = 'in'`,
  ).get(contactId) as { messages: number; bytes: number };
  return { messages: Number(row.messages), bytes: Number(row.bytes) };
}

Deno.test("inboundUsage() follows inserts, deletes and expiry of incoming messages only", async () => {
  await using store = await testStore();
  const now = 5_000_000;
  const kept = payload(1000);
  const burned = payload(500);
  const expiring = payload(200, 60);
  for (const p of [kept, burned, expiring]) {
    insertMessage(store.db, store.sealer, {
      payload: p,
      contactId: 1,
      direction: "in",
      state: "received",
    }, now);
  }
  insertMessage(store.db, store.sealer, {
    payload: payload(9000),
    contactId: 1,
    direction: "out",
    state: "queued",
  }, now);
  insertMessage(store.db, store.sealer, {
    payload: payload(300),
    contactId: 2,
    direction: "in",
    state: "received",
  }, now);
  assertEquals(inboundUsage(store.db, 1).messages, 3);
  assertEquals(inboundUsage(store.db, 1), scanned(store.db, 1));
  assertEquals(inboundUsage(store.db, 2), scanned(store.db, 2));
  deleteMessages(store.db, [burned.id], 1);
  assertEquals(inboundUsage(store.db, 1).messages, 2);
  assertEquals(inboundUsage(store.db, 1), scanned(store.db, 1));
  sweepExpired(store.db, now + 61_000);
  assertEquals(inboundUsage(store.db, 1), { messages: 1, bytes: scanned(store.db, 1).bytes });
  assertEquals(inboundUsage(store.db, 3), { messages: 0, bytes: 0 });
});

Deno.test("migration 5 counts the incoming messages a data dir already holds", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/legion.db`;
  const old = openDatabase(path, { create: true, migrations: MIGRATIONS.slice(0, 4) });
  const insert = old.prepare(
    `INSERT INTO messages (id, contact_id, direction, type, body_sealed, burn, state, created_at,
                           stored_at, expires_at) VALUES (?, ?, ?, 1, ?, 0, 'received', 0, 0, 1)`,
  );
  insert.run(crypto.getRandomValues(new Uint8Array(16)), 7, "in", new Uint8Array(100));
  insert.run(crypto.getRandomValues(new Uint8Array(16)), 7, "in", new Uint8Array(50));
  insert.run(crypto.getRandomValues(new Uint8Array(16)), 7, "out", new Uint8Array(999));
  old.close();
  const db = openDatabase(path);
  try {
    assertEquals(inboundUsage(db, 7), { messages: 2, bytes: 150 });
  } finally {
    db.close();
  }
});
