/**
 * The face of contacts and 1:1 sessions for commands and for messaging: one object per unlocked
 * store that holds this node's libsignal keys, the contact store and the libsignal stores.
 *
 * Operations that touch session state go through the store's one writer (writer.ts): one at a
 * time and each inside one SQLite transaction — the caller's own, when it already writes — so a
 * crash never leaves a half-advanced ratchet, and a caller can commit a decrypted message in the
 * same transaction as the ratchet step.
 *
 * @example
 * const signal = SignalContext.open(store, Date.now());
 * const bob = signal.contact("bob");
 * const ciphertext = await signal.encrypt(bob, plaintext);           // TYPE || libsignal message
 * const { contact, plaintext } = await signal.decrypt(senderKey, ciphertext);
 */
import { PublicKey } from "@signalapp/libsignal-client";
import type { Database } from "./db.ts";
import type { Sealer } from "./sealer.ts";
import { loadIdentity } from "./identity_store.ts";
import {
  ensureSignalKeys,
  MAX_CARD_VALIDITY_MS,
  rotatePreKeys,
  type SignalKeys,
} from "./signal_keys.ts";
import { currentPreKeys } from "./signal_keys.ts";
import { deleteSession, sqlSessionStores } from "./signal_stores.ts";
import { type Contact, ContactStore } from "./contacts.ts";
import { ExportedCards } from "./exported_cards.ts";
import { cardMailbox, listMailboxes } from "./mailboxes.ts";
import { isReadOnly } from "./read_only.ts";
import {
  CARD_VERSION,
  type ContactCard,
  encodeCard,
  isValidName,
  signCardBinding,
} from "../crypto/card.ts";
import { onionAddress } from "../crypto/onion.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import {
  hasSession,
  sessionDecrypt,
  sessionEncrypt,
  type SessionStores,
  startSession,
} from "../crypto/signal_session.ts";
import { SessionError } from "../crypto/session_error.ts";
import { safetyNumber } from "../crypto/safety_number.ts";
import { LegionError } from "../errors.ts";
import type { UnlockedStore } from "./open_store.ts";

/** What the libsignal side needs of an unlocked store. */
export type SignalStoreAccess = Pick<UnlockedStore, "db" | "sealer" | "write" | "writeSync">;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Default validity of an exported card. */
export const DEFAULT_CARD_VALIDITY_MS = 30 * DAY_MS;

export class SignalContext {
  readonly contacts: ContactStore;
  /** The cards this node gave out, served to whoever names one by hash (a QR code's short form). */
  readonly exportedCards: ExportedCards;
  readonly stores: SessionStores;
  /** This node's Ed25519 identity public key (32 bytes). */
  readonly ownEd25519: Uint8Array;
  /** Trusted identity key per libsignal address name, deserialized once (see TrustedKeyLookup). */
  readonly #trusted = new Map<string, PublicKey | undefined>();

  readonly db: Database;
  readonly sealer: Sealer;

