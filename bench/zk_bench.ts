/**
 * `deno task bench` (the zk part): Groth16 verification side by side — Legion's pure-JS verifier
 * (fresh and warm) against snarkjs — and in-process proving. The full report with fresh-process
 * figures and the seed comparison is `deno task bench:auth` (bench/zk_report.ts).
 */
import { groth16 } from "snarkjs";
import { snarkjsInputs } from "./_snarkjs_reference.ts";
import {
  createProver,
  loadGroupHasher,
  loadVerificationKey,
  parseProof,
  semaphoreValue,
  ZkGroup,
  zkIdentity,
  ZkVerifier,
} from "../src/zk/mod.ts";

// Group trees need Poseidon loaded (zk/group_hash.ts).
await loadGroupHasher();

const vectors = JSON.parse(
  await Deno.readTextFile(new URL("../tests/vectors/zk_semaphore_v4.json", import.meta.url)),
);
const proofJson = vectors.vectors[0].proof;
const group = new ZkGroup(vectors.group.members.map(BigInt));
const vk = loadVerificationKey();
const warm = new ZkVerifier({ group, verificationKey: vk, warm: true });

const proof = parseProof(proofJson);
const { proof: snarkProof, signals } = snarkjsInputs(proof);

Deno.bench("verify: new ZkVerifier per proof", { group: "verify", baseline: true }, () => {
  new ZkVerifier({ group, verificationKey: vk }).verify(proofJson);
});
Deno.bench("verify: warm ZkVerifier (relay)", { group: "verify" }, () => {
  warm.verify(proofJson);
});
Deno.bench("verify: snarkjs groth16.verify", { group: "verify" }, async () => {
  await groth16.verify(vk as never, signals as never, snarkProof as never);
});

const secret = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);
const prover = createProver();
Deno.bench("prove: in-process, depth 20", { group: "prove", n: 5, warmup: 1 }, async () => {
  await prover.prove(zkIdentity(secret(1)), group, {
    scope: semaphoreValue("bench"),
    message: semaphoreValue("hi"),
  });
});

globalThis.addEventListener("unload", () => {
  (globalThis as { curve_bn128?: { terminate(): void } }).curve_bn128?.terminate();
});
