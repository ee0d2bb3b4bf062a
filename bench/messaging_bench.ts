/**
 * Messaging on real SQLite + libsignal over the in-memory transport (the Tor hop is measured in
 * bench/messaging_tor.ts): encrypt+queue, and queue→delivered→stored per message; burning a
 * 1,000-message conversation (issue 7 target: fast enough to be interactive).
 * Run: deno task bench
 */
import { messagingPair } from "../tests/support/messaging.ts";

const dir = await Deno.makeTempDir({ prefix: "legion-messaging-bench-" });
const { alice, bob, bobId } = await messagingPair(dir);
await bob.listen();
const text = "x".repeat(1024);

Deno.bench({
  name: "send (encrypt + seal + queue), 1 KiB",
  group: "messaging",
  baseline: true,
  async fn() {
    await alice.messenger.sendText("bob", text);
  },
});

Deno.bench({
  name: "send + deliver + ack (store sealed at the peer), 1 KiB, batches of 32",
  group: "messaging",
  async fn(b) {
    for (let i = 0; i < 32; i++) await alice.messenger.sendText("bob", text);
    b.start();
    await alice.deliverer.deliverTo(bobId);
    b.end();
  },
});

Deno.bench({
  name: "burn --conversation with 1,000 messages",
  group: "burn",
  n: 5,
  warmup: 0,
  async fn(b) {
    for (let i = 0; i < 1000; i++) await alice.messenger.sendText("bob", `burn me ${i}`);
    b.start();
    const result = await alice.messenger.burn({ conversation: "bob" });
    b.end();
    if (result.deleted < 1000) throw new Error(`deleted ${result.deleted}`);
    await alice.deliverer.deliverTo(bobId);
  },
});
