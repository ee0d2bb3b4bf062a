/** A stranger may ask a node for its card by hash, and for nothing else. */
import assert from "node:assert/strict";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { FramedStream } from "../../../src/transport/framed_stream.ts";
import type { TransportOptions } from "../../../src/transport/transport.ts";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";
import { createCardRequest } from "../../../src/protocol/card_request.ts";
import { createHello } from "../../../src/protocol/hello.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { cardHash } from "../../../src/crypto/card_short.ts";
import { TransportError } from "../../../src/transport/transport_error.ts";

async function identity(fill: number) {
  const na = await sodium();
  const seed = new Uint8Array(32).fill(fill);
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
  privateKey.fill(0);
  return { seed, publicKey };
}

const stranger = await identity(1);
const bob = await identity(2);
const CARD = '{"card":"bob","v":2}';

/** Lets the listener finish its side (it reports after the reply is on its way). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

async function setup(options: Partial<TransportOptions> = {}) {
  const network = new MemoryNetwork();
  const rejected: string[] = [];
  let handled = 0;
  const s = network.transport({ identity: stranger, knownPeers: knownPeerSet([bob.publicKey]) });
  const b = network.transport({
    identity: bob,
    knownPeers: knownPeerSet([]),
    onReject: (r) => rejected.push(r),
    helloDeadlineMs: 200,
    cards: (hash) => cardHash(CARD).every((x, i) => x === hash[i]) ? CARD : undefined,
    ...options,
  });
  const listener = await b.listen(() => void handled++);
  return { network, s, b, rejected, listener, handled: () => handled };
}

Deno.test("card request: a stranger gets the card it names by hash", async () => {
  const { s, b, rejected, listener, handled } = await setup();
  assert.equal(await s.fetchCard(b.onion, cardHash(CARD)), CARD);
  await settle();
  assert.deepEqual(rejected, ["card_served"]);
  assert.equal(handled(), 0); // never reaches the contact handler
  await listener.close();
});

Deno.test("card request: an unknown hash, or no cards at all, gets nothing", async () => {
  const { s, b, rejected, listener } = await setup();
  await assert.rejects(
    s.fetchCard(b.onion, cardHash(CARD + " ")),
    (err) => err instanceof TransportError && err.reason === "peer_refused",
  );
  await settle();
  assert.deepEqual(rejected, ["card_refused"]);
  await listener.close();

  const bare = await setup({ cards: undefined });
  await assert.rejects(bare.s.fetchCard(bare.b.onion, cardHash(CARD)));
  await settle();
  assert.deepEqual(bare.rejected, ["malformed"]);
  await bare.listener.close();
});

Deno.test("card request: any other first frame from a stranger is dropped unanswered", async () => {
  const { network, b, rejected, listener, handled } = await setup();
  const request = createCardRequest(cardHash(CARD));
  const hello = await createHello(stranger, bob.publicKey, {
    nonce: new Uint8Array(16),
    timestampMs: Date.now(),
  });
  const frames = [
    request.slice(0, 35), // truncated
    new Uint8Array([...request, 0]), // one byte too many
    new Uint8Array([...request.slice(0, 3), 0x32, ...request.slice(4)]), // another magic
    new Uint8Array(36),
    hello, // a valid hello from a stranger
  ];
  for (const frame of frames) {
    const stream = new FramedStream(network.rawDial(b.onion));
    await stream.send(frame);
    await assert.rejects(stream.receive({ timeoutMs: 2_000 }), (err) => {
      return (err as { reason: string }).reason !== "timeout"; // dropped, not left waiting
    });
  }
  await settle();
  assert.equal(handled(), 0);
  assert.ok(rejected.every((r) => r !== "card_served"), rejected.join());
  assert.equal(rejected.length, frames.length);
  await listener.close();
});

Deno.test("card request: replies are rate-limited", async () => {
  const { s, b, rejected, listener } = await setup({ maxCardRepliesPerMinute: 2 });
  assert.equal(await s.fetchCard(b.onion, cardHash(CARD)), CARD);
  assert.equal(await s.fetchCard(b.onion, cardHash(CARD)), CARD);
  await assert.rejects(s.fetchCard(b.onion, cardHash(CARD)));
  await settle();
  assert.deepEqual(rejected, ["card_served", "card_served", "card_refused"]);
  await listener.close();
});
