/**
 * A stopping node does not wait on the network: `Deliverer.close()` ends a dial that never
 * completes and a wait for an ack that never comes, and the items stay queued as they were — no
 * failure recorded, nothing lost — for the next run.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import type { Transport } from "../../../src/transport/transport.ts";
import { eventsOf, messagingPair } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { itemsFor } from "../../../src/store/outbox.ts";
import { getMessage } from "../../../src/store/messages.ts";
import { fromHex } from "../../../src/crypto/hex.ts";
import { Deliverer } from "../../../src/node/outbound.ts";

/** Resolves with how long `promise` took; fails the test after `limitMs`. */
async function within(limitMs: number, promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${limitMs} ms`)), limitMs);
  });
  try {
    await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - started;
}

Deno.test("Deliverer.close() ends a dial that never completes; the item stays queued untouched", async () => {
  await using dir = await tempDir();
  const { clock, alice, bobId } = await messagingPair(dir.path);
  let dialed = () => {};
  const dialing = new Promise<void>((resolve) => dialed = resolve);
  // A dial to an offline onion: tor would answer only after its own timeout. This one never
  // answers and ignores the abort signal too — the deliverer must not depend on it.
  const hanging: Transport = {
    onion: alice.transport.onion,
    dial: () => {
      dialed();
      return new Promise(() => {});
    },
    listen: () => Promise.reject(new Error("not used")),
    fetchCard: () => Promise.reject(new Error("not used")),
  };
  const deliverer = new Deliverer(alice.messenger, hanging);
  const sent = await alice.messenger.sendText("bob", "are you there?");
  const delivery = deliverer.deliverTo(bobId);
  await dialing;

  const ms = await within(1_000, deliverer.close());
  assert(ms < 1_000);
  assertEquals(await delivery, false);
  const [item] = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  assertEquals(fromHex(sent.id), item.id);
  assertEquals(item.attempts, 0, "an abort is not the peer's failure");
  assertEquals(item.nextAttemptAt <= clock.now, true, "due at once on the next run");
  assertEquals(getMessage(alice.node.db, alice.node.sealer, item.id)!.state, "queued");
  assertEquals(eventsOf(alice, "retry").length, 0);
  assertEquals(await deliverer.deliverTo(bobId), false, "a closed deliverer starts nothing");
});

Deno.test("Deliverer.close() ends the wait for an ack; the unacked item stays queued and a later run delivers it once", async () => {
  await using dir = await tempDir();
  const { clock, alice, bob, bobId } = await messagingPair(dir.path);
  let received = () => {};
  const gotFrame = new Promise<void>((resolve) => received = resolve);
  // A peer that reads the delivery and never acks it.
  const silent = await bob.transport.listen(async (stream) => {
    try {
      for (;;) {
        await stream.receive({ timeoutMs: 0 });
        received();
      }
    } catch {
      // The stream ended.
    }
  });
  const sent = await alice.messenger.sendText("bob", "ack me");
  const delivery = alice.deliverer.deliverTo(bobId);
  await gotFrame;
  try {
    await within(1_000, alice.deliverer.close());
    assertEquals(await delivery, false);
  } finally {
    await silent.close();
  }
  const [item] = itemsFor(alice.node.db, alice.node.sealer, bobId, clock.now);
  assertEquals(fromHex(sent.id), item.id);
  assertEquals(item.attempts, 0);
  assertEquals(getMessage(alice.node.db, alice.node.sealer, item.id)!.state, "sent");

  // The next run (a fresh deliverer, as after a restart) delivers it.
  const listener = await bob.listen();
  try {
    const next = new Deliverer(alice.messenger, alice.transport);
    assert(await next.deliverTo(bobId));
    assertEquals(getMessage(alice.node.db, alice.node.sealer, item.id)!.state, "delivered");
    assertEquals((await bob.messenger.inbox()).map((m) => m.text), ["ack me"]);
  } finally {
    await listener.close();
  }
});
