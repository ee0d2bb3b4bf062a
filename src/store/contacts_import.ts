/**
 * `card import` as a store operation: verify the card, then add, refresh or (with `replace`)
 * re-key a contact. A key change is never silent: without `replace` it is refused, and with it
 * the contact loses its verified mark and its session. A new libsignal key for the same Ed25519
 * key (a restore) keeps the contact's id and history; a different Ed25519 key under the same name
 * is someone else as far as the store knows, so the old contact is removed with its history and
 * the new one is added (new id, nothing inherited).
 *
 * A libsignal identity key already held by another contact (another Ed25519 key) is refused.
 *
 * A contact is the same person when the Ed25519 key matches; its keys "changed" when the card
 * carries a different libsignal identity key for that Ed25519 key (e.g. a restore from the
 * phrase), or a different Ed25519 key under a name already in use.
 */
import type { SignalContext } from "./signal_context.ts";
import type { Contact } from "./contacts.ts";
import { isValidName, verifyCard } from "../crypto/card.ts";
import { CardError } from "../crypto/card_error.ts";
import { LegionError } from "../errors.ts";

export type ImportStatus = "added" | "updated" | "unchanged" | "replaced";

export interface ImportResult {
  status: ImportStatus;
  contact: Contact;
  /** For `replaced`: the safety number is new and the verified mark is gone. */
  previousVerified?: boolean;
}

export interface ImportOptions {
  now: number;
  /** Local name; defaults to the card's name hint (or keeps the existing contact's name). */
  name?: string;
  /** Accept a key change for an existing contact. */
  replace?: boolean;
}

export async function importCard(
  signal: SignalContext,
  text: string,
  options: ImportOptions,
): Promise<ImportResult> {
  const card = await verifyCard(text, { now: options.now });
  if (options.name !== undefined && !isValidName(options.name)) {
    throw new LegionError(
      "usage",
      "A contact name must be 1–64 printable characters (no control, bidi or invisible ones)",
    );
  }
  if (equal(card.ed25519, signal.ownEd25519) || equal(card.identityKey, signal.identityKey)) {
    throw new CardError("self", "Cannot import card: it is your own card", {
      hint: "import the card of the person you want to talk to",
    });
  }
  const cardText = text.trim();
  const contacts = signal.contacts;
  const result = await signal.store.write((): ImportResult => {
    assertIdentityKeyFree(signal, card.ed25519, card.identityKey);
    const byKey = contacts.byKey(card.ed25519);
    if (byKey) {
      const name = options.name ?? byKey.name;
      if (name !== byKey.name) assertNameFree(signal, name);
      if (!equal(byKey.card.identityKey, card.identityKey)) {
        if (!options.replace) throw keyChanged(byKey.name);
        signal.resetSession(byKey);
        return {
          status: "replaced",
          previousVerified: byKey.verified,
          contact: contacts.update(byKey.id, {
            name,
            cardText,
            verified: false,
            addedAt: byKey.addedAt,
            updatedAt: options.now,
            keyChangedAt: options.now,
          }),
        };
      }
      if (card.created <= byKey.card.created && name === byKey.name) {
        return { status: "unchanged", contact: byKey };
      }
      const newer = card.created > byKey.card.created;
      return {
        status: "updated",
        contact: contacts.update(byKey.id, {
          name,
          cardText: newer ? cardText : byKey.cardText,
          verified: byKey.verified,
          addedAt: byKey.addedAt,
          updatedAt: options.now,
          ...(byKey.keyChangedAt === undefined ? {} : { keyChangedAt: byKey.keyChangedAt }),
        }),
      };
    }
    const name = options.name ?? card.name;
    if (name === undefined) {
      throw new LegionError("usage", "The card has no name hint", {
        hint: "choose a local name with --name NAME",
      });
    }
    const byName = contacts.byName(name);
    if (byName) {
      if (!options.replace) {
        throw keyChanged(
          byName.name,
          "choose another name with --name NAME if this is someone else",
        );
      }
      // A different Ed25519 key is a different identity: the old one goes with its session,
      // messages, queue and seen ids, and the new one starts clean under a new id.
      signal.resetSession(byName);
      contacts.remove(byName.id);
      return {
        status: "replaced",
        previousVerified: byName.verified,
        contact: contacts.insert({
          name,
          cardText,
          verified: false,
          addedAt: options.now,
          updatedAt: options.now,
          keyChangedAt: options.now,
        }),
      };
    }
    return {
      status: "added",
      contact: contacts.insert({
        name,
        cardText,
        verified: false,
        addedAt: options.now,
        updatedAt: options.now,
      }),
    };
  });
  signal.contactsChanged();
  return result;
}

/** Renames a contact; the new name must be free. */
export async function renameContact(
  signal: SignalContext,
  oldName: string,
  newName: string,
): Promise<Contact> {
  if (!isValidName(newName)) {
    throw new LegionError(
      "usage",
      "A contact name must be 1–64 printable characters (no control, bidi or invisible ones)",
    );
  }
  return await signal.store.write(() => {
    const contact = signal.contact(oldName);
    if (newName === contact.name) return contact;
    assertNameFree(signal, newName);
    const { id: _, ed25519: _k, onion: _o, card: _c, ...stored } = contact;
    return signal.contacts.update(contact.id, { ...stored, name: newName });
  });
}

/** Sets or clears a contact's verified mark. */
export function markVerified(
  signal: SignalContext,
  contact: Contact,
  verified: boolean,
): Promise<Contact> {
  const { id: _, ed25519: _k, onion: _o, card: _c, ...stored } = contact;
  return signal.store.write(() => signal.contacts.update(contact.id, { ...stored, verified }));
}

function assertNameFree(signal: SignalContext, name: string): void {
  if (signal.contacts.byName(name)) {
    throw new LegionError(
      "contact_exists",
      `A contact named ${JSON.stringify(name)} already exists`,
      {
        hint: "choose another name",
      },
    );
  }
}

/**
 * Refuses a libsignal identity key that another contact (another Ed25519 key) already holds:
 * two identities sharing one libsignal key is the unknown key-share the card binding prevents,
 * so it is refused here too in case a binding was ever obtained. Contacts are sealed and few, so
 * this scans them rather than storing another tag.
 */
function assertIdentityKeyFree(
  signal: SignalContext,
  ed25519: Uint8Array,
  identityKey: Uint8Array,
): void {
  const holder = signal.contacts.list().find((contact) =>
    equal(contact.card.identityKey, identityKey) && !equal(contact.ed25519, ed25519)
  );
  if (holder) {
    throw new CardError(
      "identity_key_in_use",
      `Cannot import card: its libsignal identity key belongs to contact ${
        JSON.stringify(holder.name)
      }`,
      { hint: "two contacts cannot share one libsignal key; the card may be forged" },
    );
  }
}

function keyChanged(name: string, extraHint?: string): CardError {
  return new CardError(
    "key_changed",
    `Cannot import card: the keys of contact ${JSON.stringify(name)} have changed — ` +
      "this may be an attack",
    {
      hint: "confirm with them over another channel, then repeat with --replace" +
        (extraHint ? `; ${extraHint}` : ""),
    },
  );
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
