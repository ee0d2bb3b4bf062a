import assert from "node:assert/strict";
import {
  PACKED_PROOF_BYTES,
  packProof,
  parseProof,
  parseProofText,
  proofToJson,
  unpackProof,
} from "../../../src/zk/mod.ts";
import { validProof } from "./_vectors.ts";
import { isBadData as badData } from "../../support/zk.ts";

Deno.test("parseProof() and proofToJson() round-trip a Semaphore proof", () => {
  const json = validProof();
  assert.deepEqual(proofToJson(parseProof(json)), { ...json, type: "semaphore_proof" });
});

Deno.test("parseProof() still reads proofs written with the older type semaphore-proof", () => {
  const json = validProof();
  assert.deepEqual(parseProof({ ...json, type: "semaphore-proof" }), parseProof(json));
  assert.throws(() => parseProof({ ...json, type: "semaphore-proofs" }), badData);
});

Deno.test("packProof() makes 385 bytes that unpackProof() reads back", () => {
  const proof = parseProof(validProof());
  const packed = packProof(proof);
  assert.equal(packed.length, PACKED_PROOF_BYTES);
  assert.deepEqual(unpackProof(packed), proof);
  assert.throws(() => unpackProof(packed.subarray(1)), badData);
});

Deno.test("parseProofText() rejects text that is not JSON as bad_data", () => {
  assert.throws(() => parseProofText("{not json"), badData);
  assert.throws(() => parseProofText(""), badData);
  assert.throws(() => parseProofText("x".repeat(20_000)), badData);
});

Deno.test("parseProof() rejects non-canonical and out-of-range numbers", () => {
  for (const nullifier of ["-1", "+1", "1e3", " 1", "0x10", "1".repeat(79), ""]) {
    assert.throws(() => parseProof({ ...validProof(), nullifier }), badData, nullifier);
  }
  assert.throws(() => parseProof({ ...validProof(), type: "other" }), badData);
  assert.throws(() => parseProof({ ...validProof(), merkleTreeDepth: 20.5 }), badData);
  assert.throws(() => parseProof({ ...validProof(), points: "1,2" }), badData);
  assert.throws(() => parseProof(null), badData);
});
