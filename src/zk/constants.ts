/**
 * Fixed parameters of Legion's zero-knowledge auth: the BN254 fields and the Semaphore v4 circuit
 * depth whose PSE ceremony artifacts ship with Legion.
 */

/** Order r of the BN254 scalar field: public signals and tree nodes live in [0, r). */
export const SNARK_SCALAR_FIELD =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Modulus p of the BN254 base field: every proof-point coordinate lives in [0, p). */
export const BASE_FIELD =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** Semaphore message and scope are uint256 values (hashed into the field before proving). */
export const UINT256_LIMIT = 1n << 256n;

/** Merkle tree depth of the circuit: groups of up to 2^20 (1,048,576) members. */
export const TREE_DEPTH = 20;

/** Largest accepted group size (the circuit's capacity). */
export const MAX_GROUP_SIZE = 2 ** TREE_DEPTH;
