/**
 * A Semaphore group as Legion keeps it: the ordered identity commitments (a LeanIMT of Poseidon
 * hashes, exactly as `@semaphore-protocol/group` builds it), plus the recent roots a verifier
 * still accepts. The file is public; it holds no secret.
 *
 *   {
 *     "type": "legion_zk_group", "version": 1, "depth": 20,
 *     "window": { "seconds": 3600, "roots": 16 },
 *     "members": ["<decimal commitment>", …],      insertion order; "0" marks a removed member
 *     "root": "<decimal>",                        LeanIMT root of members ("0" when empty)
 *     "recentRoots": [{ "root": "<decimal>", "replacedAt": "<ISO 8601>" }, …]   newest first
 *   }
 *
 * Root window: a proof made just before the group changed should still verify for a while, so a
 * root replaced by an addition stays accepted for `window.seconds` (at most `window.roots` of
 * them; the last 64 are kept to tell stale roots from unknown ones). A removal clears them: revocation is immediate, and every accepted root
 * then commits to a subset of the current members.
 *
 * On parse the root is recomputed from the members and must match, so a hand-edited member list
 * cannot silently disagree with the advertised root (unless `lazy`, for verifiers).
 *
 * Building a tree needs Poseidon: `await loadGroupHasher()` first (see group_hash.ts).
 */
import { LeanIMT } from "@zk-kit/lean-imt";
import { ZkError } from "./zk_error.ts";
import { MAX_GROUP_SIZE, SNARK_SCALAR_FIELD, TREE_DEPTH } from "./constants.ts";
import { groupHash } from "./group_hash.ts";

export const GROUP_FILE_TYPE = "legion_zk_group";
/** The group file type written before JSON types became snake_case; still read. */
const LEGACY_GROUP_FILE_TYPE = "legion-zk-group";
export const GROUP_FILE_VERSION = 1;
export const DEFAULT_WINDOW_SECONDS = 3600;
export const DEFAULT_WINDOW_ROOTS = 16;
/**
 * Replaced roots kept in the file (window or not), so a verifier can tell a stale root ("the group
 * changed since") from one the group never had. Also the largest allowed `window.roots`.
 */
export const KEPT_ROOTS = 64;
/** Upper bound on a group file: 2^20 members of ≤ 78 digits. */
export const MAX_GROUP_FILE_BYTES = 96 * 1024 * 1024;

export interface RootWindow {
  /** How long a replaced root stays accepted, in seconds (0: only the current root). */
  seconds: number;
  /** How many replaced roots are kept at most (0: only the current root). */
  roots: number;
}

export interface RecentRoot {
  root: bigint;
  /** When this root stopped being current, ms since the epoch. */
  replacedAt: number;
}

/** Where a root stands for a verifier at a given time. */
export type RootStatus = "current" | "recent" | "stale" | "unknown";

/** A LeanIMT path proving one member, in the shape the Semaphore circuit takes. */
export interface MembershipWitness {
  root: bigint;
  index: number;
  siblings: bigint[];
}

export class ZkGroup {
  readonly window: RootWindow;
  #members: bigint[];
  #tree?: LeanIMT<bigint>;
  #claimedRoot?: bigint;
  #recent: RecentRoot[];

  /**
   * With `root`, the tree is built only when needed (witness, add, remove) and must then match
   * it: a verifier, which needs only the roots, skips hashing every member (≈0.15 s per 1,000).
   */
  constructor(
    members: readonly bigint[] = [],
    options: {
      window?: Partial<RootWindow>;
      recentRoots?: readonly RecentRoot[];
      root?: bigint;
    } = {},
  ) {
    this.window = {
      seconds: options.window?.seconds ?? DEFAULT_WINDOW_SECONDS,
      roots: options.window?.roots ?? DEFAULT_WINDOW_ROOTS,
    };
    if (this.window.roots > KEPT_ROOTS) {
      throw new ZkError("bad_window", `The root window holds at most ${KEPT_ROOTS} roots`);
    }
    for (const m of members) if (m !== 0n) checkCommitment(m);
    this.#members = [...members];
    this.#claimedRoot = options.root;
    this.#recent = [...(options.recentRoots ?? [])];
  }

