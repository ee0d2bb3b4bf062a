/**
 * This node's libsignal keys at rest: the identity key pair, registration id and an index key
 * (one sealed row), and the signed + Kyber last-resort prekey pairs (one sealed row each, same id).
 *
 * Rotation: the newest pair is "current" and goes into exported cards. When it is older than
 * {@link ROTATE_AFTER_MS} a new pair is made; the old one keeps working for sessions started from
 * cards already handed out until `retire_after` (the longest card validity plus a delivery grace
 * period), then it is deleted.
 *
 * The index key tags row keys (HMAC-SHA-256), so a contact's key, name or address can be looked
 * up without being stored in the clear.
 */
import { createHmac, randomBytes } from "node:crypto";
import {
  IdentityKeyPair,
  KyberPreKeyRecord,
  SignedPreKeyRecord,
} from "@signalapp/libsignal-client";
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { generatePreKeys, generateSignalIdentity } from "../crypto/session_keys.ts";
import { fromBase64, toBase64 } from "../crypto/base64.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A new signed/Kyber prekey pair is made when the current one is this old. */
export const ROTATE_AFTER_MS = 7 * DAY_MS;
/** Longest validity of an exported card (and the default is shorter; see card command). */
export const MAX_CARD_VALIDITY_MS = 90 * DAY_MS;
/** Extra time a replaced prekey stays, for PreKey messages still queued somewhere. */
export const RETIRE_GRACE_MS = 14 * DAY_MS;

/** The one libsignal identity row (id 1). */
const IDENTITY_AT: SealedAt = { label: "signal_identity.keys", row: 1 };

export interface SignalKeys {
  identityKeyPair: IdentityKeyPair;
  registrationId: number;
  /** 32-byte key for row tags; never leaves the vault. */
  indexKey: Uint8Array;
}

export function signedPreKeyAt(id: number): SealedAt {
  return { label: "signal_signed_prekeys.record", row: id };
}

export function kyberPreKeyAt(id: number): SealedAt {
  return { label: "signal_kyber_prekeys.record", row: id };
}

/** HMAC-SHA-256(indexKey, domain || 0x00 || data): a row tag that hides `data`. */
export function rowTag(indexKey: Uint8Array, domain: string, data: Uint8Array): Uint8Array {
  const mac = createHmac("sha256", indexKey);
  mac.update(new TextEncoder().encode(domain));
  mac.update(new Uint8Array([0]));
  mac.update(data);
  return new Uint8Array(mac.digest());
}

export function hasSignalKeys(db: Database): boolean {
  return db.prepare("SELECT 1 FROM signal_identity WHERE id = 1").get() !== undefined;
}

/** Creates the identity row and the first prekey pair (id 1). Call inside a transaction. */
export function createSignalKeys(db: Database, sealer: Sealer, now: number): void {
  const { identityKeyPair, registrationId } = generateSignalIdentity();
  const indexKey = new Uint8Array(randomBytes(32));
  db.prepare("INSERT INTO signal_identity (id, keys_sealed) VALUES (1, ?)").run(
    sealer.sealJson(IDENTITY_AT, {
      identityKeyPair: toBase64(identityKeyPair.serialize()),
      registrationId,
      indexKey: toBase64(indexKey),
    }),
  );
  insertPreKeys(db, sealer, identityKeyPair, 1, now);
}

export function loadSignalKeys(db: Database, sealer: Sealer): SignalKeys {
  const row = db.prepare("SELECT keys_sealed FROM signal_identity WHERE id = 1").get() as
    | { keys_sealed: Uint8Array }
    | undefined;
  if (!row) throw new RangeError("signal keys missing: call ensureSignalKeys first");
  const stored = sealer.openJson<{
    identityKeyPair: string;
    registrationId: number;
    indexKey: string;
  }>(IDENTITY_AT, new Uint8Array(row.keys_sealed));
  return {
    identityKeyPair: IdentityKeyPair.deserialize(fromBase64(stored.identityKeyPair)!),
    registrationId: stored.registrationId,
    indexKey: fromBase64(stored.indexKey)!,
  };
}

/**
 * Loads the keys, creating them first for a data dir made before libsignal keys existed, and
 * rotating the prekey pair when it is due. Call inside a write.
 */
