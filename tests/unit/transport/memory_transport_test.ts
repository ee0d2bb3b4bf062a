/** The Transport contract on the in-memory network: same hello and framing code as Tor. */
import assert from "node:assert/strict";
import { MemoryNetwork } from "../../../src/transport/memory_transport.ts";
import { FramedStream } from "../../../src/transport/framed_stream.ts";
import type { PeerInfo, TransportOptions } from "../../../src/transport/transport.ts";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";
import { createHello } from "../../../src/protocol/hello.ts";
import { encodeFrame } from "../../../src/protocol/frame.ts";
import { seededIdentity } from "../../support/keys.ts";
import { onionAddress } from "../../../src/crypto/onion.ts";
import { isUserError } from "../../support/user_error.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

const alice = await seededIdentity(1);
const bob = await seededIdentity(2);
const eve = await seededIdentity(3);

function setup(bobOptions: Partial<TransportOptions> = {}) {
  const network = new MemoryNetwork();
  const rejected: string[] = [];
  const peers: PeerInfo[] = [];
  const a = network.transport({ identity: alice, knownPeers: knownPeerSet([bob.publicKey]) });
  const b = network.transport({
    identity: bob,
    knownPeers: knownPeerSet([alice.publicKey]),
    onReject: (r) => rejected.push(r),
    helloDeadlineMs: 200,
    ...bobOptions,
  });
  return { network, a, b, rejected, peers };
}

async function echo(stream: FramedStream, peer: PeerInfo) {
  const frame = await stream.receive();
  await stream.send(bytes(`${text(frame)} from ${peer.onion.slice(0, 8)}`));
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), "condition not reached");
}

/** Resolves when the raw channel ends; fails the test if any byte arrives. */
function expectSilentDrop(channel: ReturnType<MemoryNetwork["rawDial"]>): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.start({
      data: () => reject(new Error("the listener answered a bad hello")),
      end: () => resolve(),
    });
  });
}

Deno.test("a known peer dials, is identified by its key, and gets an answer", async () => {
  const { a, b } = setup();
  const listener = await b.listen(echo);
  assert.equal(listener.onion, `${onionAddress(bob.publicKey)}.onion`);
  const stream = await a.dial(b.onion);
  await stream.send(bytes("hi"));
  assert.equal(text(await stream.receive()), `hi from ${a.onion.slice(0, 8)}`);
  await listener.close();
});

Deno.test("an unknown key is dropped silently", async () => {
  const { network, b, rejected } = setup();
  const listener = await b.listen(echo);
  const stranger = network.transport({ identity: eve, knownPeers: knownPeerSet([]) });
  const err = await stranger.dial(b.onion).catch((e) => e);
  assert.ok(isUserError(err, "peer_unavailable"));
  assert.deepEqual(rejected, ["unknown_key"]);
  await listener.close();
});

Deno.test("a stale hello and a replayed hello are dropped silently", async () => {
  const { network, b, rejected } = setup();
  const listener = await b.listen(echo);
  const late = network.transport({
    identity: alice,
    knownPeers: knownPeerSet([]),
    now: () => Date.now() - 3_600_000,
  });
  assert.ok(isUserError(await late.dial(b.onion).catch((e) => e), "peer_unavailable"));
  const hello = await createHello(alice, bob.publicKey, {
    nonce: new Uint8Array(16).fill(4),
    timestampMs: Date.now(),
  });
  const first = network.rawDial(b.onion);
  const firstAnswered = new Promise<boolean>((resolve) =>
    first.start({ data: () => resolve(true), end: () => resolve(false) })
  );
  await first.write(encodeFrame(hello));
  assert.ok(await firstAnswered, "first use of the hello is accepted");
  const second = network.rawDial(b.onion);
  const dropped = expectSilentDrop(second);
  await second.write(encodeFrame(hello));
  await dropped;
  await waitFor(() => rejected.length === 2);
  assert.deepEqual(rejected, ["stale", "replayed"]);
  first.destroy();
  await listener.close();
});

Deno.test("a hello for another recipient is dropped silently", async () => {
  const { network, b, rejected } = setup();
  const listener = await b.listen(echo);
  const channel = network.rawDial(b.onion);
  const dropped = expectSilentDrop(channel);
  const hello = await createHello(alice, eve.publicKey, {
    nonce: new Uint8Array(16).fill(5),
    timestampMs: Date.now(),
  });
  await channel.write(encodeFrame(hello));
  await dropped;
  await waitFor(() => rejected.length === 1);
  assert.deepEqual(rejected, ["wrong_recipient"]);
  await listener.close();
});

Deno.test("a first frame larger than the hello bucket is dropped before it is buffered", async () => {
  const { network, b, rejected } = setup();
  const listener = await b.listen(echo);
  const channel = network.rawDial(b.onion);
  const dropped = expectSilentDrop(channel);
  await channel.write(new Uint8Array([0, 0, 4, 0])); // announces a 1 KiB body
  await dropped;
  await waitFor(() => rejected.length === 1);
  assert.deepEqual(rejected, ["malformed"]);
  await listener.close();
});

Deno.test("a silent dialer is dropped after the hello timeout", async () => {
  const { network, b, rejected } = setup({ helloDeadlineMs: 30 });
  const listener = await b.listen(echo);
  await expectSilentDrop(network.rawDial(b.onion));
  await waitFor(() => rejected.length === 1);
  assert.deepEqual(rejected, ["timeout"]);
  await listener.close();
});

Deno.test("authenticated streams beyond the bound are refused after the hello", async () => {
  const { a, b, rejected } = setup({ maxInbound: 1, helloDeadlineMs: 5_000 });
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const listener = await b.listen(async () => await held);
  const first = await a.dial(b.onion);
  assert.ok(isUserError(await a.dial(b.onion).catch((e) => e), "peer_unavailable"));
  await waitFor(() => rejected.length === 1);
  assert.deepEqual(rejected, ["busy"]);
  release();
  await first.closed;
  const again = await a.dial(b.onion);
  again.close();
  await listener.close();
});

Deno.test("the stream closes when the handler returns", async () => {
  const { a, b } = setup();
  const listener = await b.listen(() => {});
  const stream = await a.dial(b.onion);
  assert.equal((await stream.closed).reason, "closed");
  await listener.close();
});

Deno.test("dialing a node that is offline or not listening fails as peer_unavailable", async () => {
  const { network, a, b } = setup();
  assert.ok(isUserError(await a.dial(b.onion).catch((e) => e), "peer_unavailable"));
  const listener = await b.listen(echo);
  network.setReachable(b.onion, false);
  assert.ok(isUserError(await a.dial(b.onion).catch((e) => e), "peer_unavailable"));
  network.setReachable(b.onion, true);
  (await a.dial(b.onion)).close();
  await listener.close();
});

Deno.test("dial() rejects a malformed onion address as a usage error", async () => {
  const { a } = setup();
  assert.ok(isUserError(await a.dial("example.onion").catch((e) => e), "usage"));
});
