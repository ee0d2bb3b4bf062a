/**
 * One writer per store: a write that arrives while a delivery is being decrypted — and then
 * rejected — waits for it instead of joining its transaction and being rolled back with it.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { messagingPair } from "../../support/messaging.ts";
import { T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { itemsFor } from "../../../src/store/outbox.ts";
import { receive } from "../../../src/node/receive.ts";
import { runService } from "../../../src/node/services.ts";
import { AckStatus } from "../../../src/protocol/delivery.ts";
import { inTransaction } from "../../../src/store/transaction.ts";

Deno.test("a contacts write arriving while a delivery is rejected is not lost", async () => {
  await using dir = await tempDir();
  const { alice, bob } = await messagingPair(dir.path);
  await alice.messenger.sendText("bob", "first contact");
  const [item] = itemsFor(
    alice.node.db,
    alice.node.sealer,
    alice.node.signal.contact("bob").id,
    T0,
  );
  // The MAC no longer matches: libsignal works on it (async) and then refuses it.
  const tampered = item.ciphertext.slice();
  tampered[tampered.length - 1] ^= 0x01;
  const aliceAtBob = bob.node.signal.contact("alice");

  const delivery = receive(bob.messenger, aliceAtBob, item.id, tampered);
  // Wait until the delivery's transaction is open, then write from "another command".
  let open = false;
  for (let i = 0; i < 1000 && !open; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    open = inTransaction(bob.node.db);
  }
  assert(open, "the delivery's transaction was never seen open");
  const host = { signal: bob.node.signal, messenger: bob.messenger };
  const renamed = runService(host, "contacts.rename", { from: "alice", to: "alice-from-work" });

  assertEquals((await delivery).status, AckStatus.rejected);
  assertEquals((await renamed).name, "alice-from-work");
  assertEquals(bob.node.signal.contacts.byName("alice-from-work")?.id, aliceAtBob.id);
  // And it is on disk, not only in a cache: a fresh connection sees it.
  const reopened = await bob.node.reopen();
  try {
    assertEquals(reopened.signal.contacts.byName("alice-from-work")?.id, aliceAtBob.id);
  } finally {
    reopened.close();
  }
});
