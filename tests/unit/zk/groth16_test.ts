import assert from "node:assert/strict";
import {
  Groth16Verifier,
  hashToField,
  loadGroupHasher,
  loadVerificationKey,
  parseProof,
  SNARK_SCALAR_FIELD,
} from "../../../src/zk/mod.ts";
import { validProof, VECTORS } from "./_vectors.ts";
import { isUserError } from "../../support/user_error.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

const vk = loadVerificationKey();
const proof = parseProof(validProof());
const signals = [proof.root, proof.nullifier, hashToField(proof.message), hashToField(proof.scope)];
const message = (pattern: RegExp) => (e: unknown) =>
  isUserError(e, "bad_data") && pattern.test(e.message);

Deno.test("Groth16Verifier verifies the ceremony-key proof, cold and warm", () => {
  assert.equal(new Groth16Verifier(vk).verify(signals, proof.points), true);
  assert.equal(new Groth16Verifier(vk, { warm: true }).verify(signals, proof.points), true);
});

Deno.test("Groth16Verifier names the failed check: curve, subgroup, range", () => {
  const verifier = new Groth16Verifier(vk);
  const outside = VECTORS.vectors.find((v) => v.name.includes("outside the subgroup"))!;
  const outsidePoints = parseProof(outside.proof).points;
  assert.throws(
    () => verifier.verify(signals, outsidePoints),
    message(/not in the prime-order subgroup/),
  );
  const offCurve = [...proof.points];
  offCurve[6] += 1n;
  assert.throws(() => verifier.verify(signals, offCurve), message(/C is not on the curve/));
  const offTwist = [...proof.points];
  offTwist[2] += 1n;
  assert.throws(() => verifier.verify(signals, offTwist), message(/B is not on the curve/));
  const big = [...signals];
  big[1] += SNARK_SCALAR_FIELD;
  assert.throws(() => verifier.verify(big, proof.points), message(/signal 1 is not below r/));
});

Deno.test("Groth16Verifier returns false when any public signal changes", () => {
  const verifier = new Groth16Verifier(vk);
  for (let i = 0; i < 4; i++) {
    const changed = [...signals];
    changed[i] = (changed[i] + 1n) % SNARK_SCALAR_FIELD;
    assert.equal(verifier.verify(changed, proof.points), false, `signal ${i}`);
  }
});
