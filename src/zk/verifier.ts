/**
 * The membership verifier a relay keeps warm, and the CLI uses once.
 *
 * Order of checks — cheap first, so junk costs microseconds and only plausible proofs reach the
 * ≈10–30 ms pairing:
 *   1. format (parseProof): canonical decimals, ranges          → throws `bad_data`
 *   2. a key for the depth (1–32; Legion itself proves at 20)     → throws `bad_data`
 *   3. root is the group's current root or a recent one         → rejected `unknown_root`/`stale_root`
 *   4. scope (and message) are the expected ones, when given    → rejected `wrong_scope`/`wrong_message`
 *   5. nullifier not already spent                              → rejected `nullifier_spent`
 *   6. points on their curves and in the subgroup               → throws `bad_data`
 *   7. the Groth16 pairing equation                             → rejected `invalid_proof`
 *   8. nullifier recorded atomically (a racing twin loses)      → rejected `nullifier_spent`
 */
import { ZkError } from "./zk_error.ts";
import { TREE_DEPTH } from "./constants.ts";
import { Groth16Verifier, type VerificationKeyJson } from "./groth16.ts";
import type { RootStatus, ZkGroup } from "./group.ts";
import type { NullifierStore } from "./nullifier_store.ts";
import { parseProof, parseProofText, type ZkProof } from "./proof.ts";
import { hashToField } from "./semaphore_value.ts";
import { loadVerificationKey } from "./artifacts.ts";

export type RejectReason =
  | "unknown_root"
  | "stale_root"
  | "wrong_scope"
  | "wrong_message"
  | "nullifier_spent"
  | "invalid_proof";

export type VerifyOutcome =
  | { ok: true; proof: ZkProof; root: Extract<RootStatus, "current" | "recent"> }
  | { ok: false; reason: RejectReason; detail: string; proof: ZkProof };

/** What the verifier expects of this particular proof. */
export interface VerifyPolicy {
  /** The scope the proof must carry (the relay's challenge or epoch/slot value). */
  scope?: bigint;
  /** The message the proof must be bound to (e.g. a hash of the deposited envelope). */
  message?: bigint;
}

export interface ZkVerifierOptions {
  group: ZkGroup;
  /** Spent nullifiers; without it, replays are not detected. */
  nullifiers?: NullifierStore;
  /** The depth-20 key; defaults to the ceremony's from the installed artifacts. */
  verificationKey?: VerificationKeyJson;
  artifactsDir?: string;
  /** Precompute tables (≈0.2 s once) for faster verifications; for long-lived verifiers. */
  warm?: boolean;
  /** Clock for the root window, ms since the epoch. */
  now?: () => number;
}

export class ZkVerifier {
  #group: ZkGroup;
  readonly #nullifiers?: NullifierStore;
  /** One verifier per circuit depth, loaded on first use (depth 20 at construction). */
  readonly #groth16 = new Map<number, Groth16Verifier>();
  readonly #artifactsDir?: string;
  readonly #warm: boolean;
  readonly #now: () => number;

  constructor(options: ZkVerifierOptions) {
    this.#group = options.group;
    this.#nullifiers = options.nullifiers;
    this.#artifactsDir = options.artifactsDir;
    this.#warm = options.warm ?? false;
    this.#groth16.set(
      TREE_DEPTH,
      new Groth16Verifier(
        options.verificationKey ?? loadVerificationKey(options.artifactsDir),
        { warm: this.#warm },
      ),
    );
    this.#now = options.now ?? Date.now;
  }

  /** Swaps in a new version of the group (after members were added or removed). */
  setGroup(group: ZkGroup): void {
    this.#group = group;
  }

  /**
   * Verifies a proof given as JSON text, a decoded JSON value, or a parsed ZkProof, and on success
   * spends its nullifier.
   * @throws ZkError `bad_proof` / `unsupported_depth` when the proof is malformed (format, depth, curve, subgroup).
   */
  verify(input: string | ZkProof | unknown, policy: VerifyPolicy = {}): VerifyOutcome {
    const proof = typeof input === "string" ? parseProofText(input) : toProof(input);
    const groth16 = this.#verifierFor(proof.depth);
    const reject = (reason: RejectReason, detail: string): VerifyOutcome => ({
      ok: false,
      reason,
      detail,
      proof,
    });
    const now = this.#now();
    const status = this.#group.rootStatus(proof.root, now);
    if (status === "unknown") return reject("unknown_root", "the root is not one of the group's");
    if (status === "stale") {
      return reject("stale_root", "the root is older than the group's root window");
    }
    if (policy.scope !== undefined && proof.scope !== policy.scope) {
      return reject("wrong_scope", "the scope is not the expected one");
    }
    if (policy.message !== undefined && proof.message !== policy.message) {
      return reject("wrong_message", "the message is not the expected one");
    }
    if (this.#nullifiers?.isSpent(proof.nullifier)) {
      return reject("nullifier_spent", "the nullifier was already used");
    }
    const signals = [
      proof.root,
      proof.nullifier,
      hashToField(proof.message),
      hashToField(proof.scope),
    ];
    if (!groth16.verify(signals, proof.points)) {
      return reject("invalid_proof", "the proof does not verify");
    }
    if (this.#nullifiers) {
      const fresh = this.#nullifiers.spend({
        nullifier: proof.nullifier,
        scope: proof.scope,
        root: proof.root,
        at: now,
      });
      if (!fresh) return reject("nullifier_spent", "the nullifier was already used");
    }
    return { ok: true, proof, root: status };
  }

  #verifierFor(depth: number): Groth16Verifier {
    let verifier = this.#groth16.get(depth);
    if (!verifier) {
      let key: VerificationKeyJson;
      try {
        key = loadVerificationKey(this.#artifactsDir, depth);
      } catch (err) {
        throw new ZkError("unsupported_depth", `Unsupported proof depth ${depth}`, {
          cause: err,
          hint: `no verification key for depth ${depth} is installed`,
        });
      }
      verifier = new Groth16Verifier(key, { warm: this.#warm });
      this.#groth16.set(depth, verifier);
    }
    return verifier;
  }
}

function toProof(input: unknown): ZkProof {
  const maybe = input as Partial<ZkProof> | null;
  if (typeof maybe === "object" && maybe !== null && typeof maybe.root === "bigint") {
    // A ZkProof object: re-check it through its JSON form so no unchecked value slips through.
    const p = input as ZkProof;
    return parseProof({
      merkleTreeDepth: p.depth,
      merkleTreeRoot: String(p.root),
      nullifier: String(p.nullifier),
      message: String(p.message),
      scope: String(p.scope),
      points: Array.isArray(p.points) ? p.points.map(String) : p.points,
    });
  }
  return parseProof(input);
}
