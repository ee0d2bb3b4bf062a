/**
 * Contact cards: how two people introduce themselves, out of band, without any directory.
 *
 * Wire format (version 3; version 2 is the same without `mailboxes` and still imports): one line of canonical JSON (see canonical_json.ts), UTF-8, at most
 * {@link MAX_CARD_BYTES} bytes, optionally followed by whitespace:
 *
 * ```
 * { "created": "2026-11-22T00:00:00Z",          // whole seconds, UTC, 2020 ≤ t < 2200
 *   "ed25519": base64(32),                        // the Ed25519 identity (signs this card)
 *   "expires": "2026-12-22T00:00:00Z",
 *   "name": "alice",                              // optional hint, see isValidName
 *   "onion": "<56 base32>.onion",                 // must derive from ed25519 (rend-spec-v3 §6)
 *   "signal": {
 *     "binding": base64(64),                      // XEdDSA by identityKey, see below
 *     "identityKey": base64(33),                  // libsignal identity key (0x05 || X25519)
 *     "kyberPreKey": { "id": n, "key": base64(1569), "signature": base64(64) },
 *     "registrationId": n,                        // 1..16380
 *     "signedPreKey": { "id": n, "key": base64(33), "signature": base64(64) } },
 *   "mailboxes": [                              // v3 only: 0..4 relay mailboxes (docs/relay.md)
 *     { "box": base64(32),                        //   X25519 key envelopes are sealed to
 *       "deposit": base64(16),                    //   the mailbox's deposit id
 *       "epochSeconds": n, "slots": n,            //   the relay's rules (epoch length, k)
 *       "key": base64(32),                        //   the relay's Ed25519 key
 *       "onion": "<56 base32>.onion" } ],         //   must derive from key
 *   "version": 3,
 *   "signature": base64(64) }
 * ```
 *
 * `signature` = Ed25519(identity, "legion/v2/card\n" || canonical JSON of every other field). The
 * prekey signatures are libsignal's XEdDSA signatures by the libsignal identity key over the
 * serialised prekeys — the same check PQXDH makes, done at import so a bad card fails early.
 *
 * `signal.binding` = XEdDSA(libsignal identity key, "legion/v2/card-binding" || ed25519 (32) ||
 * UTF-8 onion (with `.onion`)). The Ed25519 signature alone only says "the Ed25519 key vouches
 * for these libsignal keys"; the prekey signatures can be copied from anyone's card. Without the
 * binding, M could publish a card with M's Ed25519 key and onion but B's libsignal keys and relay
 * B's ciphertext to A as if it were M's (an unknown key-share). The binding makes the libsignal
 * key vouch for the Ed25519 key and onion in turn. The tag keeps it apart from anything else that
 * key signs: libsignal signs serialised public keys, which start with a type byte (0x05, 0x08),
 * never with "l". Version 1 cards had no binding and are refused.
 * The whole document must be canonical (re-serialising the parsed value gives the same text), so
 * every byte is covered: any change is a parse error, a canonical-form error or a bad signature.
 *
 * Pure: no I/O; the clock is a parameter.
 */
import { KEMPublicKey, type PrivateKey, PublicKey } from "@signalapp/libsignal-client";
import { sodium } from "./sodium.ts";
import { fromBase64, toBase64 } from "./base64.ts";
import { canonicalJson, type JsonValue } from "./canonical_json.ts";
import { onionAddress } from "./onion.ts";
import { CardError } from "./card_error.ts";

export const CARD_VERSION = 3;
/** Versions `verifyCard` accepts: 2 (no mailboxes) and 3. */
export const CARD_VERSIONS: readonly number[] = [2, 3];
/** At most this many mailboxes on one card. */
export const MAX_CARD_MAILBOXES = 4;
/** Cards larger than this are refused before parsing (a v2 card is ≈2.9 KB). */
export const MAX_CARD_BYTES = 16 * 1024;
export const MAX_NAME_LENGTH = 64;
/** How far in the future a card's creation time may be (clock skew between the two machines). */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;
/**
 * Card times must lie in [2020-01-01, 2200-01-01): the same range protocol/timestamp.ts holds wire
 * timestamps to (repeated here because crypto sits below protocol).
 */
