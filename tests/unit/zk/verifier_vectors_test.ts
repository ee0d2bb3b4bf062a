import assert from "node:assert/strict";
import { loadGroupHasher, semaphoreValue, ZkGroup, ZkVerifier } from "../../../src/zk/mod.ts";
import { VECTORS } from "./_vectors.ts";
import { isUserError } from "../../support/user_error.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

const group = new ZkGroup(VECTORS.group.members.map(BigInt));
const verifier = new ZkVerifier({ group });

Deno.test("the vector group's root matches the recorded root", () => {
  assert.equal(String(group.root), VECTORS.group.root);
});

for (const vector of VECTORS.vectors) {
  Deno.test(`ZkVerifier: ${vector.name} → ${vector.expect}`, () => {
    let outcome: string;
    try {
      const result = verifier.verify(vector.proof);
      outcome = result.ok ? "valid" : result.reason;
    } catch (err) {
      if (!isUserError(err, "bad_data")) throw err;
      outcome = "bad_data";
    }
    assert.equal(outcome, vector.expect);
  });
}

Deno.test("ZkVerifier accepts the valid vector from JSON text as well", () => {
  const text = JSON.stringify(VECTORS.vectors[0].proof);
  assert.equal(verifier.verify(text).ok, true);
});

Deno.test("ZkVerifier enforces the expected scope and message before the pairing", () => {
  const proof = VECTORS.vectors[0].proof;
  const scope = semaphoreValue(VECTORS.scopeText);
  const message = semaphoreValue(VECTORS.messageText);
  assert.equal(verifier.verify(proof, { scope, message }).ok, true);
  const wrongScope = verifier.verify(proof, { scope: semaphoreValue("vote-2") });
  assert.equal(wrongScope.ok ? "valid" : wrongScope.reason, "wrong_scope");
  const wrongMessage = verifier.verify(proof, { message: semaphoreValue("no") });
  assert.equal(wrongMessage.ok ? "valid" : wrongMessage.reason, "wrong_message");
});

Deno.test("ZkVerifier checks the root before the pairing: a broken proof for an unknown root is rejected as unknown_root", () => {
  const broken = structuredClone(VECTORS.vectors[0].proof) as Record<string, unknown>;
  broken.merkleTreeRoot = "42";
  broken.nullifier = "7"; // would fail the pairing too
  const result = verifier.verify(broken);
  assert.equal(result.ok ? "valid" : result.reason, "unknown_root");
});
