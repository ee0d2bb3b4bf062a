import assert from "node:assert/strict";
import { ReplayCache } from "../../../src/protocol/replay_cache.ts";

Deno.test("ReplayCache forgets a nonce once it expires", () => {
  const cache = new ReplayCache();
  const nonce = new Uint8Array(16).fill(1);
  cache.add(nonce, 1_000, 0);
  assert.ok(cache.has(nonce, 999));
  assert.ok(!cache.has(nonce, 1_000));
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
