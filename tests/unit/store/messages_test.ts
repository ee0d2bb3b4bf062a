import { assert, assertEquals } from "../../support/assert.ts";
import { testStore } from "../../support/store.ts";
import {
  deleteMessages,
  getMessage,
  insertMessage,
  listMessages,
  markRead,
  markSeen,
  sweepExpired,
} from "../../../src/store/messages.ts";
import { type Payload, PayloadType } from "../../../src/protocol/payload.ts";

function payload(text: string, overrides: Partial<Payload> = {}): Payload {
  return {
    type: PayloadType.text,
    id: crypto.getRandomValues(new Uint8Array(16)),
    createdAt: 1_000,
    ttlSeconds: 3600,
    burn: false,
    body: new TextEncoder().encode(text),
    ...overrides,
  };
}

Deno.test("messages round-trip sealed, list by contact and unread, and expire from storage time", async () => {
  await using store = await testStore();
  const now = 5_000_000;
  const a = payload("to alice");
  const b = payload("from bob");
  insertMessage(store.db, store.sealer, {
    payload: a,
    contactId: 1,
    direction: "out",
    state: "queued",
  }, now);
  insertMessage(store.db, store.sealer, {
    payload: b,
    contactId: 2,
    direction: "in",
    state: "received",
  }, now + 1);
  assertEquals(
    new TextDecoder().decode(getMessage(store.db, store.sealer, a.id)!.body),
    "to alice",
  );
  assertEquals(getMessage(store.db, store.sealer, a.id)!.expiresAt, now + 3600_000);
  assertEquals(listMessages(store.db, store.sealer, { contactId: 2 }).length, 1);
  assertEquals(listMessages(store.db, store.sealer, { unreadOnly: true }).map((m) => m.contactId), [
    2,
  ]);
  markRead(store.db, b.id, now + 2);
  assertEquals(listMessages(store.db, store.sealer, { unreadOnly: true }), []);
  assertEquals(sweepExpired(store.db, now + 3600_000 - 1), []);
  assertEquals(
    sweepExpired(store.db, now + 3600_001).map((m) => m.direction).sort(),
    ["in", "out"],
  );
  assertEquals(listMessages(store.db, store.sealer), []);
});

Deno.test("markSeen() dedupes per contact", async () => {
  await using store = await testStore();
  const id = crypto.getRandomValues(new Uint8Array(16));
  assert(markSeen(store.db, 1, id, 10));
  assert(!markSeen(store.db, 1, id, 10));
  assert(markSeen(store.db, 2, id, 10), "another contact's id space");
});

Deno.test("deleteMessages() restricted to a contact leaves other conversations alone", async () => {
  await using store = await testStore();
  const mine = payload("x");
  insertMessage(store.db, store.sealer, {
    payload: mine,
    contactId: 1,
    direction: "in",
    state: "received",
  }, 1);
  assertEquals(deleteMessages(store.db, [mine.id], 2), 0);
  assertEquals(deleteMessages(store.db, [mine.id], 1), 1);
});
