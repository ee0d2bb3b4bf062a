/**
 * Messages at rest: the body is sealed (label `messages.body`, bound to the row's id, contact,
 * direction, type and burn flag, so a body moved to another row or contact does not open); ids,
 * contact ids, states and times stay plain because the queue, expiry sweeps and inbox order need
 * them.
 *
 * Incoming ids are also remembered in `seen` until the message would have expired, so a redelivery
 * (the sender missed our ack) is acknowledged again without being stored twice — even after the
 * message itself was read and burnt.
 */
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { toHex } from "../crypto/hex.ts";
import { type Payload, PayloadType, STORED_TYPES } from "../protocol/payload.ts";

export type Direction = "in" | "out";
export type MessageState =
  | "queued"
  | "sent"
  | "delivered"
  | "read"
  | "expired"
  | "cancelled"
  | "failed"
  | "received";

export interface StoredMessage {
  id: Uint8Array;
  contactId: number;
  direction: Direction;
  type: PayloadType;
  body: Uint8Array;
  burn: boolean;
  state: MessageState;
  createdAt: number;
  storedAt: number;
  expiresAt: number;
  readAt: number | null;
}

interface Row {
  id: Uint8Array;
  contact_id: number;
  direction: Direction;
  type: number;
  body_sealed: Uint8Array;
  burn: number;
  state: MessageState;
  created_at: number;
  stored_at: number;
  expires_at: number;
  read_at: number | null;
}

/** Where a body is sealed: its row's identity and the plain columns that say what it is. */
function bodyAt(
  row: { id: Uint8Array; contactId: number; direction: Direction; type: number; burn: boolean },
): SealedAt {
  const { id, contactId, direction, type, burn } = row;
  return {
    label: "messages.body",
    row: `${toHex(id)}/${contactId}/${direction}/${type}/${burn ? 1 : 0}`,
  };
}

