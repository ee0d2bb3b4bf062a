/**
 * Groups at rest (migration 9). Every value that says who or what is sealed with the vault key and
 * bound to its row (sealer.ts): a group's record and MLS state, the owner's commit log, held
 * messages, posts (an invitation is a group row flagged invited) and key packages. Plain columns are local row ids, sequence
 * numbers, epochs and times, which ordering and expiry need.
 *
 * These functions run inside the caller's `store.write` (writes) or read directly.
 */
import type { Database } from "../store/db.ts";
import type { Sealer } from "../store/sealer.ts";
import { toHex } from "../crypto/hex.ts";
import { decodeGroupPost, encodeGroupPost } from "../protocol/group_wire.ts";
import type { Payload } from "../protocol/payload.ts";

/** What a node knows of one group besides its MLS state (sealed as JSON). */
export interface GroupRecord {
  /** Hex of the 16-byte MLS group id. */
  groupId: string;
  name: string;
  /** Hex of the owner's (the one committer's) Ed25519 key. */
  owner: string;
  /** Owner: the last commit made. Member: the last commit applied. */
  seq: number;
  /** Hex Ed25519 keys of every member, this node included, in roster order. */
  members: string[];
  /** Owner only: each member's last acknowledged seq (prunes the commit log). */
  acks: Record<string, number>;
  /** Owner only: keys asked for a key package, to be added when it arrives. */
  pendingAdds: string[];
  /** An invitation not accepted yet: joined (to check the Welcome), not shown as a group. */
  invited?: boolean;
  invitedAt?: number;
  /** Owner: when it last committed (an empty commit heals the keys after a quiet while). */
  lastCommitAt?: number;
  /** Member: when its own leaf key was last replaced (or it joined). */
  leafUpdatedAt?: number;
  /** Member: its update proposal awaiting the owner's commit — the new leaf's private key (hex). */
  pendingLeaf?: { key: string; epoch: string };
}

export interface StoredGroup {
  row: number;
  record: GroupRecord;
  state: Uint8Array;
}

export type PostDirection = "in" | "out";

export interface StoredGroupPost {
  id: Uint8Array;
  groupRow: number;
  direction: PostDirection;
  author: Uint8Array;
  payload: Payload;
  storedAt: number;
  expiresAt: number;
  readAt: number | null;
}

const at = (label: string, row: number | string) => ({ label, row });

// --- groups ---

export function loadGroups(db: Database, sealer: Sealer): StoredGroup[] {
  const rows = db.prepare("SELECT id, record_sealed, state_sealed FROM groups ORDER BY id")
    .all() as Array<{ id: number; record_sealed: Uint8Array; state_sealed: Uint8Array }>;
  return rows.map((row) => ({
    row: row.id,
    record: sealer.openJson<GroupRecord>(at("groups.record", row.id), row.record_sealed),
    state: sealer.open(at("groups.state", row.id), row.state_sealed),
  }));
}

export function insertGroup(
  db: Database,
  sealer: Sealer,
  record: GroupRecord,
  state: Uint8Array,
): number {
  const { id } = db.prepare(
    "INSERT INTO groups (record_sealed, state_sealed) VALUES (x'', x'') RETURNING id",
  ).get() as { id: number };
  updateGroup(db, sealer, id, record, state);
  return id;
}

export function updateGroup(
  db: Database,
  sealer: Sealer,
  row: number,
  record: GroupRecord,
  state: Uint8Array,
): void {
  db.prepare("UPDATE groups SET record_sealed = ?, state_sealed = ? WHERE id = ?").run(
    sealer.sealJson(at("groups.record", row), record),
    sealer.seal(at("groups.state", row), state),
    row,
  );
}

/** Updates a group's record only (the owner's acks), leaving its MLS state as it is. */
export function updateGroupRecord(
  db: Database,
  sealer: Sealer,
  row: number,
  record: GroupRecord,
): void {
  db.prepare("UPDATE groups SET record_sealed = ? WHERE id = ?").run(
    sealer.sealJson(at("groups.record", row), record),
    row,
  );
}

/** Deletes a group and everything of it (commit log, held messages, posts, seen digests). */
export function deleteGroup(db: Database, row: number): void {
  for (const table of ["group_commits", "group_held", "group_posts", "group_seen"]) {
    db.prepare(`DELETE FROM ${table} WHERE group_row = ?`).run(row);
  }
  db.prepare("DELETE FROM groups WHERE id = ?").run(row);
}