  private constructor(
    readonly store: SignalStoreAccess,
    readonly keys: SignalKeys,
    private readonly now: () => number,
  ) {
    const { db, sealer } = store;
    this.db = db;
    this.sealer = sealer;
    const identity = loadIdentity(db, sealer);
    identity.seed.fill(0);
    identity.zkSecret.fill(0);
    this.ownEd25519 = identity.publicKey;
    this.contacts = new ContactStore(db, sealer, keys.indexKey);
    this.exportedCards = new ExportedCards(db, sealer, keys.indexKey);
    this.stores = sqlSessionStores(db, sealer, keys, toHex(this.ownEd25519), (name) => {
      if (!this.#trusted.has(name)) {
        const key = /^[0-9a-f]{64}$/.test(name) ? this.contacts.byKey(fromHex(name)) : undefined;
        this.#trusted.set(
          name,
          key && PublicKey.deserialize(key.card.identityKey.slice()),
        );
      }
      return this.#trusted.get(name);
    });
  }

  /**
   * Opens the libsignal side of an unlocked store: creates the keys if this data dir has none yet
   * and rotates the prekeys when due. `now` is read again for every later operation if a
   * function is given.
   */
  static open(store: SignalStoreAccess, now: number | (() => number)): SignalContext {
    const clock = typeof now === "function" ? now : () => now;
    const keys = store.writeSync(() => ensureSignalKeys(store.db, store.sealer, clock()));
    return new SignalContext(store, keys, clock);
  }

  /** This node's libsignal identity public key, serialised (33 bytes). */
  get identityKey(): Uint8Array {
    return this.keys.identityKeyPair.publicKey.serialize();
  }

  /** This node's onion address with `.onion`. */
  get onion(): string {
    return `${onionAddress(this.ownEd25519)}.onion`;
  }

  /** This node's current card, signed; valid for `validityMs` (default 30 days, at most 90). */
  async exportCard(
    options: { name?: string; validityMs?: number; shortForm?: boolean } = {},
  ): Promise<string> {
    const validity = options.validityMs ?? DEFAULT_CARD_VALIDITY_MS;
    if (!(validity > 0 && validity <= MAX_CARD_VALIDITY_MS)) {
      throw new RangeError("card validity must be within (0, 90 days]");
    }
    if (options.name !== undefined && !isValidName(options.name)) {
      throw new LegionError(
        "usage",
        "The name hint must be 1–64 printable characters (no control, bidi or invisible ones)",
      );
    }
    const created = Math.floor(this.now() / 1000) * 1000;
    const { signedPreKey, kyberPreKey } = currentPreKeys(this.db, this.sealer);
    const ed25519 = this.ownEd25519.slice();
    const onion = this.onion;
    const card: ContactCard = {
      version: CARD_VERSION,
      ...(options.name === undefined ? {} : { name: options.name }),
      ed25519,
      onion,
      identityKey: this.identityKey.slice(),
      binding: signCardBinding(this.keys.identityKeyPair.privateKey, { ed25519, onion }),
      registrationId: this.keys.registrationId,
      signedPreKey: {
        id: signedPreKey.id(),
        key: signedPreKey.publicKey().serialize(),
        signature: signedPreKey.signature(),
      },
      kyberPreKey: {
        id: kyberPreKey.id(),
        key: kyberPreKey.publicKey().serialize(),
        signature: kyberPreKey.signature(),
      },
      created,
      expires: created + validity,
      mailboxes: listMailboxes(this.db, this.sealer).map(cardMailbox),
    };
    const identity = loadIdentity(this.db, this.sealer);
    let text: string;
    try {
      text = await encodeCard(card, identity.seed);
    } finally {
      identity.seed.fill(0);
      identity.zkSecret.fill(0);
    }
    // Kept (sealed) so the node can serve it to whoever scans its QR code's short form. A home on
    // read-only media can still hand out a full card; only a short form needs the card kept, so
    // there the write (and its `read_only` error) happens only when one was asked for.
    if (options.shortForm || !isReadOnly(this.db)) {
      await this.store.write(() => this.exportedCards.remember(text, card.expires, this.now()));
    }
    return text;
  }

  /** The unexpired card this node exported whose SHA-256 is `hash`, if any. */
  exportedCard(hash: Uint8Array): string | undefined {
    return this.exportedCards.byHash(hash, this.now());
  }

  /** A contact by local name. @throws {LegionError} `no_contact` when there is none. */
  contact(name: string): Contact {
    const contact = this.contacts.byName(name);
    if (!contact) {
      throw new LegionError("no_contact", `No contact named ${JSON.stringify(name)}`, {
        hint: "see `legion contacts list`",
      });
    }
    return contact;
  }

  /** A contact by Ed25519 identity key (how the transport's hello names a peer), if any. */
  contactByKey(ed25519: Uint8Array): Contact | undefined {
    return this.contacts.byKey(ed25519);
  }

  /** A contact by its row id (stable across renames and key replacement), if any. */
  contactById(id: number): Contact | undefined {
    return this.contacts.byId(id);
  }

  /** The 60-digit safety number with a contact (same on both sides). */
  safetyNumber(contact: Contact): string {
    return safetyNumber(
      { ed25519: this.ownEd25519, identityKey: this.identityKey },
      { ed25519: contact.ed25519, identityKey: contact.card.identityKey },
    );
  }

  /**
   * Encrypts for a contact, starting a session from its card's prekey bundle (PQXDH) if none
   * exists. Returns `TYPE (1) || libsignal message` (see crypto/signal_session.ts).
   */
  encrypt(contact: Contact, plaintext: Uint8Array): Promise<Uint8Array> {
    return this.#exclusive(async () => {
      const remote = toHex(contact.ed25519);
      if (!(await hasSession(this.stores, remote))) {
        await startSession(this.stores, remote, contact.card, { now: this.now() });
      }
      return await sessionEncrypt(this.stores, remote, plaintext, { now: this.now() });
    });
  }

  /**
   * Decrypts a message from the peer whose Ed25519 key is `senderEd25519` (authenticated by the
   * transport). The sender must be a contact.
   *
   * @throws {SessionError} `duplicate` (replay), `untrusted_identity`, `invalid_message`,
   *   `no_session` (not a contact, or no session and not a PreKey message)
   */
  decrypt(
    senderEd25519: Uint8Array,
    ciphertext: Uint8Array,
  ): Promise<{ contact: Contact; plaintext: Uint8Array }> {
    return this.#exclusive(async () => {
      const contact = this.contacts.byKey(senderEd25519);
      if (!contact) throw new SessionError("no_session", "Cannot decrypt: sender is not a contact");
      const plaintext = await sessionDecrypt(this.stores, toHex(contact.ed25519), ciphertext);
      return { contact, plaintext };
    });
  }

  /** Forgets the session with a contact (the next message starts a new one from its card). */
  resetSession(contact: Contact): void {
    deleteSession(this.db, this.keys.indexKey, toHex(contact.ed25519));
  }

  /** Removes a contact and its session. */
  async removeContact(contact: Contact): Promise<void> {
    await this.store.write(() => {
      this.resetSession(contact);
      this.contacts.remove(contact.id);
    });
    this.contactsChanged();
  }

  /**
   * Rotates the signed + Kyber prekeys if the current pair is older than ROTATE_AFTER_MS and
   * deletes retired pairs; returns true when a new pair was made (then hand out a fresh card,
   * e.g. inside a later message, so contacts start future sessions from the new keys).
   * `open()` does this too; a long-running node calls it on a timer.
   */
  rotatePreKeysIfDue(): Promise<boolean> {
    return this.store.write(() => rotatePreKeys(this.db, this.sealer, this.keys, this.now()));
  }

  /** Drops cached trust decisions; call after changing contacts outside this class. */
  contactsChanged(): void {
    this.#trusted.clear();
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.store.write(fn);
  }
}