/** Stores a message; the expiry counts from when we store it, so a skewed clock cannot extend it. */
export function insertMessage(
  db: Database,
  sealer: Sealer,
  message: { payload: Payload; contactId: number; direction: Direction; state: MessageState },
  now: number,
): void {
  const { payload } = message;
  db.prepare(
    `INSERT INTO messages (id, contact_id, direction, type, body_sealed, burn, state, created_at,
                           stored_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    payload.id,
    message.contactId,
    message.direction,
    payload.type,
    sealer.seal(
      bodyAt({
        id: payload.id,
        contactId: message.contactId,
        direction: message.direction,
        type: payload.type,
        burn: payload.burn,
      }),
      payload.body,
    ),
    payload.burn ? 1 : 0,
    message.state,
    payload.createdAt,
    now,
    now + payload.ttlSeconds * 1000,
  );
}

/** Records an incoming id; returns false when it was already seen from this contact. */
/**
 * Replaces a stored message's body, sealed under the same binding (id, contact, direction, type,
 * burn); false when the message is gone. Used when a received image is replaced by its re-encoded
 * copy (its descriptor then names the new key, size and SHA-256).
 */
export function replaceMessageBody(
  db: Database,
  sealer: Sealer,
  id: Uint8Array,
  body: Uint8Array,
): boolean {
  const row = db.prepare("SELECT * FROM messages WHERE id = ?").get(id) as Row | undefined;
  if (!row) return false;
  const at = bodyAt({
    id,
    contactId: Number(row.contact_id),
    direction: row.direction,
    type: Number(row.type) as PayloadType,
    burn: Number(row.burn) === 1,
  });
  db.prepare("UPDATE messages SET body_sealed = ? WHERE id = ?").run(sealer.seal(at, body), id);
  return true;
}

export function markSeen(
  db: Database,
  contactId: number,
  id: Uint8Array,
  expiresAt: number,
): boolean {
  const result = db.prepare(
    "INSERT OR IGNORE INTO seen (contact_id, id, expires_at) VALUES (?, ?, ?)",
  ).run(contactId, id, expiresAt);
  return Number(result.changes) === 1;
}

export function getMessage(
  db: Database,
  sealer: Sealer,
  id: Uint8Array,
): StoredMessage | undefined {
  const row = db.prepare("SELECT * FROM messages WHERE id = ?").get(id) as Row | undefined;
  return row ? fromRow(sealer, row) : undefined;
}

export interface ListOptions {
  contactId?: number;
  unreadOnly?: boolean;
  direction?: Direction;
  /** Only messages stored after this rowid-free cursor (stored_at, ms). */
  since?: number;
  types?: readonly PayloadType[];
}

export function listMessages(
  db: Database,
  sealer: Sealer,
  options: ListOptions = {},
): StoredMessage[] {
  const where: string[] = [];
  const params: Array<number | string> = [];
  if (options.contactId !== undefined) {
    where.push("contact_id = ?");
    params.push(options.contactId);
  }
  if (options.direction) {
    where.push("direction = ?");
    params.push(options.direction);
  }
  if (options.unreadOnly) where.push("direction = 'in' AND read_at IS NULL");
  if (options.since !== undefined) {
    where.push("stored_at > ?");
    params.push(options.since);
  }
  const types = options.types ?? STORED_TYPES;
  where.push(`type IN (${types.map(() => "?").join(", ")})`);
  params.push(...types);
  const rows = db.prepare(
    `SELECT * FROM messages WHERE ${where.join(" AND ")} ORDER BY stored_at, created_at`,
  ).all(...params) as unknown as Row[];
  return rows.map((row) => fromRow(sealer, row));
}

export function setMessageState(db: Database, id: Uint8Array, state: MessageState): boolean {
  return Number(db.prepare("UPDATE messages SET state = ? WHERE id = ?").run(state, id).changes) >
    0;
}

export function markRead(db: Database, id: Uint8Array, now: number): void {
  db.prepare("UPDATE messages SET read_at = coalesce(read_at, ?) WHERE id = ?").run(now, id);
}

/** Deletes messages by id (secure_delete overwrites the freed pages); returns how many. */
export function deleteMessages(
  db: Database,
  ids: readonly Uint8Array[],
  contactId?: number,
): number {
  const statement = contactId === undefined
    ? db.prepare("DELETE FROM messages WHERE id = ?")
    : db.prepare("DELETE FROM messages WHERE id = ? AND contact_id = ?");
  let deleted = 0;
  for (const id of ids) {
    deleted += Number(
      (contactId === undefined ? statement.run(id) : statement.run(id, contactId)).changes,
    );
  }
  return deleted;
}

/** Removes expired messages and seen-ids; returns the expired messages' ids and directions. */
export function sweepExpired(
  db: Database,
  now: number,
): Array<{ id: Uint8Array; direction: Direction }> {
  const expired = db.prepare("SELECT id, direction FROM messages WHERE expires_at <= ?").all(
    now,
  ) as Array<{ id: Uint8Array; direction: Direction }>;
  db.prepare("DELETE FROM messages WHERE expires_at <= ?").run(now);
  db.prepare("DELETE FROM seen WHERE expires_at <= ?").run(now);
  return expired.map((row) => ({ id: new Uint8Array(row.id), direction: row.direction }));
}

/**
 * What a contact's incoming messages take up here: how many, and their sealed bodies' bytes (the
 * figures per-contact quotas bound). Kept by triggers on `messages` (migration 5), so this is one
 * row lookup.
 */
export function inboundUsage(db: Database, contactId: number): { messages: number; bytes: number } {
  const row = db.prepare("SELECT messages, bytes FROM inbound_usage WHERE contact_id = ?").get(
    contactId,
  ) as { messages: number; bytes: number } | undefined;
  return { messages: Number(row?.messages ?? 0), bytes: Number(row?.bytes ?? 0) };
}

/** Whether an incoming id was already stored (or burnt) for this contact. */
export function hasSeen(db: Database, contactId: number, id: Uint8Array): boolean {
  return db.prepare("SELECT 1 FROM seen WHERE contact_id = ? AND id = ?").get(contactId, id) !==
    undefined;
}

/** Whether `id` is a message this node sent to `contactId`. */
export function isSentTo(db: Database, contactId: number, id: Uint8Array): boolean {
  return db.prepare(
    "SELECT 1 FROM messages WHERE id = ? AND contact_id = ? AND direction = 'out'",
  ).get(id, contactId) !== undefined;
}

function fromRow(sealer: Sealer, row: Row): StoredMessage {
  const id = new Uint8Array(row.id);
  const contactId = Number(row.contact_id);
  const type = Number(row.type) as PayloadType;
  const burn = Number(row.burn) === 1;
  const at = bodyAt({ id, contactId, direction: row.direction, type, burn });
  return {
    id,
    contactId,
    direction: row.direction,
    type,
    body: sealer.open(at, new Uint8Array(row.body_sealed)),
    burn,
    state: row.state,
    createdAt: Number(row.created_at),
    storedAt: Number(row.stored_at),
    expiresAt: Number(row.expires_at),
    readAt: row.read_at === null ? null : Number(row.read_at),
  };
}
