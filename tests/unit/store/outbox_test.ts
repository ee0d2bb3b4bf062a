import { assert, assertEquals } from "../../support/assert.ts";
import { testStore } from "../../support/store.ts";
import {
  contactsWithDueItems,
  enqueue,
  expireOutbox,
  itemsFor,
  outboxCount,
  recordFailure,
  removeFromOutbox,
} from "../../../src/store/outbox.ts";
import { BACKOFF_BASE_MS, backoffDelay } from "../../../src/node/backoff.ts";

const id = () => crypto.getRandomValues(new Uint8Array(16));

Deno.test("a failing contact is backed off while another stays due (no head-of-line blocking)", async () => {
  await using store = await testStore();
  const now = 1_000_000;
  for (const contactId of [1, 1, 2]) {
    enqueue(store.db, store.sealer, {
      id: id(),
      contactId,
      kind: "message",
      ciphertext: new Uint8Array([contactId]),
      expiresAt: now + 60_000,
    }, now);
  }
  assertEquals(contactsWithDueItems(store.db, now).sort(), [1, 2]);
  assertEquals(
    recordFailure(store.db, store.sealer, 1, {
      error: "peer unreachable",
      now,
      delay: (attempts) => backoffDelay(attempts, 0.5),
    }),
    1,
  );
  assertEquals(contactsWithDueItems(store.db, now), [2]);
  assertEquals(
    contactsWithDueItems(store.db, now, true).sort(),
    [1, 2],
    "cron runs ignore backoff",
  );
  assertEquals(contactsWithDueItems(store.db, now + BACKOFF_BASE_MS).sort(), [1, 2]);
  const items = itemsFor(store.db, store.sealer, 1, now);
  assertEquals(items.length, 2);
  assertEquals(items[0].attempts, 1);
  assertEquals(items[0].lastError, "peer unreachable");
  assert(removeFromOutbox(store.db, items[0].id));
  assert(!removeFromOutbox(store.db, items[0].id));
  assertEquals(outboxCount(store.db), 2);
});

Deno.test("expired outbox items leave the queue", async () => {
  await using store = await testStore();
  enqueue(store.db, store.sealer, {
    id: id(),
    contactId: 1,
    kind: "message",
    ciphertext: new Uint8Array(1),
    expiresAt: 100,
  }, 0);
  enqueue(store.db, store.sealer, {
    id: id(),
    contactId: 1,
    kind: "control",
    ciphertext: new Uint8Array(1),
    expiresAt: 200,
  }, 0);
  assertEquals(expireOutbox(store.db, 150).map((e) => e.kind), ["message"]);
  assertEquals(outboxCount(store.db), 1);
  assertEquals(contactsWithDueItems(store.db, 250), []);
});
