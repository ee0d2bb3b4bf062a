/** Legion's verifier against Semaphore's own verifier and key (no proving here; see integration). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { verifyProof } from "@semaphore-protocol/proof";
import { loadGroupHasher, loadVerificationKey, ZkGroup, ZkVerifier } from "../../../src/zk/mod.ts";
import { VECTORS } from "./_vectors.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

Deno.test("the ceremony's depth-20 key equals the one built into @semaphore-protocol/proof", () => {
  const entry = fileURLToPath(import.meta.resolve("@semaphore-protocol/proof"));
  const keys = JSON.parse(
    readFileSync(join(dirname(entry), "..", "src", "verification-keys.json"), "utf8"),
  );
  const ours = loadVerificationKey();
  assert.deepEqual(ours.vk_alpha_1, keys.vk_alpha_1);
  assert.deepEqual(ours.vk_beta_2, keys.vk_beta_2);
  assert.deepEqual(ours.vk_gamma_2, keys.vk_gamma_2);
  assert.deepEqual(ours.vk_delta_2, keys.vk_delta_2[19]);
  assert.deepEqual(ours.IC, keys.IC[19]);
});

Deno.test("Semaphore's verifyProof agrees with Legion on every well-formed vector", async () => {
  const verifier = new ZkVerifier({ group: new ZkGroup(VECTORS.group.members.map(BigInt)) });
  try {
    for (const v of VECTORS.vectors) {
      if (v.expect !== "valid" && v.expect !== "invalid_proof") continue;
      const ours = verifier.verify(v.proof).ok;
      const theirs = await verifyProof(v.proof as Parameters<typeof verifyProof>[0]);
      assert.equal(theirs, ours, v.name);
      assert.equal(ours, v.expect === "valid", v.name);
    }
  } finally {
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128
      ?.terminate();
  }
});
