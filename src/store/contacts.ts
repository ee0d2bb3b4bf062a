/**
 * Contacts at rest. Each row is one sealed record (local name, the last verified card, verified
 * flag, times); the only other columns are keyed tags of the Ed25519 key and of the name, so
 * lookups and uniqueness work without either being readable in the file.
 *
 *   contacts(id, key_tag = HMAC(indexKey, "contact.key" || 0 || ed25519),
 *            name_tag = HMAC(indexKey, "contact.name" || 0 || NFC(name)),
 *            record_sealed = seal(contacts.record @ "<id>/<hex key_tag>", JSON record))
 *
 * The record is bound to its row's id and key tag: moved under another id (where messages and
 * the queue would follow it) or another key, it does not open.
 */
import type { Database } from "./db.ts";
import type { SealedAt, Sealer } from "./sealer.ts";
import { rowTag } from "./signal_keys.ts";
import { deleteContactHistory } from "./contact_history.ts";
import { type ContactCard, parseCard } from "../crypto/card.ts";
import { toHex } from "../crypto/hex.ts";

export interface Contact {
  id: number;
  /** Local name, unique among contacts (NFC). */
  name: string;
  /** Ed25519 identity key, 32 bytes: the contact's stable identifier. */
  ed25519: Uint8Array;
  /** Onion address with `.onion`. */
  onion: string;
  /** The last card imported for this contact (verified when imported). */
  card: ContactCard;
  cardText: string;
  /** Set by `contacts verify --mark-verified`; cleared by a key change. */
  verified: boolean;
  addedAt: number;
  updatedAt: number;
  /** When the contact's keys were last replaced (`card import --replace`). */
  keyChangedAt?: number;
}

interface StoredContact {
  name: string;
  cardText: string;
  verified: boolean;
  addedAt: number;
  updatedAt: number;
  keyChangedAt?: number;
}

export type NewContact = Omit<StoredContact, "name"> & { name: string };

interface Row {
  id: number;
  key_tag: Uint8Array;
  record_sealed: Uint8Array;
}

/** Parsed cards kept per ContactStore (least recently used dropped first). */
const MAX_PARSED_CARDS = 256;

export class ContactStore {
  /**
   * Parsed cards by card text. A lookup runs for every message received, and parsing a card
   * checks its keys by deserializing them with libsignal: three libsignal objects per lookup,
   * each leaving ≈50 bytes of Node-API bookkeeping that Deno never frees (docs/security.md,
   * "Memory"). `parseCard` is a pure function of the text, so reusing its result changes nothing
   * else; each caller still gets its own copy.
   */
  readonly #cards = new Map<string, ContactCard>();

  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
    private readonly indexKey: Uint8Array,
  ) {}

  /** Every contact, sorted by name. */
  list(): Contact[] {
    const rows = this.db.prepare("SELECT id, key_tag, record_sealed FROM contacts")
      .all() as unknown as Row[];
    return rows.map((row) => this.#decode(row)).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  byName(name: string): Contact | undefined {
    return this.#one("name_tag", this.nameTag(name));
  }

  byKey(ed25519: Uint8Array): Contact | undefined {
    return this.#one("key_tag", this.keyTag(ed25519));
  }

  byId(id: number): Contact | undefined {
    const row = this.db.prepare("SELECT id, key_tag, record_sealed FROM contacts WHERE id = ?")
      .get(id) as Row | undefined;
    return row && this.#decode(row);
  }

  insert(contact: NewContact): Contact {
    const name = contact.name.normalize("NFC");
    const ed25519 = parseCard(contact.cardText).card.ed25519;
    const keyTag = this.keyTag(ed25519);
    // The sealed record names its id, known only once the row exists: insert, then seal.
    const result = this.db.prepare(
      "INSERT INTO contacts (key_tag, name_tag, record_sealed) VALUES (?, ?, X'')",
    ).run(keyTag, this.nameTag(name));
    const id = Number(result.lastInsertRowid);
    this.db.prepare("UPDATE contacts SET record_sealed = ? WHERE id = ?").run(
      this.#seal(id, keyTag, { ...contact, name }),
      id,
    );
    return this.byId(id)!;
  }

  /** Rewrites a contact (its card may carry a new key: the tags follow). */
  update(id: number, contact: StoredContact): Contact {
    const name = contact.name.normalize("NFC");
    const keyTag = this.keyTag(parseCard(contact.cardText).card.ed25519);
    this.db.prepare(
      "UPDATE contacts SET key_tag = ?, name_tag = ?, record_sealed = ? WHERE id = ?",
    ).run(keyTag, this.nameTag(name), this.#seal(id, keyTag, { ...contact, name }), id);
    return this.byId(id)!;
  }

  /**
   * Deletes a contact with its messages, outbox items and seen ids (secure_delete overwrites
   * them). Ids are never reused (migration 4), so nothing can later point at another contact.
   * Run it inside the caller's transaction, together with deleting the contact's session.
   */
  remove(id: number): void {
    deleteContactHistory(this.db, id);
    this.db.prepare("DELETE FROM contacts WHERE id = ?").run(id);
  }

  keyTag(ed25519: Uint8Array): Uint8Array {
    return rowTag(this.indexKey, "contact.key", ed25519);
  }

  nameTag(name: string): Uint8Array {
    return rowTag(this.indexKey, "contact.name", new TextEncoder().encode(name.normalize("NFC")));
  }

  #one(column: "name_tag" | "key_tag", tag: Uint8Array): Contact | undefined {
    const row = this.db.prepare(
      `SELECT id, key_tag, record_sealed FROM contacts WHERE ${column} = ?`,
    ).get(tag) as Row | undefined;
    return row && this.#decode(row);
  }

  #seal(id: number, keyTag: Uint8Array, record: StoredContact): Uint8Array {
    return this.sealer.sealJson(recordAt(id, keyTag), record);
  }

  #parse(text: string): ContactCard {
    let card = this.#cards.get(text);
    if (card) {
      this.#cards.delete(text);
    } else {
      card = parseCard(text).card;
      if (this.#cards.size >= MAX_PARSED_CARDS) {
        this.#cards.delete(this.#cards.keys().next().value!);
      }
    }
    this.#cards.set(text, card);
    return structuredClone(card);
  }

  #decode(row: Row): Contact {
    const keyTag = new Uint8Array(row.key_tag);
    const stored = this.sealer.openJson<StoredContact>(
      recordAt(Number(row.id), keyTag),
      new Uint8Array(row.record_sealed),
    );
    const card = this.#parse(stored.cardText);
    return {
      id: Number(row.id),
      name: stored.name,
      ed25519: card.ed25519,
      onion: card.onion,
      card,
      cardText: stored.cardText,
      verified: stored.verified,
      addedAt: stored.addedAt,
      updatedAt: stored.updatedAt,
      ...(stored.keyChangedAt === undefined ? {} : { keyChangedAt: stored.keyChangedAt }),
    };
  }
}

function recordAt(id: number, keyTag: Uint8Array): SealedAt {
  return { label: "contacts.record", row: `${id}/${toHex(keyTag)}` };
}