export const MIN_CARD_TIME_MS = Date.UTC(2020, 0, 1);
export const MAX_CARD_TIME_MS = Date.UTC(2200, 0, 1);
const SIGNING_CONTEXT = new TextEncoder().encode("legion/v2/card\n");
/** Domain tag of the binding signature (fixed length, so the message parses one way only). */
export const BINDING_TAG = "legion/v2/card-binding";

export interface CardPreKey {
  id: number;
  /** Serialised public key: libsignal `PublicKey` (33 B) or `KEMPublicKey` (1569 B). */
  key: Uint8Array<ArrayBuffer>;
  /** XEdDSA signature by the libsignal identity key over `key`. */
  signature: Uint8Array<ArrayBuffer>;
}

/** A relay mailbox named on a card (v3): where and how a sender deposits for this contact. */
export interface CardMailbox {
  /** The relay's onion (with `.onion`); derives from `key`. */
  onion: string;
  /** The relay's Ed25519 key (its card's). */
  key: Uint8Array<ArrayBuffer>;
  /** The mailbox's deposit id (16 bytes). */
  deposit: Uint8Array<ArrayBuffer>;
  /** X25519 public key a deposited envelope is sealed to (crypto_box_seal). */
  box: Uint8Array<ArrayBuffer>;
  /** The relay's k (deposits per member per epoch) and epoch length. */
  slots: number;
  epochSeconds: number;
}

/** The signed content of a card, decoded. Times are milliseconds since the epoch, whole seconds. */
export interface ContactCard {
  version: number;
  name?: string;
  ed25519: Uint8Array<ArrayBuffer>;
  /** Onion address with the `.onion` suffix. */
  onion: string;
  identityKey: Uint8Array<ArrayBuffer>;
  /** XEdDSA signature by `identityKey` over {@link cardBindingMessage}(ed25519, onion). */
  binding: Uint8Array<ArrayBuffer>;
  registrationId: number;
  signedPreKey: CardPreKey;
  kyberPreKey: CardPreKey;
  created: number;
  expires: number;
  /** Version 3: the contact's relay mailboxes (none on a version 2 card). */
  mailboxes?: CardMailbox[];
}

/** Encodes and signs a card with the Ed25519 identity seed; returns the card text (no newline). */
export async function encodeCard(card: ContactCard, ed25519Seed: Uint8Array): Promise<string> {
  const na = await sodium();
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(ed25519Seed);
  try {
    if (!na.memcmp(publicKey, card.ed25519)) {
      throw new RangeError("the card's ed25519 key is not the signing key's");
    }
    const body = cardBody(card);
    const signature = na.crypto_sign_detached(signingInput(body), privateKey);
    return canonicalJson({ ...body, signature: toBase64(signature) });
  } finally {
    na.memzero(privateKey);
  }
}

/** `"legion/v2/card-binding" || ed25519 (32) || UTF-8(onion)`: what `signal.binding` signs. */
export function cardBindingMessage(ed25519: Uint8Array, onion: string): Uint8Array<ArrayBuffer> {
  if (ed25519.length !== 32) throw new RangeError("ed25519 key must be 32 bytes");
  const tag = new TextEncoder().encode(BINDING_TAG);
  const address = new TextEncoder().encode(onion);
  const out = new Uint8Array(tag.length + 32 + address.length);
  out.set(tag);
  out.set(ed25519, tag.length);
  out.set(address, tag.length + 32);
  return out;
}

/** The binding signature for a card: the libsignal identity key vouches for ed25519 and onion. */
export function signCardBinding(
  identityKey: PrivateKey,
  card: { ed25519: Uint8Array; onion: string },
): Uint8Array<ArrayBuffer> {
  return new Uint8Array(identityKey.sign(cardBindingMessage(card.ed25519, card.onion)));
}

