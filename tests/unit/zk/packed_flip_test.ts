/** Property: flipping any single byte of a packed proof never yields a valid proof. */
import assert from "node:assert/strict";
import { packProof, parseProof, unpackProof, ZkGroup, ZkVerifier } from "../../../src/zk/mod.ts";
import { validProof } from "./_vectors.ts";
import { isUserError } from "../../support/user_error.ts";
import { vectorMembers } from "../../support/zk.ts";

Deno.test("flipping any byte of a packed proof makes it malformed or rejected, never valid", () => {
  const verifier = new ZkVerifier({
    group: new ZkGroup(vectorMembers()),
    warm: true,
  });
  const packed = packProof(parseProof(validProof()));
  assert.equal(verifier.verify(unpackProof(packed)).ok, true);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < packed.length; i++) {
    const flipped = packed.slice();
    flipped[i] ^= 1 << (i % 8);
    let outcome: string;
    try {
      const result = verifier.verify(unpackProof(flipped));
      outcome = result.ok ? "valid" : result.reason;
    } catch (err) {
      if (!isUserError(err, "bad_data")) throw err;
      outcome = "bad_data";
    }
    assert.notEqual(outcome, "valid", `byte ${i}`);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  // The root's bytes fail the cheap root check, the signals' bytes the pairing.
  assert.equal(outcomes.get("unknown_root"), 32);
  assert.ok((outcomes.get("invalid_proof") ?? 0) >= 96);
});
