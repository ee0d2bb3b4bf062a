/**
 * libsignal's five store interfaces over sealed SQLite rows (migration 3). Every record is
 * sealed with a label naming its row, so a record copied to another row does not open.
 *
 * Contracts libsignal relies on (notes/libsignal.md): `get*PreKey` throw when missing;
 * `saveIdentity` returns an `IdentityChange`; `markKyberPreKeyUsed` deletes one-time Kyber keys
 * and, for last-resort keys, records (kyber id, signed prekey id, base key) and refuses a repeat,
 * which stops replays of a PreKey message after its session was dropped.
 *
 * Trust: identity keys are not learned from the network. A peer's libsignal identity key is the
 * one in its verified card; `trustedKey(addressName)` supplies it, and any other key is untrusted.
 */
import {
  Direction,
  IdentityChange,
  type IdentityKeyPair,
  IdentityKeyStore,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyRecord,
  PreKeyStore,
  type PrivateKey,
  type ProtocolAddress,
  PublicKey,
  SessionRecord,
  SessionStore,
  SignedPreKeyRecord,
  SignedPreKeyStore,
} from "@signalapp/libsignal-client";
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import {
  kyberPreKeyAt,
  openRecord,
  rowTag,
  type SignalKeys,
  signedPreKeyAt,
} from "./signal_keys.ts";
import { KYBER_REPLAY, type SessionStores } from "../crypto/signal_session.ts";

/**
 * Looks up the libsignal identity key a contact's card vouches for, by address name. The caller
 * keeps one deserialized key per contact (signal_context.ts): this store runs twice per message
 * received, and a key deserialized per call would leave Node-API bookkeeping behind each time.
 */
export type TrustedKeyLookup = (addressName: string) => PublicKey | undefined;

export function sqlSessionStores(
  db: Database,
  sealer: Sealer,
  keys: SignalKeys,
  localAddress: string,
  trustedKey: TrustedKeyLookup,
): SessionStores {
  return {
    localAddress,
    identity: new SqlIdentityStore(keys, trustedKey),
    session: new SqlSessionStore(db, sealer, keys.indexKey),
    preKey: new SqlPreKeyStore(db, sealer),
    signedPreKey: new SqlSignedPreKeyStore(db, sealer),
    kyberPreKey: new SqlKyberPreKeyStore(db, sealer, keys.indexKey),
  };
}

export class SqlIdentityStore extends IdentityKeyStore {
  constructor(private readonly keys: SignalKeys, private readonly trustedKey: TrustedKeyLookup) {
    super();
  }

  getIdentityKey(): Promise<PrivateKey> {
    return Promise.resolve(this.keys.identityKeyPair.privateKey);
  }

  override getIdentityKeyPair(): Promise<IdentityKeyPair> {
    return Promise.resolve(this.keys.identityKeyPair);
  }

  getLocalRegistrationId(): Promise<number> {
    return Promise.resolve(this.keys.registrationId);
  }

  /** The card is the source of truth: nothing is learned here, only compared. */
  saveIdentity(name: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const trusted = this.trustedKey(name.name());
    return Promise.resolve(
      trusted !== undefined && key.equals(trusted)
        ? IdentityChange.NewOrUnchanged
        : IdentityChange.ReplacedExisting,
    );
  }

  isTrustedIdentity(
    name: ProtocolAddress,
    key: PublicKey,
    _direction: Direction,
  ): Promise<boolean> {
    const trusted = this.trustedKey(name.name());
    return Promise.resolve(trusted !== undefined && key.equals(trusted));
  }

  getIdentity(name: ProtocolAddress): Promise<PublicKey | null> {
    return Promise.resolve(this.trustedKey(name.name()) ?? null);
  }
}

export class SqlSessionStore extends SessionStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
    private readonly indexKey: Uint8Array,
  ) {
    super();
  }

  #tag(address: ProtocolAddress): Uint8Array {
    return sessionTag(this.indexKey, `${address.name()}.${address.deviceId()}`);
  }

  saveSession(name: ProtocolAddress, record: SessionRecord): Promise<void> {
    const tag = this.#tag(name);
    this.db.prepare(
      "INSERT OR REPLACE INTO signal_sessions (address_tag, record_sealed) VALUES (?, ?)",
    ).run(tag, this.sealer.seal(sessionAt(tag), record.serialize()));
    return Promise.resolve();
  }

  getSession(name: ProtocolAddress): Promise<SessionRecord | null> {
    const tag = this.#tag(name);
    const row = this.db.prepare("SELECT record_sealed FROM signal_sessions WHERE address_tag = ?")
      .get(tag) as { record_sealed: Uint8Array } | undefined;
    if (!row) return Promise.resolve(null);
    return Promise.resolve(
      SessionRecord.deserialize(
        openRecord(this.sealer, sessionAt(tag), new Uint8Array(row.record_sealed)),
      ),
    );
  }

  async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    const records: SessionRecord[] = [];
    for (const address of addresses) {
      const record = await this.getSession(address);
      if (!record) throw new Error(`no session for ${address.toString()}`);
      records.push(record);
    }
    return records;
  }
}