  get root(): bigint {
    if (this.#tree === undefined && this.#claimedRoot !== undefined) return this.#claimedRoot;
    return this.#buildTree().root ?? 0n;
  }

  /** Hashes the members and checks they give the stated root. @throws LegionError `bad_data` */
  checkRoot(): void {
    this.#buildTree();
  }

  /** Builds the tree (once) and checks it against the claimed root. @throws `bad_data` */
  #buildTree(): LeanIMT<bigint> {
    if (this.#tree) return this.#tree;
    const tree = new LeanIMT(groupHash(), this.#members);
    if (this.#claimedRoot !== undefined && (tree.root ?? 0n) !== this.#claimedRoot) {
      bad("root does not match the members");
    }
    this.#tree = tree;
    return tree;
  }

  /** Number of slots, removed members included (the tree's leaf count). */
  get size(): number {
    return this.#members.length;
  }

  /** Number of members not removed. */
  get activeSize(): number {
    return this.#members.filter((m) => m !== 0n).length;
  }

  get members(): readonly bigint[] {
    return this.#members;
  }

  get recentRoots(): readonly RecentRoot[] {
    return this.#recent;
  }

  has(commitment: bigint): boolean {
    return commitment !== 0n && this.#members.includes(commitment);
  }

  /**
   * Appends members (one new root for the whole batch).
   * @throws LegionError `bad_data` for a value out of range, a duplicate, or a full tree.
   */
  add(commitments: readonly bigint[], now: number): void {
    const seen = new Set(this.#members);
    for (const c of commitments) {
      checkCommitment(c);
      if (seen.has(c)) {
        throw new ZkError("duplicate_member", `Commitment ${c} is already in the group`);
      }
      seen.add(c);
    }
    if (this.#members.length + commitments.length > MAX_GROUP_SIZE) {
      throw new ZkError("group_full", `A group holds at most ${MAX_GROUP_SIZE} members`);
    }
    if (commitments.length === 0) return;
    const previous = this.root;
    this.#buildTree().insertMany([...commitments]);
    this.#members.push(...commitments);
    if (previous !== 0n) this.#remember(previous, now);
  }

  /**
   * Removes (revokes) a member: its leaf becomes 0 and every recent root is forgotten.
   * @throws LegionError `no_input` when the commitment is not a member.
   */
  remove(commitment: bigint, _now: number): void {
    const index = commitment === 0n ? -1 : this.#members.indexOf(commitment);
    if (index === -1) {
      throw new ZkError("not_in_group", `Commitment ${commitment} is not in the group`);
    }
    this.#buildTree().update(index, 0n);
    this.#members[index] = 0n;
    this.#recent = [];
  }

  /** Whether a verifier should accept `root` at time `now` (ms). */
  rootStatus(root: bigint, now: number): RootStatus {
    if (root === this.root && root !== 0n) return "current";
    const index = this.#recent.findIndex((r) => r.root === root);
    if (index === -1) return "unknown";
    const fresh = index < this.window.roots &&
      now - this.#recent[index].replacedAt <= this.window.seconds * 1000;
    return fresh ? "recent" : "stale";
  }

  /** The Merkle path of a member. @throws LegionError `proof_rejected` for a non-member. */
  witness(commitment: bigint): MembershipWitness {
    const index = commitment === 0n ? -1 : this.#members.indexOf(commitment);
    if (index === -1) {
      throw new ZkError("not_a_member", "This identity is not a member of the group", {
        hint: "ask the group's admin to add your commitment (legion auth id)",
      });
    }
    const proof = this.#buildTree().generateProof(index);
    return { root: proof.root, index: proof.index, siblings: proof.siblings };
  }

  #remember(root: bigint, now: number): void {
    this.#recent.unshift({ root, replacedAt: now });
    this.#recent.length = Math.min(this.#recent.length, KEPT_ROOTS);
  }
}

/** Checks a commitment is a usable leaf: 0 < c < r. @throws LegionError `bad_data` */
export function checkCommitment(c: bigint): void {
  if (c <= 0n || c >= SNARK_SCALAR_FIELD) {
    throw new ZkError("bad_commitment", `Commitment ${c} is not a field element above 0`);
  }
}

/** Parses a commitment written as a decimal number. @throws LegionError `bad_data` */
export function parseCommitment(text: string): bigint {
  if (!/^[1-9][0-9]{0,76}$/.test(text)) {
    throw new ZkError("bad_commitment", `Cannot parse commitment ${JSON.stringify(text)}`, {
      hint: "a commitment is the decimal number printed by `legion auth id`",
    });
  }
  const c = BigInt(text);
  checkCommitment(c);
  return c;
}

/** The group as its public JSON file text (with a final newline). */
export function groupToText(group: ZkGroup): string {
  const file = {
    type: GROUP_FILE_TYPE,
    version: GROUP_FILE_VERSION,
    depth: TREE_DEPTH,
    window: group.window,
    members: group.members.map(String),
    root: String(group.root),
    recentRoots: group.recentRoots.map((r) => ({
      root: String(r.root),
      replacedAt: new Date(r.replacedAt).toISOString(),
    })),
  };
  return JSON.stringify(file, null, 2) + "\n";
}

/**
 * Parses and checks a group file. With `lazy`, the members are hashed only when the tree is
 * needed (not for verifying: the stated root and recent roots are what a verifier accepts).
 * @throws LegionError `bad_data`
 */
export function parseGroupText(text: string, options: { lazy?: boolean } = {}): ZkGroup {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    bad("not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad("not an object");
  const file = value as Record<string, unknown>;
  if (file.type !== GROUP_FILE_TYPE && file.type !== LEGACY_GROUP_FILE_TYPE) {
    bad(`type is not ${JSON.stringify(GROUP_FILE_TYPE)}`);
  }
  if (file.version !== GROUP_FILE_VERSION) bad(`unsupported version ${file.version}`);
  if (file.depth !== TREE_DEPTH) bad(`depth must be ${TREE_DEPTH}`);
  const window = file.window as Record<string, unknown> | undefined;
  const seconds = window?.seconds;
  const roots = window?.roots;
  if (!isCount(seconds) || !isCount(roots) || roots > KEPT_ROOTS) {
    bad(`window must hold counts seconds and roots (at most ${KEPT_ROOTS})`);
  }
  if (!Array.isArray(file.members) || file.members.length > MAX_GROUP_SIZE) {
    bad("members must be a list");
  }
  const members = file.members.map((m, i) => {
    if (m === "0") return 0n;
    if (typeof m !== "string" || !/^[1-9][0-9]{0,76}$/.test(m)) bad(`member ${i} is not decimal`);
    const c = BigInt(m);
    if (c >= SNARK_SCALAR_FIELD) bad(`member ${i} is out of range`);
    return c;
  });
  const active = members.filter((m) => m !== 0n);
  if (new Set(active).size !== active.length) bad("a member appears twice");
  if (!Array.isArray(file.recentRoots) || file.recentRoots.length > KEPT_ROOTS) {
    bad(`recentRoots must be a list of at most ${KEPT_ROOTS}`);
  }
  const recentRoots = file.recentRoots.map((r, i) => {
    const entry = r as Record<string, unknown> | null;
    const root = entry?.root;
    const at = typeof entry?.replacedAt === "string" ? Date.parse(entry.replacedAt) : NaN;
    if (typeof root !== "string" || !/^(0|[1-9][0-9]{0,76})$/.test(root) || Number.isNaN(at)) {
      bad(`recentRoots[${i}] needs a decimal root and an ISO replacedAt time`);
    }
    return { root: BigInt(root), replacedAt: at };
  });
  if (typeof file.root !== "string" || !/^(0|[1-9][0-9]{0,76})$/.test(file.root)) {
    bad("root must be a decimal string");
  }
  const root = BigInt(file.root);
  if (root >= SNARK_SCALAR_FIELD) bad("root is out of range");
  const group = new ZkGroup(members, { window: { seconds, roots }, recentRoots, root });
  if (!options.lazy) group.checkRoot();
  return group;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function bad(reason: string): never {
  throw new ZkError("bad_group_file", `Cannot parse group file: ${reason}`);
}
