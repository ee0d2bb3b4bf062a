/**
 * Regenerates zk_semaphore_v4.json: one real Semaphore v4 depth-20 proof (PSE ceremony key) for a
 * small fixed group, plus mutations of it, each naming the verifier's expected outcome.
 *
 *   deno run -A tests/vectors/zk_make_vectors.ts
 *
 * Outcomes: "valid"; "bad_data" (malformed: format, range, off-curve, outside the subgroup);
 * or a rejection reason of ZkVerifier ("invalid_proof", "unknown_root", …).
 */
import { bn254 } from "@noble/curves/bn254.js";
import {
  BASE_FIELD,
  createProver,
  loadGroupHasher,
  proofToJson,
  semaphoreValue,
  SNARK_SCALAR_FIELD,
  ZkGroup,
  zkIdentity,
} from "../../src/zk/mod.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

const secret = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);
const prover = zkIdentity(secret(1));
const others = [2, 3, 4, 5, 6, 7, 8].map((n) => zkIdentity(secret(n)).commitment);
const members = [...others.slice(0, 3), prover.commitment, ...others.slice(3)];
const group = new ZkGroup(members);
const scopeText = "vote-1";
const messageText = "yes";

const p = createProver();
const proof = await p.prove(prover, group, {
  scope: semaphoreValue(scopeText),
  message: semaphoreValue(messageText),
});
await p.close();
const base = proofToJson(proof);

type Json = ReturnType<typeof proofToJson>;
const vectors: { name: string; expect: string; proof: unknown }[] = [];
const add = (name: string, expect: string, mutate: (p: Json) => unknown) =>
  vectors.push({ name, expect, proof: mutate(structuredClone(base)) });
const bump = (s: string, by = 1n, mod = BASE_FIELD) => String((BigInt(s) + by) % mod);

add("the proof as made", "valid", (p) => p);
add("without Legion's type field", "valid", ({ type: _, ...rest }) => rest);
add("nullifier + 1", "invalid_proof", (p) => ({ ...p, nullifier: bump(p.nullifier) }));
add("message + 1", "invalid_proof", (p) => ({ ...p, message: bump(p.message) }));
add("scope + 1", "invalid_proof", (p) => ({ ...p, scope: bump(p.scope) }));
add("root of another group", "unknown_root", (p) => ({ ...p, merkleTreeRoot: "12345" }));
const names = ["A.x", "A.y", "B.x.c1", "B.x.c0", "B.y.c1", "B.y.c0", "C.x", "C.y"];
names.forEach((name, i) =>
  add(`${name} + 1 (off the curve)`, "bad_data", (p) => {
    p.points[i] = bump(p.points[i]);
    return p;
  })
);
// Valid points, wrong proof: negating a point keeps it on the curve and in the subgroup.
const neg = (s: string) => String((BASE_FIELD - BigInt(s)) % BASE_FIELD);
add("A negated", "invalid_proof", (p) => ((p.points[1] = neg(p.points[1])), p));
add("B negated", "invalid_proof", (p) => {
  p.points[4] = neg(p.points[4]);
  p.points[5] = neg(p.points[5]);
  return p;
});
add("C negated", "invalid_proof", (p) => ((p.points[7] = neg(p.points[7])), p));
add("A and C swapped", "invalid_proof", (p) => {
  const [ax, ay, , , , , cx, cy] = p.points;
  p.points.splice(0, 2, cx, cy);
  p.points.splice(6, 2, ax, ay);
  return p;
});
add("B replaced by a twist point outside the subgroup", "bad_data", (p) => {
  const [xc0, xc1, yc0, yc1] = twistPointOutsideSubgroup();
  p.points.splice(2, 4, String(xc1), String(xc0), String(yc1), String(yc0));
  return p;
});
add("A is the point at infinity", "bad_data", (p) => ((p.points[0] = p.points[1] = "0"), p));
add("nullifier + r (same residue)", "bad_data", (p) => ({
  ...p,
  nullifier: String(BigInt(p.nullifier) + SNARK_SCALAR_FIELD),
}));
add("coordinate + p (same residue)", "bad_data", (p) => {
  p.points[0] = String(BigInt(p.points[0]) + BASE_FIELD);
  return p;
});
add("leading zero in a number", "bad_data", (p) => ({ ...p, nullifier: "0" + p.nullifier }));
add("number instead of string", "bad_data", (p) => ({ ...p, scope: Number(p.scope) }));
add("seven points", "bad_data", (p) => ({ ...p, points: p.points.slice(0, 7) }));
add("missing nullifier", "bad_data", ({ nullifier: _, ...rest }) => rest);
add("depth 16: checked with the depth-16 key, which it fails", "invalid_proof", (p) => ({
  ...p,
  merkleTreeDepth: 16,
}));
add("depth 33", "bad_data", (p) => ({ ...p, merkleTreeDepth: 33 }));
add("not an object", "bad_data", () => ["semaphore-proof"]);

/** A point on E'(Fp²): y² = x³ + 3/(u+9) that is not in the order-r subgroup. */
function twistPointOutsideSubgroup(): bigint[] {
  const { Fp2 } = bn254.fields;
  const b = bn254.G2.Point.CURVE().b;
  for (let x0 = 1n;; x0++) {
    const x = Fp2.fromBigTuple([x0, 1n]);
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
    const point = bn254.G2.Point.fromAffine({ x, y });
    if (point.isTorsionFree()) continue;
    return [x.c0, x.c1, y.c0, y.c1];
  }
}

const file = {
  description:
    "Semaphore v4 depth-20 proof (PSE ceremony key) and mutations with expected outcomes",
  generator: "tests/vectors/zk_make_vectors.ts",
  group: { members: members.map(String), root: String(group.root) },
  prover: { secretHex: Array.from(secret(1), (b) => b.toString(16).padStart(2, "0")).join("") },
  scopeText,
  messageText,
  vectors,
};
const out = new URL("./zk_semaphore_v4.json", import.meta.url);
await Deno.writeTextFile(out, JSON.stringify(file, null, 2) + "\n");
console.log(`wrote ${vectors.length} vectors to ${out.pathname}`);