export function ensureSignalKeys(db: Database, sealer: Sealer, now: number): SignalKeys {
  if (!hasSignalKeys(db)) createSignalKeys(db, sealer, now);
  const keys = loadSignalKeys(db, sealer);
  rotatePreKeys(db, sealer, keys, now);
  return keys;
}

/** Makes a new prekey pair if the current one is due, and deletes retired pairs (inside a write). */
export function rotatePreKeys(
  db: Database,
  sealer: Sealer,
  keys: SignalKeys,
  now: number,
  options: { force?: boolean } = {},
): boolean {
  const current = currentPreKeyRow(db);
  const due = options.force || current === undefined || now - current.created_at >= ROTATE_AFTER_MS;
  const expired = db.prepare(
    "SELECT COUNT(*) AS n FROM signal_signed_prekeys WHERE retire_after IS NOT NULL AND retire_after < ?",
  ).get(now) as { n: number };
  if (!due && Number(expired.n) === 0) return false;
  if (due) {
    const nextId = (current?.id ?? 0) + 1;
    const retireAfter = now + MAX_CARD_VALIDITY_MS + RETIRE_GRACE_MS;
    db.prepare(
      "UPDATE signal_signed_prekeys SET retire_after = ? WHERE retire_after IS NULL",
    ).run(retireAfter);
    db.prepare(
      "UPDATE signal_kyber_prekeys SET retire_after = ? WHERE retire_after IS NULL AND last_resort = 1",
    ).run(retireAfter);
    insertPreKeys(db, sealer, keys.identityKeyPair, nextId, now);
  }
  db.prepare("DELETE FROM signal_signed_prekeys WHERE retire_after < ?").run(now);
  db.prepare("DELETE FROM signal_kyber_prekeys WHERE retire_after < ?").run(now);
  return due;
}

/** The current (newest) signed and Kyber prekey records, the ones cards carry. */
export function currentPreKeys(
  db: Database,
  sealer: Sealer,
): { signedPreKey: SignedPreKeyRecord; kyberPreKey: KyberPreKeyRecord } {
  const row = currentPreKeyRow(db);
  if (!row) throw new RangeError("no prekeys: call ensureSignalKeys first");
  const kyber = db.prepare("SELECT record_sealed FROM signal_kyber_prekeys WHERE id = ?").get(
    row.id,
  ) as { record_sealed: Uint8Array };
  return {
    signedPreKey: SignedPreKeyRecord.deserialize(
      openRecord(sealer, signedPreKeyAt(row.id), new Uint8Array(row.record_sealed)),
    ),
    kyberPreKey: KyberPreKeyRecord.deserialize(
      openRecord(sealer, kyberPreKeyAt(row.id), new Uint8Array(kyber.record_sealed)),
    ),
  };
}

function currentPreKeyRow(
  db: Database,
): { id: number; created_at: number; record_sealed: Uint8Array } | undefined {
  const row = db.prepare(
    "SELECT id, created_at, record_sealed FROM signal_signed_prekeys ORDER BY id DESC LIMIT 1",
  ).get() as { id: number; created_at: number; record_sealed: Uint8Array } | undefined;
  return row && { ...row, id: Number(row.id), created_at: Number(row.created_at) };
}

function insertPreKeys(
  db: Database,
  sealer: Sealer,
  identity: IdentityKeyPair,
  id: number,
  now: number,
): void {
  const { signedPreKey, kyberPreKey } = generatePreKeys(identity, id, now);
  db.prepare(
    "INSERT INTO signal_signed_prekeys (id, record_sealed, created_at) VALUES (?, ?, ?)",
  ).run(id, sealer.seal(signedPreKeyAt(id), signedPreKey.serialize()), now);
  db.prepare(
    "INSERT INTO signal_kyber_prekeys (id, record_sealed, created_at, last_resort) VALUES (?, ?, ?, 1)",
  ).run(id, sealer.seal(kyberPreKeyAt(id), kyberPreKey.serialize()), now);
}

/** Opens a sealed record into a fresh `Uint8Array<ArrayBuffer>` (what libsignal's types want). */
export function openRecord(
  sealer: Sealer,
  at: SealedAt,
  sealed: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return new Uint8Array(sealer.open(at, sealed));
}