// --- the owner's commit log ---

export function appendCommit(
  db: Database,
  sealer: Sealer,
  row: number,
  seq: number,
  bytes: Uint8Array,
): void {
  db.prepare("INSERT INTO group_commits (group_row, seq, commit_sealed) VALUES (?, ?, ?)").run(
    row,
    seq,
    sealer.seal(at("group_commits.commit", `${row}/${seq}`), bytes),
  );
}

/** Logged commits after `seq`, in order. */
export function commitsAfter(
  db: Database,
  sealer: Sealer,
  row: number,
  seq: number,
): Array<{ seq: number; bytes: Uint8Array }> {
  const rows = db.prepare(
    "SELECT seq, commit_sealed FROM group_commits WHERE group_row = ? AND seq > ? ORDER BY seq",
  ).all(row, seq) as Array<{ seq: number; commit_sealed: Uint8Array }>;
  return rows.map((r) => ({
    seq: r.seq,
    bytes: sealer.open(at("group_commits.commit", `${row}/${r.seq}`), r.commit_sealed),
  }));
}

export function oldestLoggedSeq(db: Database, row: number): number | undefined {
  const r = db.prepare("SELECT min(seq) AS seq FROM group_commits WHERE group_row = ?").get(
    row,
  ) as {
    seq: number | null;
  };
  return r.seq ?? undefined;
}

export function pruneCommits(db: Database, row: number, upTo: number): void {
  db.prepare("DELETE FROM group_commits WHERE group_row = ? AND seq <= ?").run(row, upTo);
}

// --- held messages (a commit after a gap, a post from a future epoch) ---

export type HeldKind = "commit" | "post";

export function holdMessage(
  db: Database,
  sealer: Sealer,
  row: number,
  kind: HeldKind,
  position: number,
  bytes: Uint8Array,
  now: number,
): void {
  db.prepare(
    "INSERT INTO group_held (group_row, kind, position, bytes_sealed, held_at) VALUES (?, ?, ?, ?, ?)",
  ).run(
    row,
    kind,
    position,
    sealer.seal(at("group_held.bytes", `${row}/${kind}/${position}`), bytes),
    now,
  );
}

export function heldMessages(
  db: Database,
  sealer: Sealer,
  row: number,
  kind: HeldKind,
): Array<{ id: number; position: number; bytes: Uint8Array }> {
  const rows = db.prepare(
    `SELECT id, position, bytes_sealed FROM group_held WHERE group_row = ? AND kind = ?
     ORDER BY position, id`,
  ).all(row, kind) as Array<{ id: number; position: number; bytes_sealed: Uint8Array }>;
  return rows.map((r) => ({
    id: r.id,
    position: r.position,
    bytes: sealer.open(at("group_held.bytes", `${row}/${kind}/${r.position}`), r.bytes_sealed),
  }));
}

export function deleteHeld(db: Database, id: number): void {
  db.prepare("DELETE FROM group_held WHERE id = ?").run(id);
}

// --- seen digests (dedup of redelivered ciphertexts and post ids) ---

/** Records a digest; false when it was already seen in this group. */
export function markSeen(
  db: Database,
  row: number,
  digest: Uint8Array,
  expiresAt: number,
): boolean {
  const result = db.prepare(
    "INSERT OR IGNORE INTO group_seen (group_row, digest, expires_at) VALUES (?, ?, ?)",
  ).run(row, digest, expiresAt);
  return Number(result.changes) === 1;
}

export function wasSeen(db: Database, row: number, digest: Uint8Array): boolean {
  return db.prepare("SELECT 1 FROM group_seen WHERE group_row = ? AND digest = ?").get(
    row,
    digest,
  ) !== undefined;
}

// --- posts ---

function postAt(id: Uint8Array, row: number, direction: PostDirection, burn: boolean) {
  return at("group_posts.post", `${toHex(id)}/${row}/${direction}/${burn ? 1 : 0}`);
}

