/**
 * A node whose own storage fails (a full disk, a corrupt page) must not ack a delivered message as
 * `rejected`: the sender would give it up as failed. It answers nothing, reports a storage_error
 * event, and the sender keeps the message queued and delivers it once the receiver is healthy.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { assert, assertEquals } from "../../support/assert.ts";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { eventsOf, messagingNode } from "../../support/messaging.ts";
import { introduce, openNode, T0 } from "../../support/signal.ts";
import { tempDir } from "../../support/cli.ts";
import { outboxCount } from "../../../src/store/outbox.ts";
import { getMessage } from "../../../src/store/messages.ts";
import { fromHex } from "../../../src/crypto/hex.ts";
import { assembleNode } from "../../../src/node/node.ts";
import type { NodeEvent } from "../../../src/node/events.ts";
import { canMount, mountSmallDisk } from "../../support/tmpfs.ts";

Deno.test({
  name: "a receiver with a full disk acks nothing; the sender keeps the message and delivers later",
  ignore: !canMount(),
  async fn() {
    await using disk = await mountSmallDisk(4096);
    await using dir = await tempDir();
    const network = new MemoryNetwork();
    const clock = { now: T0 };
    const alice = await messagingNode(network, dir.path, "alice", clock);
    const bob = await messagingNode(network, disk.path, "bob", clock);
    await introduce(alice.node, bob.node);
    const bobId = alice.node.signal.contact("bob").id;
    const listener = await bob.listen();
    try {
      // Empty the WAL so that the next commit must grow a file on the full disk.
      bob.node.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      disk.fill();
      const sent = await alice.messenger.sendText("bob", "while your disk is full");
      assertEquals(await alice.deliverer.deliverTo(bobId), false);
      const state = getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id))!.state;
      assert(state !== "failed", `the sender gave the message up (${state})`);
      assertEquals(eventsOf(alice, "failed"), []);
      assertEquals(outboxCount(alice.node.db), 1);
      const storage = eventsOf(bob, "storage_error");
      assertEquals(storage.map((e) => e.reason), ["disk_full"]);
      assertEquals(eventsOf(bob, "message"), []);

      disk.free();
      clock.now += 60_000;
      await alice.deliverer.deliverDue({ ignoreBackoff: true });
      assertEquals(
        getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id))!.state,
        "delivered",
      );
      assertEquals(eventsOf(bob, "message").map((e) => "text" in e ? e.text : undefined), [
        "while your disk is full",
      ]);
    } finally {
      await listener.close();
    }
  },
});

Deno.test("a receiver with a corrupt signal_sessions page does not reject messages", async () => {
  await using dir = await tempDir();
  const network = new MemoryNetwork();
  const clock = { now: T0 };
  const alice = await messagingNode(network, dir.path, "alice", clock);
  const first = await messagingNode(network, dir.path, "bob", clock);
  await introduce(alice.node, first.node);
  const bobId = alice.node.signal.contact("bob").id;
  // One exchange, so bob holds a session with alice.
  let listener = await first.listen();
  await alice.messenger.sendText("bob", "hello");
  assert(await alice.deliverer.deliverTo(bobId));
  await listener.close();
  const { rootpage } = first.node.db.prepare(
    "SELECT rootpage FROM sqlite_master WHERE name = 'signal_sessions'",
  ).get() as { rootpage: number };
  const pageSize = Number(
    (first.node.db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size,
  );
  first.node.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const path = first.node.path;
  first.node.close();
  corruptPage(path, rootpage, pageSize);

  const node = await openNode(path, first.node.vaultKey, clock);
  const events: NodeEvent[] = [];
  const bob = assembleNode(node.store, {
    now: () => clock.now,
    transport: (options) => network.transport(options),
    emit: (event) => events.push(event),
  });
  bob.messenger.onQueued = () => {};
  listener = await bob.listen();
  try {
    const sent = await alice.messenger.sendText("bob", "after the corruption");
    assertEquals(await alice.deliverer.deliverTo(bobId), false);
    assertEquals(
      getMessage(alice.node.db, alice.node.sealer, fromHex(sent.id))!.state,
      "sent",
      "the message stays queued (sent, not failed)",
    );
    assertEquals(eventsOf(alice, "failed"), []);
    assertEquals(outboxCount(alice.node.db), 1);
    const storage = events.filter((e) => e.type === "storage_error");
    assertEquals(storage.map((e) => e.type === "storage_error" && e.reason), ["corrupt"]);
  } finally {
    await listener.close();
    node.close();
  }
});

function corruptPage(path: string, page: number, pageSize: number): void {
  const junk = new Uint8Array(pageSize);
  crypto.getRandomValues(junk);
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, junk, 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}
