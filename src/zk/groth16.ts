/**
 * A Groth16 verifier for BN254 (snarkjs verification keys) on `@noble/curves`, in pure
 * JavaScript: no WebAssembly, no worker threads, so a fresh process verifies in ~0.1 s.
 *
 * Checks, in order (Groth16, Groth 2016 §3.2; the snarkjs equation):
 *   1. every public signal is < r (else a signal and signal + r would both verify);
 *   2. A and C are on E(Fp): y² = x³ + 3, not the point at infinity (G1 has cofactor 1, so
 *      on the curve means in the subgroup);
 *   3. B is on the twist E'(Fp²): y² = x³ + 3/(u + 9) and in the order-r subgroup (the twist has
 *      a large cofactor; a point outside the subgroup could break soundness);
 *   4. e(−A, B) · e(α, β) · e(vk_x, γ) · e(C, δ) = 1, with vk_x = IC₀ + Σ sᵢ·ICᵢ₊₁,
 *      as one batch of Miller loops and one final exponentiation.
 * Coordinates must already be < p (the proof parser checks that).
 *
 * Failing 1–3 throws `bad_data` (a malformed proof), failing 4 returns false (a false proof).
 * This is not constant time; it handles only public data.
 */
import { bn254 } from "@noble/curves/bn254.js";
import { ZkError } from "./zk_error.ts";
import { BASE_FIELD, SNARK_SCALAR_FIELD } from "./constants.ts";

type G1Point = InstanceType<typeof bn254.G1.Point>;
type G2Point = InstanceType<typeof bn254.G2.Point>;
type Precompute = ReturnType<typeof bn254.utils.calcPairingPrecomputes>;

/** A snarkjs `verification_key.json` for Groth16 on bn128 (decimal strings). */
export interface VerificationKeyJson {
  protocol: string;
  curve: string;
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
}

export interface Groth16VerifierOptions {
  /**
   * Precompute scalar-multiplication tables for the key's IC points: about 0.2 s once, then each
   * verification is faster. For long-lived verifiers (the relay); a one-shot CLI leaves it off.
   */
  warm?: boolean;
}

export class Groth16Verifier {
  readonly nPublic: number;
  readonly #alpha: G1Point;
  readonly #ic: G1Point[];
  readonly #beta: Precompute;
  readonly #gamma: Precompute;
  readonly #delta: Precompute;
  readonly #warm: boolean;