/**
 * Parses and fully verifies a card: size, JSON, canonical form, version, fields, the Ed25519
 * signature, the onion address, the libsignal key's binding of both, both prekey signatures and
 * the validity period at `now`.
 *
 * @throws {CardError} with a distinct `reason` for each failure.
 */
export async function verifyCard(text: string, options: { now: number }): Promise<ContactCard> {
  const { card, body, signature } = parseCard(text);
  const na = await sodium();
  if (!na.crypto_sign_verify_detached(signature, signingInput(body), card.ed25519)) {
    throw new CardError("bad_signature", "Cannot import card: signature does not verify", {
      hint: "the card was altered or damaged; ask for a fresh copy",
    });
  }
  if (`${onionAddress(card.ed25519)}.onion` !== card.onion) {
    throw new CardError(
      "onion_mismatch",
      "Cannot import card: the onion address does not belong to the card's key",
    );
  }
  for (const mailbox of card.mailboxes ?? []) {
    if (`${onionAddress(mailbox.key)}.onion` !== mailbox.onion) {
      throw new CardError(
        "bad_field",
        "Cannot import card: a mailbox's relay onion does not belong to its relay key",
      );
    }
  }
  const identity = PublicKey.deserialize(card.identityKey);
  if (!identity.verify(cardBindingMessage(card.ed25519, card.onion), card.binding)) {
    throw new CardError(
      "bad_binding_signature",
      "Cannot import card: its libsignal identity key does not vouch for its Ed25519 key and onion",
      {
        hint: "the card may carry someone else's libsignal keys; ask the contact for a fresh card",
      },
    );
  }
  if (!identity.verify(card.signedPreKey.key, card.signedPreKey.signature)) {
    throw new CardError(
      "bad_signed_prekey_signature",
      "Cannot import card: the signed prekey's signature does not verify",
    );
  }
  if (!identity.verify(card.kyberPreKey.key, card.kyberPreKey.signature)) {
    throw new CardError(
      "bad_kyber_prekey_signature",
      "Cannot import card: the Kyber prekey's signature does not verify",
    );
  }
  if (card.expires <= options.now) {
    throw new CardError(
      "expired",
      `Cannot import card: it expired on ${formatTime(card.expires)}`,
      { hint: "ask the contact for a fresh card (`legion card export`)" },
    );
  }
  if (card.created > options.now + CLOCK_SKEW_MS) {
    throw new CardError(
      "not_yet_valid",
      `Cannot import card: it was created in the future (${formatTime(card.created)})`,
      { hint: "check this machine's clock" },
    );
  }
  return card;
}

