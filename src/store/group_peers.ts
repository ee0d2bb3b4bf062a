/**
 * Group peers at rest: the members of my groups, as the group engine last set them, so that the
 * hello can admit a member who is not a contact and the queue can dial it. One row per (group,
 * member); both are stored only as keyed tags, and the record is sealed and bound to its row:
 *
 *   group_peers(group_tag = HMAC(indexKey, "group.id" || 0 || group id),
 *               key_tag   = HMAC(indexKey, "group.peer" || 0 || ed25519),
 *               record_sealed = seal(group_peers.record @ "<hex group_tag>/<hex key_tag>",
 *                                    JSON { groupId, key, onion }))
 */
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { rowTag } from "./signal_keys.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { onionAddress } from "../crypto/onion.ts";

/** A group member as the transport sees it: its Ed25519 key and its onion (`….onion`). */
export interface GroupPeer {
  publicKey: Uint8Array;
  onion: string;
}

export interface GroupPeerRecord extends GroupPeer {
  groupId: Uint8Array;
}

interface Row {
  group_tag: Uint8Array;
  key_tag: Uint8Array;
  record_sealed: Uint8Array;
}

interface StoredPeer {
  groupId: string;
  key: string;
  onion: string;
}

export function groupTag(indexKey: Uint8Array, groupId: Uint8Array): Uint8Array {
  return rowTag(indexKey, "group.id", groupId);
}

export function peerTag(indexKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return rowTag(indexKey, "group.peer", publicKey);
}

/**
 * Checks a peer: a 32-byte key and the onion that key names (a Legion node's onion service key
 * is its identity key). Returns the onion in its canonical form.
 * @throws {RangeError} on a bad key or an onion of another key
 */
export function checkGroupPeer(peer: GroupPeer): GroupPeer {
  if (!(peer.publicKey instanceof Uint8Array) || peer.publicKey.length !== 32) {
    throw new RangeError("a group peer's key must be 32 bytes");
  }
  const onion = `${onionAddress(peer.publicKey)}.onion`;
  if (peer.onion.toLowerCase() !== onion) {
    throw new RangeError("a group peer's onion must be the one its key names");
  }
  return { publicKey: new Uint8Array(peer.publicKey), onion };
}

/**
 * Replaces the members recorded for one group (an empty list forgets the group). Call inside the
 * store's writer.
 */
export function replaceGroupPeers(
  db: Database,
  sealer: Sealer,
  indexKey: Uint8Array,
  groupId: Uint8Array,
  peers: readonly GroupPeer[],
): void {
  const group = groupTag(indexKey, groupId);
  const checked = peers.map(checkGroupPeer);
  db.prepare("DELETE FROM group_peers WHERE group_tag = ?").run(group);
  const insert = db.prepare(
    "INSERT OR REPLACE INTO group_peers (group_tag, key_tag, record_sealed) VALUES (?, ?, ?)",
  );
  for (const peer of checked) {
    const key = peerTag(indexKey, peer.publicKey);
    const record: StoredPeer = {
      groupId: toHex(groupId),
      key: toHex(peer.publicKey),
      onion: peer.onion,
    };
    insert.run(group, key, sealer.sealJson(recordAt(group, key), record));
  }
}

/** Whether `publicKey` is a member of at least one of my groups (one indexed lookup). */
export function isGroupPeer(db: Database, indexKey: Uint8Array, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  return db.prepare("SELECT 1 FROM group_peers WHERE key_tag = ? LIMIT 1")
    .get(peerTag(indexKey, publicKey)) !== undefined;
}

/** The groups `publicKey` is recorded in, one record each (none: not a group peer). */
export function groupPeerRecords(
  db: Database,
  sealer: Sealer,
  indexKey: Uint8Array,
  publicKey: Uint8Array,
): GroupPeerRecord[] {
  if (publicKey.length !== 32) return [];
  const rows = db.prepare(
    "SELECT group_tag, key_tag, record_sealed FROM group_peers WHERE key_tag = ?",
  )
    .all(peerTag(indexKey, publicKey)) as unknown as Row[];
  return decodeRows(sealer, rows);
}

/** Every (group, member) row. */
export function listGroupPeers(db: Database, sealer: Sealer): GroupPeerRecord[] {
  const rows = db.prepare("SELECT group_tag, key_tag, record_sealed FROM group_peers")
    .all() as unknown as Row[];
  return decodeRows(sealer, rows);
}

function decodeRows(sealer: Sealer, rows: Row[]): GroupPeerRecord[] {
  return rows.map((row) => {
    const stored = sealer.openJson<StoredPeer>(
      recordAt(new Uint8Array(row.group_tag), new Uint8Array(row.key_tag)),
      new Uint8Array(row.record_sealed),
    );
    return {
      groupId: fromHex(stored.groupId),
      publicKey: fromHex(stored.key),
      onion: stored.onion,
    };
  });
}

function recordAt(group: Uint8Array, key: Uint8Array): SealedAt {
  return { label: "group_peers.record", row: `${toHex(group)}/${toHex(key)}` };
}
