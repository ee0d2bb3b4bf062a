/**
 * The proof as it travels: Semaphore v4's `SemaphoreProof` JSON, so proofs interoperate with
 * `@semaphore-protocol/proof` in both directions. Legion adds `"type": "semaphore_proof"`, which
 * Semaphore ignores and Legion does not require.
 *
 *   {
 *     "type": "semaphore_proof",          optional (the older "semaphore-proof" is read too)
 *     "merkleTreeDepth": 20,              circuit depth (Legion verifies depth 20 only)
 *     "merkleTreeRoot": "<decimal>",      < r
 *     "nullifier": "<decimal>",           < r   Poseidon(scope hash, secret)
 *     "message": "<decimal>",             < 2^256
 *     "scope": "<decimal>",               < 2^256
 *     "points": ["<decimal>" × 8]         Groth16 A, B, C in Solidity order, each < p:
 *                                         A.x A.y B.x.c1 B.x.c0 B.y.c1 B.y.c0 C.x C.y
 *   }
 *
 * Parsing checks only the format: canonical decimals (no sign, no leading zeros, ≤ 78 digits),
 * ranges, and that nothing is missing. Curve and subgroup membership are checked by the verifier.
 *
 * Packed binary form (`packProof`), 385 bytes: depth (1) || root (32) || nullifier (32) ||
 * message (32) || scope (32) || points (8 × 32), all big-endian.
 */
import { ZkError } from "./zk_error.ts";
import { BASE_FIELD, SNARK_SCALAR_FIELD, UINT256_LIMIT } from "./constants.ts";
import { bigIntToBytes32, bytesToBigInt } from "./semaphore_value.ts";

export interface ZkProof {
  depth: number;
  root: bigint;
  nullifier: bigint;
  message: bigint;
  scope: bigint;
  /** Groth16 proof points, Solidity order (see the module doc). */
  points: readonly bigint[];
}

/** Semaphore's JSON shape (plus Legion's optional `type`). */
export interface SemaphoreProofJson {
  type?: "semaphore_proof";
  merkleTreeDepth: number;
  merkleTreeRoot: string;
  nullifier: string;
  message: string;
  scope: string;
  points: string[];
}

/** Size of the packed binary proof in bytes. */
export const PACKED_PROOF_BYTES = 1 + 4 * 32 + 8 * 32;
/** Size of the Groth16 points alone in bytes (A: 64, B: 128, C: 64). */
export const PACKED_POINTS_BYTES = 8 * 32;
/** Upper bound on a proof's JSON text; a real one is about 0.8 KB. */
export const MAX_PROOF_JSON_BYTES = 16 * 1024;

/** Parses proof JSON text. @throws LegionError `bad_data` when it is not a well-formed proof. */
export function parseProofText(text: string): ZkProof {
  if (text.length > MAX_PROOF_JSON_BYTES) malformed(`larger than ${MAX_PROOF_JSON_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    malformed("not JSON");
  }
  return parseProof(value);
}

/** Legion's proof `type`, and the name files written before JSON types became snake_case use. */
const PROOF_TYPES: readonly string[] = ["semaphore_proof", "semaphore-proof"];

/** Validates a decoded JSON value as a proof. @throws LegionError `bad_data` */
export function parseProof(value: unknown): ZkProof {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    malformed("not a JSON object");
  }
  const record = value as Record<string, unknown>;
  if (record.type !== undefined && !PROOF_TYPES.includes(record.type as string)) {
    malformed(`unexpected type ${JSON.stringify(record.type)}`);
  }
  const depth = record.merkleTreeDepth;
  if (typeof depth !== "number" || !Number.isInteger(depth) || depth < 1 || depth > 32) {
    malformed("merkleTreeDepth must be an integer from 1 to 32");
  }
  const points = record.points;
  if (!Array.isArray(points) || points.length !== 8) malformed("points must be 8 numbers");
  return {
    depth,
    root: decimal(record.merkleTreeRoot, "merkleTreeRoot", SNARK_SCALAR_FIELD),
    nullifier: decimal(record.nullifier, "nullifier", SNARK_SCALAR_FIELD),
    message: decimal(record.message, "message", UINT256_LIMIT),
    scope: decimal(record.scope, "scope", UINT256_LIMIT),
    points: points.map((p, i) => decimal(p, `points[${i}]`, BASE_FIELD)),
  };
}

/** The proof as Semaphore JSON (with Legion's `type`). */
export function proofToJson(proof: ZkProof): SemaphoreProofJson {
  return {
    type: "semaphore_proof",
    merkleTreeDepth: proof.depth,
    merkleTreeRoot: proof.root.toString(),
    nullifier: proof.nullifier.toString(),
    message: proof.message.toString(),
    scope: proof.scope.toString(),
    points: proof.points.map(String),
  };
}

/** The packed binary form (see the module doc), 385 bytes. */
export function packProof(proof: ZkProof): Uint8Array {
  const out = new Uint8Array(PACKED_PROOF_BYTES);
  out[0] = proof.depth;
  const words = [proof.root, proof.nullifier, proof.message, proof.scope, ...proof.points];
  words.forEach((word, i) => out.set(bigIntToBytes32(word), 1 + 32 * i));
  return out;
}

/** Inverse of `packProof`, with the same range checks as the JSON parser. @throws `bad_data` */
export function unpackProof(bytes: Uint8Array): ZkProof {
  if (bytes.length !== PACKED_PROOF_BYTES) {
    malformed(`packed proof must be ${PACKED_PROOF_BYTES} bytes, got ${bytes.length}`);
  }
  const word = (i: number) => bytesToBigInt(bytes.subarray(1 + 32 * i, 33 + 32 * i));
  const json: SemaphoreProofJson = {
    merkleTreeDepth: bytes[0],
    merkleTreeRoot: String(word(0)),
    nullifier: String(word(1)),
    message: String(word(2)),
    scope: String(word(3)),
    points: Array.from({ length: 8 }, (_, i) => String(word(4 + i))),
  };
  return parseProof(json);
}

function decimal(value: unknown, name: string, limit: bigint): bigint {
  // 2^256 has 78 decimal digits; canonical form only, so one proof has one encoding.
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(value)) {
    malformed(`${name} must be a decimal string`);
  }
  const number = BigInt(value);
  if (number >= limit) malformed(`${name} is out of range`);
  return number;
}

function malformed(reason: string): never {
  throw new ZkError("bad_proof", `Cannot parse proof: ${reason}`);
}
