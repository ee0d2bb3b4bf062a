/**
 * Inbound admission under a flood of silent strangers: a contact's send→ack time (encrypt, queue,
 * dial, hello, deliver, commit at the peer, ack) on real SQLite + libsignal over the in-memory
 * transport, with no strangers and with 64 silent stranger streams opened just before each send.
 * The streams sit in the listener's hello pool; the contact's stream evicts the oldest of them.
 * Before the separate pools, those 64 streams held all 32 inbound slots, so the contact was
 * refused until they timed out (30 s).
 * Run: deno bench --allow-all bench/admission_bench.ts
 */
import type { ByteChannel } from "../src/transport/byte_channel.ts";
import { messagingPair } from "../tests/support/messaging.ts";

const STRANGERS = 64;
const dir = await Deno.makeTempDir({ prefix: "legion-admission-bench-" });
const { network, alice, bob, bobId } = await messagingPair(dir);
await bob.listen();

function openStrangers(): ByteChannel[] {
  return Array.from({ length: STRANGERS }, () => {
    const channel = network.rawDial(bob.transport.onion);
    channel.start({ data: () => {}, end: () => {} });
    return channel;
  });
}

async function sendToAck(): Promise<void> {
  await alice.messenger.sendText("bob", "hello through the crowd");
  if (!(await alice.deliverer.deliverTo(bobId))) throw new Error("not delivered");
}

async function medianMs(n: number, strangers: boolean): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const crowd = strangers ? openStrangers() : [];
    await new Promise((r) => setTimeout(r, 1));
    const started = performance.now();
    await sendToAck();
    times.push(performance.now() - started);
    for (const channel of crowd) channel.destroy();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const quiet = await medianMs(30, false);
const crowded = await medianMs(30, true);
console.log(`send→ack, no strangers:              median ${quiet.toFixed(1)} ms (n=30)`);
console.log(
  `send→ack, ${STRANGERS} silent stranger streams: median ${crowded.toFixed(1)} ms (n=30), ` +
    `ratio ${(crowded / quiet).toFixed(2)}`,
);

Deno.bench(
  { name: "send→ack, no strangers", group: "admission", baseline: true, n: 30 },
  sendToAck,
);

Deno.bench({
  name: `send→ack with ${STRANGERS} silent stranger streams`,
  group: "admission",
  n: 30,
  async fn(b) {
    const crowd = openStrangers();
    await new Promise((r) => setTimeout(r, 1));
    b.start();
    await sendToAck();
    b.end();
    for (const channel of crowd) channel.destroy();
  },
});
