import assert from "node:assert/strict";
import { ReplayCache } from "../../../src/protocol/replay_cache.ts";
import { createHello, DEFAULT_CLOCK_WINDOW_MS, verifyHello } from "../../../src/protocol/hello.ts";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";
import { seededIdentity } from "../../support/keys.ts";

Deno.test("ReplayCache remembers a nonce through its last instant and forgets it after", () => {
  const cache = new ReplayCache();
  const nonce = new Uint8Array(16).fill(1);
  cache.add(nonce, 1_000, 0);
  assert.ok(cache.has(nonce, 999));
  assert.ok(cache.has(nonce, 1_000));
  assert.ok(!cache.has(nonce, 1_001));
  assert.equal(cache.size, 0);
});

Deno.test("ReplayCache evicts the oldest entry when full", () => {
  const cache = new ReplayCache(2);
  const nonces = [1, 2, 3].map((n) => new Uint8Array(16).fill(n));
  for (const nonce of nonces) cache.add(nonce, 10_000, 0);
  assert.equal(cache.size, 2);
  assert.ok(!cache.has(nonces[0], 1));
  assert.ok(cache.has(nonces[2], 1));
});

Deno.test("a hello accepted at the window's edge cannot be replayed at that edge", async () => {
  const dialer = await seededIdentity(1);
  const listener = await seededIdentity(2);
  const sent = 1_800_000_000_000;
  const edge = sent + DEFAULT_CLOCK_WINDOW_MS; // the last instant the hello is fresh (inclusive)
  const hello = await createHello(dialer, listener.publicKey, {
    nonce: new Uint8Array(16).fill(7),
    timestampMs: sent,
  });
  const replay = new ReplayCache();
  const options = (now: number) => ({
    selfKey: listener.publicKey,
    knownPeers: knownPeerSet([dialer.publicKey]),
    now,
    replay,
  });
  assert.ok((await verifyHello(hello, options(sent))).ok);
  // Still fresh at the edge, so the cache must still hold its nonce there.
  assert.deepEqual(await verifyHello(hello, options(edge)), { ok: false, reason: "replayed" });
  // One millisecond later the clock window refuses it, whatever the cache holds.
  assert.deepEqual(await verifyHello(hello, options(edge + 1)), { ok: false, reason: "stale" });
});

Deno.test("a hello first seen at the window's edge cannot be replayed at that edge", async () => {
  const dialer = await seededIdentity(1);
  const listener = await seededIdentity(2);
  const sent = 1_800_000_000_000;
  const edge = sent + DEFAULT_CLOCK_WINDOW_MS;
  const hello = await createHello(dialer, listener.publicKey, {
    nonce: new Uint8Array(16).fill(8),
    timestampMs: sent,
  });
  const replay = new ReplayCache();
  const options = {
    selfKey: listener.publicKey,
    knownPeers: knownPeerSet([dialer.publicKey]),
    now: edge,
    replay,
  };
  assert.ok((await verifyHello(hello, options)).ok);
  assert.deepEqual(await verifyHello(hello, options), { ok: false, reason: "replayed" });
});