export function insertPost(
  db: Database,
  sealer: Sealer,
  post: { groupRow: number; direction: PostDirection; author: Uint8Array; payload: Payload },
  now: number,
): void {
  const { payload } = post;
  db.prepare(
    `INSERT INTO group_posts (id, group_row, direction, post_sealed, burn, created_at, stored_at,
                              expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    payload.id,
    post.groupRow,
    post.direction,
    sealer.seal(
      postAt(payload.id, post.groupRow, post.direction, payload.burn),
      encodeGroupPost({ author: post.author, payload }),
    ),
    payload.burn ? 1 : 0,
    payload.createdAt,
    now,
    now + payload.ttlSeconds * 1000,
  );
}

export function hasPost(db: Database, id: Uint8Array): boolean {
  return db.prepare("SELECT 1 FROM group_posts WHERE id = ?").get(id) !== undefined;
}

interface PostRow {
  id: Uint8Array;
  group_row: number;
  direction: PostDirection;
  post_sealed: Uint8Array;
  burn: number;
  stored_at: number;
  expires_at: number;
  read_at: number | null;
}

/** A group's posts in the order their authors made them (ties: the order they were stored). */
export function listPosts(db: Database, sealer: Sealer, row: number): StoredGroupPost[] {
  const rows = db.prepare(
    "SELECT * FROM group_posts WHERE group_row = ? ORDER BY created_at, rowid",
  ).all(row) as unknown as PostRow[];
  return rows.map((r) => {
    const plain = decodeGroupPost(
      sealer.open(postAt(r.id, r.group_row, r.direction, r.burn === 1), r.post_sealed),
    );
    return {
      id: r.id,
      groupRow: r.group_row,
      direction: r.direction,
      author: plain.author,
      payload: plain.payload,
      storedAt: r.stored_at,
      expiresAt: r.expires_at,
      readAt: r.read_at,
    };
  });
}

/** Marks a group's incoming posts read; burn-after-reading ones are deleted. */
export function markPostsRead(db: Database, row: number, now: number): void {
  db.prepare(
    "DELETE FROM group_posts WHERE group_row = ? AND direction = 'in' AND burn = 1",
  ).run(row);
  db.prepare(
    "UPDATE group_posts SET read_at = ? WHERE group_row = ? AND direction = 'in' AND read_at IS NULL",
  ).run(now, row);
}

/** Deletes one incoming burn-after-reading post (a group attachment once saved). */
export function burnPost(db: Database, row: number, id: Uint8Array): boolean {
  const result = db.prepare(
    "DELETE FROM group_posts WHERE group_row = ? AND id = ? AND direction = 'in' AND burn = 1",
  ).run(row, id);
  return Number(result.changes) > 0;
}

/** Deletes expired posts and seen digests; returns how many posts went. */
export function sweepGroups(db: Database, now: number): number {
  const result = db.prepare("DELETE FROM group_posts WHERE expires_at <= ?").run(now);
  db.prepare("DELETE FROM group_seen WHERE expires_at <= ?").run(now);
  return Number(result.changes);
}

// --- key packages (one-use; the private half is secret) ---

export function insertKeyPackage(
  db: Database,
  sealer: Sealer,
  bundle: Uint8Array,
  now: number,
): number {
  const { id } = db.prepare(
    "INSERT INTO group_key_packages (bundle_sealed, created_at) VALUES (x'', ?) RETURNING id",
  ).get(now) as { id: number };
  db.prepare("UPDATE group_key_packages SET bundle_sealed = ? WHERE id = ?").run(
    sealer.seal(at("group_key_packages.bundle", id), bundle),
    id,
  );
  return id;
}

export function loadKeyPackages(
  db: Database,
  sealer: Sealer,
): Array<{ row: number; bundle: Uint8Array; createdAt: number }> {
  const rows = db.prepare("SELECT * FROM group_key_packages ORDER BY id DESC").all() as Array<{
    id: number;
    bundle_sealed: Uint8Array;
    created_at: number;
  }>;
  return rows.map((r) => ({
    row: r.id,
    bundle: sealer.open(at("group_key_packages.bundle", r.id), r.bundle_sealed),
    createdAt: r.created_at,
  }));
}

export function deleteKeyPackage(db: Database, row: number): void {
  db.prepare("DELETE FROM group_key_packages WHERE id = ?").run(row);
}

/** Deletes unused key packages made before `before`; returns how many. */
export function expireKeyPackages(db: Database, before: number): number {
  return Number(
    db.prepare("DELETE FROM group_key_packages WHERE created_at < ?").run(before).changes,
  );
}