/** Structural parse without any signature check (for display and tests). */
export function parseCard(
  text: string,
): { card: ContactCard; body: Record<string, JsonValue>; signature: Uint8Array } {
  if (new TextEncoder().encode(text).length > MAX_CARD_BYTES) {
    throw new CardError("too_large", `Cannot parse card: larger than ${MAX_CARD_BYTES} bytes`);
  }
  const trimmed = text.trim();
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw new CardError("not_json", "Cannot parse card: not valid JSON", {
      hint: "a card is the one-line output of `legion card export`",
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CardError("not_json", "Cannot parse card: not a JSON object");
  }
  const record = value as Record<string, unknown>;
  if (record.version === 1) {
    throw new CardError(
      "unsupported_version",
      "Cannot import card: version 1 cards are no longer accepted (they do not bind the keys)",
      {
        hint:
          `ask the contact to re-export their card with this Legion (card version ${CARD_VERSION})`,
      },
    );
  }
  if (!CARD_VERSIONS.includes(record.version as number)) {
    throw new CardError(
      "unsupported_version",
      `Cannot import card: unsupported card version ${JSON.stringify(record.version ?? null)}`,
      { hint: `this Legion reads versions 2 and ${CARD_VERSION}; the sender may need to upgrade` },
    );
  }
  let canonical: string | undefined;
  try {
    canonical = canonicalJson(value as JsonValue);
  } catch {
    canonical = undefined;
  }
  if (canonical !== trimmed) {
    throw new CardError("not_canonical", "Cannot parse card: not in canonical form", {
      hint: "cards must be passed on unchanged (no reformatting)",
    });
  }
  const version = record.version as number;
  const fields = new Fields(record, "", version);
  fields.only([
    "created",
    "ed25519",
    "expires",
    ...(version >= 3 ? ["mailboxes"] : []),
    "name",
    "onion",
    "signal",
    "signature",
    "version",
  ]);
  const signal = fields.object("signal");
  signal.only(["binding", "identityKey", "kyberPreKey", "registrationId", "signedPreKey"]);
  const card: ContactCard = {
    version,
    ed25519: fields.bytes("ed25519", 32),
    onion: fields.string("onion", /^[a-z2-7]{56}\.onion$/),
    identityKey: signal.bytes("identityKey", 33),
    binding: signal.bytes("binding", 64),
    registrationId: signal.integer("registrationId", 1, 16380),
    signedPreKey: preKey(signal.object("signedPreKey"), 33),
    kyberPreKey: preKey(signal.object("kyberPreKey"), 1569),
    created: fields.time("created"),
    expires: fields.time("expires"),
  };
  if (record.name !== undefined) card.name = fields.name("name");
  if (version >= 3) card.mailboxes = fields.list("mailboxes", MAX_CARD_MAILBOXES).map(mailbox);
  fields.check(() => {
    PublicKey.deserialize(card.identityKey);
  }, "signal.identityKey");
  fields.check(() => {
    PublicKey.deserialize(card.signedPreKey.key);
  }, "signal.signedPreKey.key");
  fields.check(() => {
    KEMPublicKey.deserialize(card.kyberPreKey.key);
  }, "signal.kyberPreKey.key");
  if (card.expires <= card.created) {
    throw new CardError("bad_field", "Cannot parse card: it expires before it was created");
  }
  const signature = fields.bytes("signature", 64);
  const { signature: _, ...body } = record;
  return { card, body: body as Record<string, JsonValue>, signature };
}

/** The signed fields of a card as a JSON value (everything but `signature`). */
export function cardBody(card: ContactCard): Record<string, JsonValue> {
  const preKey = (p: CardPreKey) => ({
    id: p.id,
    key: toBase64(p.key),
    signature: toBase64(p.signature),
  });
  return {
    version: card.version,
    ...(card.name === undefined ? {} : { name: card.name }),
    ed25519: toBase64(card.ed25519),
    onion: card.onion,
    signal: {
      identityKey: toBase64(card.identityKey),
      binding: toBase64(card.binding),
      registrationId: card.registrationId,
      signedPreKey: preKey(card.signedPreKey),
      kyberPreKey: preKey(card.kyberPreKey),
    },
    created: formatTime(card.created),
    expires: formatTime(card.expires),
    ...(card.version >= 3 ? { mailboxes: (card.mailboxes ?? []).map(mailboxJson) } : {}),
  };
}

function mailboxJson(m: CardMailbox): JsonValue {
  return {
    onion: m.onion,
    key: toBase64(m.key),
    deposit: toBase64(m.deposit),
    box: toBase64(m.box),
    slots: m.slots,
    epochSeconds: m.epochSeconds,
  };
}

function mailbox(fields: Fields): CardMailbox {
  fields.only(["box", "deposit", "epochSeconds", "key", "onion", "slots"]);
  return {
    onion: fields.string("onion", /^[a-z2-7]{56}\.onion$/),
    key: fields.bytes("key", 32),
    deposit: fields.bytes("deposit", 16),
    box: fields.bytes("box", 32),
    slots: fields.integer("slots", 1, 100_000),
    epochSeconds: fields.integer("epochSeconds", 60, 366 * 24 * 3600),
  };
}

/** `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, UTC). */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Printable name characters: letters, marks, digits, punctuation, symbols and the plain space —
 * no control or format characters (bidi overrides, zero-width joiners), no other spaces (a
 * no-break space would make a lookalike), nothing private-use or unassigned.
 */
const NAME_CHARS = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;
/** Invisible even among the printable: Hangul fillers, variation selectors, CGJ, … */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/**
 * Checks a contact name (local, or a card's hint): 1–64 UTF-16 units of printable characters
 * ({@link NAME_CHARS}, none invisible), no leading or trailing space, not starting with a
 * combining mark. Names are shown on terminals next to messages: one must not be able to pass
 * for another, nor move or hide the text around it.
 */
export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_NAME_LENGTH && name.trim() === name &&
    NAME_CHARS.test(name) && !INVISIBLE.test(name) && !/^\p{M}/u.test(name);
}

