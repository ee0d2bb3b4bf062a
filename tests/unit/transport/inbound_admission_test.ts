/**
 * Inbound admission on the in-memory network: strangers in their hello cannot crowd out contacts,
 * each contact holds at most its share of the authenticated pool, and a silent stream is dropped at
 * the hello deadline.
 */
import assert from "node:assert/strict";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import type { ByteChannel } from "../../../src/transport/byte_channel.ts";
import type { InboundRejection, TransportOptions } from "../../../src/transport/transport.ts";
import { DEFAULT_MAX_PER_PEER } from "../../../src/transport/inbound_acceptor.ts";
import { DEFAULT_HELLO_DEADLINE_MS } from "../../../src/transport/hello_handshake.ts";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";
import { seededIdentity } from "../../support/keys.ts";
import { isUserError } from "../../support/user_error.ts";

const alice = await seededIdentity(11);
const bob = await seededIdentity(12);
const carol = await seededIdentity(13);

function setup(bobOptions: Partial<TransportOptions> = {}) {
  const network = new MemoryNetwork();
  const rejected: InboundRejection[] = [];
  const a = network.transport({ identity: alice, knownPeers: knownPeerSet([bob.publicKey]) });
  const c = network.transport({ identity: carol, knownPeers: knownPeerSet([bob.publicKey]) });
  const b = network.transport({
    identity: bob,
    knownPeers: knownPeerSet([alice.publicKey, carol.publicKey]),
    onReject: (r) => rejected.push(r),
    ...bobOptions,
  });
  return { network, a, b, c, rejected };
}

/** Opens a raw stream that never says anything; resolves `ended` when the listener drops it. */
function silent(
  network: MemoryNetwork,
  onion: string,
): { channel: ByteChannel; ended: Promise<void> } {
  const channel = network.rawDial(onion);
  const ended = new Promise<void>((resolve) =>
    channel.start({ data: () => {}, end: () => resolve() })
  );
  return { channel, ended };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), "condition not reached");
}

Deno.test("64 silent stranger streams do not stop a contact's stream from being accepted at once", async () => {
  const { network, a, b, rejected } = setup();
  const listener = await b.listen(async (stream) => {
    const frame = await stream.receive();
    await stream.send(frame);
  });
  const strangers = Array.from({ length: 64 }, () => silent(network, b.onion));
  await new Promise((r) => setTimeout(r, 10));
  const started = performance.now();
  const stream = await a.dial(b.onion);
  await stream.send(new Uint8Array([7]));
  assert.deepEqual(await stream.receive(), new Uint8Array([7]));
  const ms = performance.now() - started;
  assert.ok(ms < 1_000, `the contact waited ${ms} ms`);
  // The flood only evicted itself: every stranger beyond the hello pool lost its slot.
  assert.ok(rejected.length >= 48 && rejected.every((r) => r === "evicted"), String(rejected));
  stream.close();
  await listener.close();
  for (const { channel } of strangers) channel.destroy();
});

Deno.test("a contact's fifth concurrent stream is refused, another contact's is not", async () => {
  const { a, b, c, rejected } = setup();
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const listener = await b.listen(async () => await held);
  const streams = [];
  for (let i = 0; i < DEFAULT_MAX_PER_PEER; i++) streams.push(await a.dial(b.onion));
  assert.equal(DEFAULT_MAX_PER_PEER, 4);
  const fifth = await a.dial(b.onion).catch((e) => e);
  assert.ok(isUserError(fifth, "peer_unavailable"), String(fifth));
  await waitFor(() => rejected.length === 1);
  assert.deepEqual(rejected, ["peer_limit"]);
  const other = await c.dial(b.onion);
  release();
  await Promise.all(streams.map((s) => s.closed));
  await other.closed;
  const again = await a.dial(b.onion); // slots are given back when streams end
  again.close();
  await listener.close();
});

Deno.test("a silent stream is dropped at the default hello deadline of 5 s", async () => {
  assert.equal(DEFAULT_HELLO_DEADLINE_MS, 5_000);
  const { network, b, rejected } = setup();
  const listener = await b.listen(() => {});
  const started = performance.now();
  await silent(network, b.onion).ended;
  const ms = performance.now() - started;
  assert.ok(ms >= 4_900 && ms < 7_000, `dropped after ${ms} ms`);
  await waitFor(() => rejected.length === 1);
  assert.deepEqual(rejected, ["timeout"]);
  await listener.close();
});

Deno.test("the hello deadline is configurable apart from the dialer's ack timeout", async () => {
  const { network, a, b, rejected } = setup({ helloDeadlineMs: 40, helloTimeoutMs: 60_000 });
  const listener = await b.listen(() => {});
  await silent(network, b.onion).ended;
  await waitFor(() => rejected.length === 1);
  assert.deepEqual(rejected, ["timeout"]);
  (await a.dial(b.onion)).close();
  await listener.close();
});
