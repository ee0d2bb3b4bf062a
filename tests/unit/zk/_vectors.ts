/** The committed Semaphore v4 test vectors (tests/vectors/zk_semaphore_v4.json). */
import { readFileSync } from "node:fs";

export interface ZkVectorFile {
  group: { members: string[]; root: string };
  prover: { secretHex: string };
  scopeText: string;
  messageText: string;
  vectors: { name: string; expect: string; proof: unknown }[];
}

export const VECTORS: ZkVectorFile = JSON.parse(
  readFileSync(new URL("../../vectors/zk_semaphore_v4.json", import.meta.url), "utf8"),
);

/** The vector file's valid proof, as decoded JSON. */
export function validProof(): Record<string, unknown> & { points: string[] } {
  return structuredClone(VECTORS.vectors.find((v) => v.expect === "valid")!.proof) as
    & Record<string, unknown>
    & { points: string[] };
}