/** The row tag of the session with a libsignal address (`name.deviceId`). */
export function sessionTag(indexKey: Uint8Array, addressText: string): Uint8Array {
  return rowTag(indexKey, "signal.session", new TextEncoder().encode(addressText));
}

/** Deletes the session with a peer (after a key change or when the contact is removed). */
export function deleteSession(db: Database, indexKey: Uint8Array, addressName: string): void {
  db.prepare("DELETE FROM signal_sessions WHERE address_tag = ?").run(
    sessionTag(indexKey, `${addressName}.1`),
  );
}

function sessionAt(tag: Uint8Array): SealedAt {
  return { label: "signal_sessions.record", row: tag };
}

function preKeyAt(id: number): SealedAt {
  return { label: "signal_prekeys.record", row: id };
}

/** One-time prekeys: supported by the interface; Legion's cards publish none today. */
export class SqlPreKeyStore extends PreKeyStore {
  constructor(private readonly db: Database, private readonly sealer: Sealer) {
    super();
  }

  savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.db.prepare("INSERT OR REPLACE INTO signal_prekeys (id, record_sealed) VALUES (?, ?)").run(
      id,
      this.sealer.seal(preKeyAt(id), record.serialize()),
    );
    return Promise.resolve();
  }

  getPreKey(id: number): Promise<PreKeyRecord> {
    const row = this.db.prepare("SELECT record_sealed FROM signal_prekeys WHERE id = ?").get(id) as
      | { record_sealed: Uint8Array }
      | undefined;
    if (!row) return Promise.reject(new Error(`no prekey ${id}`));
    return Promise.resolve(
      PreKeyRecord.deserialize(
        openRecord(this.sealer, preKeyAt(id), new Uint8Array(row.record_sealed)),
      ),
    );
  }

  removePreKey(id: number): Promise<void> {
    this.db.prepare("DELETE FROM signal_prekeys WHERE id = ?").run(id);
    return Promise.resolve();
  }
}

export class SqlSignedPreKeyStore extends SignedPreKeyStore {
  constructor(private readonly db: Database, private readonly sealer: Sealer) {
    super();
  }

  saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.db.prepare(
      "INSERT OR REPLACE INTO signal_signed_prekeys (id, record_sealed, created_at) VALUES (?, ?, ?)",
    ).run(id, this.sealer.seal(signedPreKeyAt(id), record.serialize()), record.timestamp());
    return Promise.resolve();
  }

  getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    const row = this.db.prepare("SELECT record_sealed FROM signal_signed_prekeys WHERE id = ?")
      .get(id) as { record_sealed: Uint8Array } | undefined;
    if (!row) return Promise.reject(new Error(`no signed prekey ${id}`));
    return Promise.resolve(
      SignedPreKeyRecord.deserialize(
        openRecord(this.sealer, signedPreKeyAt(id), new Uint8Array(row.record_sealed)),
      ),
    );
  }
}

export class SqlKyberPreKeyStore extends KyberPreKeyStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
    private readonly indexKey: Uint8Array,
  ) {
    super();
  }

  saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.db.prepare(
      "INSERT OR REPLACE INTO signal_kyber_prekeys (id, record_sealed, created_at, last_resort) VALUES (?, ?, ?, 0)",
    ).run(id, this.sealer.seal(kyberPreKeyAt(id), record.serialize()), record.timestamp());
    return Promise.resolve();
  }

  getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    const row = this.db.prepare("SELECT record_sealed FROM signal_kyber_prekeys WHERE id = ?")
      .get(id) as { record_sealed: Uint8Array } | undefined;
    if (!row) return Promise.reject(new Error(`no Kyber prekey ${id}`));
    return Promise.resolve(
      KyberPreKeyRecord.deserialize(
        openRecord(this.sealer, kyberPreKeyAt(id), new Uint8Array(row.record_sealed)),
      ),
    );
  }

  markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    const row = this.db.prepare("SELECT last_resort FROM signal_kyber_prekeys WHERE id = ?").get(
      id,
    ) as { last_resort: number } | undefined;
    if (!row) return Promise.reject(new Error(`no Kyber prekey ${id}`));
    if (Number(row.last_resort) === 0) {
      this.db.prepare("DELETE FROM signal_kyber_prekeys WHERE id = ?").run(id);
      return Promise.resolve();
    }
    const triple = new Uint8Array([...u32(id), ...u32(signedPreKeyId), ...baseKey.serialize()]);
    const tag = rowTag(this.indexKey, "signal.kyber-used", triple);
    const result = this.db.prepare(
      "INSERT OR IGNORE INTO signal_kyber_used (tag, kyber_id) VALUES (?, ?)",
    ).run(tag, id);
    if (Number(result.changes) === 0) {
      return Promise.reject(new Error(`${KYBER_REPLAY} (replay)`));
    }
    return Promise.resolve();
  }
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
