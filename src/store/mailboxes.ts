/**
 * This user's own relay mailboxes (`legion mailbox open`): one sealed record per mailbox, bound to
 * its row id — the relay (onion, key, rules a depositor needs), the mailbox's fresh Ed25519 owner
 * key, its fetch id (secret: whoever holds it and the owner key can read the mailbox), its deposit
 * id (on the card) and the X25519 key pair deposited envelopes are sealed to. Nothing but the row
 * id and the creation time is in the clear.
 */
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import type { CardMailbox } from "../crypto/card.ts";

export interface Mailbox {
  id: number;
  relayOnion: string;
  relayKey: Uint8Array;
  /** The relay's rules a depositor needs (from its card). */
  slots: number;
  epochSeconds: number;
  ownerSeed: Uint8Array;
  ownerKey: Uint8Array;
  fetchId: Uint8Array;
  depositId: Uint8Array;
  boxPublic: Uint8Array;
  boxSecret: Uint8Array;
  createdAt: number;
}

export type NewMailbox = Omit<Mailbox, "id">;

interface Record {
  relayOnion: string;
  relayKey: string;
  slots: number;
  epochSeconds: number;
  ownerSeed: string;
  ownerKey: string;
  fetchId: string;
  depositId: string;
  boxPublic: string;
  boxSecret: string;
}

const at = (id: number): SealedAt => ({ label: "mailboxes.record", row: id });

export function insertMailbox(db: Database, sealer: Sealer, mailbox: NewMailbox): number {
  const id = Number(
    db.prepare("INSERT INTO mailboxes (record_sealed, created_at) VALUES (X'', ?)")
      .run(mailbox.createdAt).lastInsertRowid,
  );
  const record: Record = {
    relayOnion: mailbox.relayOnion,
    relayKey: toHex(mailbox.relayKey),
    slots: mailbox.slots,
    epochSeconds: mailbox.epochSeconds,
    ownerSeed: toHex(mailbox.ownerSeed),
    ownerKey: toHex(mailbox.ownerKey),
    fetchId: toHex(mailbox.fetchId),
    depositId: toHex(mailbox.depositId),
    boxPublic: toHex(mailbox.boxPublic),
    boxSecret: toHex(mailbox.boxSecret),
  };
  db.prepare("UPDATE mailboxes SET record_sealed = ? WHERE id = ?").run(
    sealer.sealJson(at(id), record),
    id,
  );
  return id;
}

/** Every mailbox, oldest first. */
export function listMailboxes(db: Database, sealer: Sealer): Mailbox[] {
  const rows = db.prepare("SELECT id, record_sealed, created_at FROM mailboxes ORDER BY id")
    .all() as Array<{ id: number; record_sealed: Uint8Array; created_at: number }>;
  return rows.map((row) => {
    const id = Number(row.id);
    const r = sealer.openJson<Record>(at(id), new Uint8Array(row.record_sealed));
    return {
      id,
      relayOnion: r.relayOnion,
      relayKey: fromHex(r.relayKey),
      slots: r.slots,
      epochSeconds: r.epochSeconds,
      ownerSeed: fromHex(r.ownerSeed),
      ownerKey: fromHex(r.ownerKey),
      fetchId: fromHex(r.fetchId),
      depositId: fromHex(r.depositId),
      boxPublic: fromHex(r.boxPublic),
      boxSecret: fromHex(r.boxSecret),
      createdAt: Number(row.created_at),
    };
  });
}

export function deleteMailbox(db: Database, id: number): boolean {
  return Number(db.prepare("DELETE FROM mailboxes WHERE id = ?").run(id).changes) > 0;
}

/** What the card says about a mailbox (everything a sender needs, nothing secret). */
export function cardMailbox(mailbox: Mailbox): CardMailbox {
  return {
    onion: mailbox.relayOnion,
    key: new Uint8Array(mailbox.relayKey),
    deposit: new Uint8Array(mailbox.depositId),
    box: new Uint8Array(mailbox.boxPublic),
    slots: mailbox.slots,
    epochSeconds: mailbox.epochSeconds,
  };
}
