import assert from "node:assert/strict";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";

Deno.test("knownPeerSet() knows exactly the keys it was given or added", () => {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  const peers = knownPeerSet([a]);
  assert.ok(peers.has(a));
  assert.ok(!peers.has(b));
  assert.ok(!peers.has(a.subarray(0, 31)));
  peers.add(b);
  assert.ok(peers.has(b));
});