function signingInput(body: Record<string, JsonValue>): Uint8Array {
  const json = new TextEncoder().encode(canonicalJson(body));
  const out = new Uint8Array(SIGNING_CONTEXT.length + json.length);
  out.set(SIGNING_CONTEXT);
  out.set(json, SIGNING_CONTEXT.length);
  return out;
}

function preKey(fields: Fields, keyLength: number): CardPreKey {
  fields.only(["id", "key", "signature"]);
  return {
    id: fields.integer("id", 1, 0xffffff),
    key: fields.bytes("key", keyLength),
    signature: fields.bytes("signature", 64),
  };
}

/** Typed access to a parsed object's fields; each failure names the field. */
class Fields {
  constructor(
    private readonly record: Record<string, unknown>,
    private readonly path: string,
    private readonly version = CARD_VERSION,
  ) {}

  #fail(key: string, problem = "is missing or invalid"): never {
    throw new CardError("bad_field", `Cannot parse card: field ${this.path}${key} ${problem}`);
  }

  only(allowed: readonly string[]): void {
    for (const key of Object.keys(this.record)) {
      if (!allowed.includes(key)) this.#fail(key, `is not part of a version ${this.version} card`);
    }
  }

  object(key: string): Fields {
    const value = this.record[key];
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.#fail(key);
    return new Fields(value as Record<string, unknown>, `${this.path}${key}.`, this.version);
  }

  /** An array of at most `max` objects. */
  list(key: string, max: number): Fields[] {
    const value = this.record[key];
    if (!Array.isArray(value) || value.length > max) this.#fail(key);
    return value.map((item, i) => {
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        this.#fail(`${key}[${i}]`);
      }
      return new Fields(item as Record<string, unknown>, `${this.path}${key}[${i}].`, this.version);
    });
  }

  string(key: string, pattern: RegExp): string {
    const value = this.record[key];
    if (typeof value !== "string" || !pattern.test(value)) this.#fail(key);
    return value;
  }

  name(key: string): string {
    const value = this.record[key];
    if (typeof value !== "string" || !isValidName(value)) this.#fail(key);
    return value;
  }

  integer(key: string, min: number, max: number): number {
    const value = this.record[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.#fail(key);
    }
    return value;
  }

  bytes(key: string, length: number): Uint8Array<ArrayBuffer> {
    const value = this.record[key];
    const bytes = typeof value === "string" ? fromBase64(value) : undefined;
    if (!bytes || bytes.length !== length) this.#fail(key);
    return bytes;
  }

  time(key: string): number {
    const value = this.string(key, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const ms = Date.parse(value);
    if (Number.isNaN(ms) || ms < MIN_CARD_TIME_MS || ms >= MAX_CARD_TIME_MS) this.#fail(key);
    if (formatTime(ms) !== value) this.#fail(key);
    return ms;
  }

  check(fn: () => void, key: string): void {
    try {
      fn();
    } catch {
      throw new CardError("bad_field", `Cannot parse card: field ${key} is not a valid key`);
    }
  }
}
