/**
 * A received message prepares no SQLite statement of its own: every SQL text is prepared once per
 * connection and reused (store/statement_cache.ts). A statement's native memory is freed only when
 * its JavaScript object is collected, so a statement per call was a per-message growth of the
 * node (bench/memory_bench.ts). Counted by spying on node:sqlite's `prepare`, not by RSS.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals } from "../../support/assert.ts";
import { messagingPair } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { itemsFor } from "../../../src/store/outbox.ts";
import { receive } from "../../../src/node/receive.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";
import { openDatabase } from "../../../src/store/db.ts";

/** Counts node:sqlite `prepare` calls (the native ones) while `fn` runs. */
async function countingPrepares(fn: () => Promise<void>): Promise<number> {
  const original = DatabaseSync.prototype.prepare;
  let count = 0;
  DatabaseSync.prototype.prepare = function (this: DatabaseSync, sql: string) {
    count++;
    return original.call(this, sql);
  };
  try {
    await fn();
  } finally {
    DatabaseSync.prototype.prepare = original;
  }
  return count;
}

Deno.test("the same SQL text gives the same statement on one connection, another on another", async () => {
  await using dir = await tempDir();
  const a = openDatabase(`${dir.path}/a.db`, { create: true });
  const b = openDatabase(`${dir.path}/b.db`, { create: true });
  try {
    const sql = "SELECT count(*) AS n FROM messages";
    assertEquals(a.prepare(sql) === a.prepare(sql), true);
    assertEquals(a.prepare(sql) === b.prepare(sql), false);
    assertEquals((a.prepare(sql).get() as { n: number }).n, 0);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("receiving 20 messages after a first one prepares no new statement", async () => {
  await using dir = await tempDir();
  const { clock, alice, bob, bobId, aliceId } = await messagingPair(dir.path);
  const messages = 21;
  for (let i = 0; i < messages; i++) await alice.messenger.sendText("bob", `message ${i}`);
  const items = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now, messages);
  assertEquals(items.length, messages);
  const contact = bob.node.signal.contacts.byId(aliceId)!;
  const first = await receive(bob.messenger, contact, items[0].id, items[0].ciphertext);
  assertEquals(first.status, AckStatus.stored);
  const prepared = await countingPrepares(async () => {
    for (const item of items.slice(1)) {
      const { status } = await receive(bob.messenger, contact, item.id, item.ciphertext);
      assertEquals(status, AckStatus.stored);
    }
  });
  assertEquals(prepared, 0);
});