  constructor(vk: VerificationKeyJson, options: Groth16VerifierOptions = {}) {
    if (vk.protocol !== "groth16" || vk.curve !== "bn128") {
      throw new TypeError("verification key must be Groth16 on bn128");
    }
    if (vk.IC.length !== vk.nPublic + 1) throw new TypeError("verification key IC length");
    this.nPublic = vk.nPublic;
    this.#alpha = g1Point(vk.vk_alpha_1.map(BigInt), "vk_alpha_1");
    this.#ic = vk.IC.map((p, i) => g1Point(p.map(BigInt), `IC[${i}]`));
    const { calcPairingPrecomputes } = bn254.utils;
    this.#beta = calcPairingPrecomputes(g2FromSnarkjs(vk.vk_beta_2, "vk_beta_2"));
    this.#gamma = calcPairingPrecomputes(g2FromSnarkjs(vk.vk_gamma_2, "vk_gamma_2"));
    this.#delta = calcPairingPrecomputes(g2FromSnarkjs(vk.vk_delta_2, "vk_delta_2"));
    this.#warm = options.warm ?? false;
    if (this.#warm) { for (const point of this.#ic) point.precompute(8, false); }
  }

  /**
   * Verifies a proof given its public signals and its 8 packed coordinates (Solidity order:
   * A.x A.y B.x.c1 B.x.c0 B.y.c1 B.y.c0 C.x C.y).
   * @returns true for a valid proof, false for a false one.
   * @throws LegionError `bad_data` for a signal ≥ r or a point off its curve or subgroup.
   */
  verify(publicSignals: readonly bigint[], points: readonly bigint[]): boolean {
    if (publicSignals.length !== this.nPublic) throw new TypeError("wrong number of signals");
    if (points.length !== 8) throw new TypeError("a Groth16 proof has 8 coordinates");
    publicSignals.forEach((s, i) => {
      if (s < 0n || s >= SNARK_SCALAR_FIELD) invalid(`public signal ${i} is not below r`);
    });
    for (const [i, c] of points.entries()) {
      if (c < 0n || c >= BASE_FIELD) invalid(`coordinate ${i} is not below p`);
    }
    const a = g1Point([points[0], points[1]], "A");
    const b = g2Point(points[3], points[2], points[5], points[4], "B");
    const c = g1Point([points[6], points[7]], "C");

    let vkX = this.#ic[0];
    publicSignals.forEach((s, i) => {
      if (s === 0n) return;
      const term = this.#warm ? this.#ic[i + 1].multiply(s) : this.#ic[i + 1].multiplyUnsafe(s);
      vkX = vkX.add(term);
    });
    if (vkX.is0()) return false; // only for a contrived key; the pairing would reject it anyway

    const negA = a.negate().toAffine();
    const alpha = this.#alpha.toAffine();
    const x = vkX.toAffine();
    const cAff = c.toAffine();
    const { Fp12 } = bn254.fields;
    const miller = bn254.millerLoopBatch([
      [bn254.utils.calcPairingPrecomputes(b), negA.x, negA.y],
      [this.#beta, alpha.x, alpha.y],
      [this.#gamma, x.x, x.y],
      [this.#delta, cAff.x, cAff.y],
    ]);
    return Fp12.eql(Fp12.finalExponentiate(miller), Fp12.ONE);
  }
}

function g1Point(coords: readonly bigint[], name: string): G1Point {
  const [x, y] = coords;
  if (coords.length === 3 && coords[2] !== 1n) throw new TypeError(`${name}: not affine`);
  if (x === 0n && y === 0n) invalid(`${name} is the point at infinity`);
  const point = bn254.G1.Point.fromAffine({ x, y });
  try {
    point.assertValidity();
  } catch {
    invalid(`${name} is not on the curve`);
  }
  return point;
}

function g2Point(
  xc0: bigint,
  xc1: bigint,
  yc0: bigint,
  yc1: bigint,
  name: string,
  checkSubgroup = true,
): G2Point {
  if (xc0 === 0n && xc1 === 0n && yc0 === 0n && yc1 === 0n) {
    invalid(`${name} is the point at infinity`);
  }
  const { Fp2 } = bn254.fields;
  const point = bn254.G2.Point.fromAffine({
    x: Fp2.fromBigTuple([xc0, xc1]),
    y: Fp2.fromBigTuple([yc0, yc1]),
  });
  const { x, y } = point.toAffine();
  const onCurve = Fp2.eql(
    Fp2.sqr(y),
    Fp2.add(Fp2.mul(Fp2.sqr(x), x), bn254.G2.Point.CURVE().b),
  );
  if (!onCurve) invalid(`${name} is not on the curve`);
  if (checkSubgroup && !point.isTorsionFree()) {
    invalid(`${name} is not in the prime-order subgroup`);
  }
  return point;
}

/**
 * A G2 point from a snarkjs key: [[x.c0, x.c1], [y.c0, y.c1], [1, 0]]. The key is trusted (it
 * ships with the ceremony artifacts), so only the cheap curve check runs, not the subgroup one.
 */
function g2FromSnarkjs(coords: string[][], name: string): G2Point {
  const [[xc0, xc1], [yc0, yc1], [z0, z1]] = coords.map((pair) => pair.map(BigInt));
  if (z0 !== 1n || z1 !== 0n) throw new TypeError(`${name}: not affine`);
  return g2Point(xc0, xc1, yc0, yc1, name, false);
}

function invalid(reason: string): never {
  throw new ZkError("bad_proof", `Invalid proof: ${reason}`);
}
