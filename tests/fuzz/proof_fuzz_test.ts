/** Fuzzing of proof JSON and packed proofs (src/zk/proof.ts), and that no mutation verifies. */
import { assertEquals } from "../support/assert.ts";
import {
  BASE_FIELD,
  PACKED_PROOF_BYTES,
  packProof,
  parseProof,
  parseProofText,
  proofToJson,
  SNARK_SCALAR_FIELD,
  UINT256_LIMIT,
  unpackProof,
  ZkGroup,
  type ZkProof,
  ZkVerifier,
} from "../../src/zk/mod.ts";
import { validProof } from "../unit/zk/_vectors.ts";
import {
  attempt,
  bytes,
  fc,
  fuzz,
  inPlaceMutations,
  mutate,
  mutations,
  sameBytes,
} from "./_fuzz.ts";
import { isBadData, vectorMembers } from "../support/zk.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const verifier = new ZkVerifier({
  group: new ZkGroup(vectorMembers()),
  warm: true,
});
const valid = parseProof(validProof());
const packed = packProof(valid);
const validText = JSON.stringify(proofToJson(valid));

const below = (limit: bigint) => fc.bigInt({ min: 0n, max: limit - 1n });
const proof: fc.Arbitrary<ZkProof> = fc.record({
  depth: fc.integer({ min: 1, max: 32 }),
  root: below(SNARK_SCALAR_FIELD),
  nullifier: below(SNARK_SCALAR_FIELD),
  message: below(UINT256_LIMIT),
  scope: below(UINT256_LIMIT),
  points: fc.array(below(BASE_FIELD), { minLength: 8, maxLength: 8 }),
});

fuzz(
  "parseProofText() throws only bad_data on random text",
  fc.property(
    fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      proof.map((p) => {
        const json: Record<string, unknown> = { ...proofToJson(p) };
        return JSON.stringify({ ...json, points: p.points.slice(0, p.depth % 9).map(String) });
      }),
    ),
    (text) => {
      attempt(() => parseProofText(text), isBadData);
    },
  ),
);

fuzz(
  "unpackProof() throws only bad_data on random bytes and accepts only canonical packings",
  fc.property(
    fc.oneof(
      bytes(400),
      fc.uint8Array({ minLength: PACKED_PROOF_BYTES, maxLength: PACKED_PROOF_BYTES }),
    ),
    (input) => {
      const result = attempt(() => unpackProof(input), isBadData);
      if ("ok" in result && !sameBytes(packProof(result.ok), input)) {
        throw new Error("an accepted packing is not the packing of what was decoded");
      }
    },
  ),
);

fuzz(
  "no mutation of a valid packed proof verifies",
  fc.property(fc.oneof(inPlaceMutations, mutations), (edits) => {
    const input = mutate(packed, edits);
    const result = attempt(() => verifier.verify(unpackProof(input)), isBadData);
    if ("ok" in result && result.ok.ok && !sameBytes(input, packed)) {
      throw new Error("a mutated packed proof verified");
    }
  }),
  { divisor: 10 },
);

fuzz(
  "no mutation of a valid proof's JSON verifies with different content",
  fc.property(mutations, (edits) => {
    const text = decoder.decode(mutate(encoder.encode(validText), edits));
    const result = attempt(() => verifier.verify(text), isBadData);
    if ("ok" in result && result.ok.ok && !sameBytes(packProof(result.ok.proof), packed)) {
      throw new Error("a mutated proof verified");
    }
  }),
  { divisor: 10 },
);

fuzz(
  "packProof()/unpackProof() and proofToJson()/parseProofText() round-trip",
  fc.property(proof, (original) => {
    assertEquals(unpackProof(packProof(original)), { ...original });
    assertEquals(parseProofText(JSON.stringify(proofToJson(original))), { ...original });
  }),
);
