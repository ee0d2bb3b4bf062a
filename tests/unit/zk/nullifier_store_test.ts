import assert from "node:assert/strict";
import { join } from "node:path";
import { loadGroupHasher, NullifierStore } from "../../../src/zk/mod.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

Deno.test("NullifierStore.spend() records a nullifier once, across connections", async () => {
  const dir = await Deno.makeTempDir({ prefix: "legion-zk-" });
  try {
    const path = join(dir, "spent.db");
    const a = NullifierStore.open(path);
    const b = NullifierStore.open(path);
    const record = { nullifier: 7n, scope: 1n, root: 2n, at: 1000 };
    assert.equal(a.isSpent(7n), false);
    assert.equal(a.spend(record), true);
    assert.equal(b.isSpent(7n), true);
    assert.equal(b.spend(record), false);
    assert.equal(b.spend({ ...record, nullifier: 8n, at: 2000 }), true);
    assert.equal(a.prune(1500), 1);
    assert.equal(a.size, 1);
    a.close();
    b.close();
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
