import assert from "node:assert/strict";
import { IdentityKeyPair } from "@signalapp/libsignal-client";
import {
  BINDING_TAG,
  CARD_VERSION,
  cardBindingMessage,
  type ContactCard,
  encodeCard,
  formatTime,
  isValidName,
  MAX_CARD_TIME_MS,
  MIN_CARD_TIME_MS,
  parseCard,
  signCardBinding,
  verifyCard,
} from "../../../src/crypto/card.ts";
import { type CardRefusal, isCardError } from "../../../src/crypto/card_error.ts";
import { fromHex } from "../../../src/crypto/hex.ts";
import { toBase64 } from "../../../src/crypto/base64.ts";
import { onionAddress } from "../../../src/crypto/onion.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { generatePreKeys } from "../../../src/crypto/session_keys.ts";
import { toLegionError } from "../../../src/cli/error_map.ts";
import {
  CARD_V3_VECTORS,
  CARD_VECTORS,
  GOLDEN_CARD as golden,
  GOLDEN_CARD_V3,
} from "../../support/card_vectors.ts";

interface Vector {
  name: string;
  expect: "success" | CardRefusal;
  card: string;
}
const file = CARD_VECTORS as { seed: string; now: number; vectors: Vector[] };
const NOW = file.now;

async function refusal(text: string, now = NOW): Promise<CardRefusal | "success"> {
  try {
    await verifyCard(text, { now });
    return "success";
  } catch (err) {
    if (!isCardError(err)) throw err;
    return err.reason;
  }
}

for (const vector of file.vectors) {
  Deno.test(`verifyCard() vector "${vector.name}" gives ${vector.expect}`, async () => {
    assertEqualsReason(await refusal(vector.card), vector.expect);
  });
}

for (const vector of CARD_V3_VECTORS.vectors) {
  Deno.test(`verifyCard() v3 vector "${vector.name}" gives ${vector.expect}`, async () => {
    assertEqualsReason(await refusal(vector.card, CARD_V3_VECTORS.now), vector.expect);
  });
}

Deno.test("a v3 card round-trips with its mailboxes, byte for byte", async () => {
  const card = await verifyCard(GOLDEN_CARD_V3, { now: NOW });
  assert.equal(card.version, CARD_VERSION);
  assert.equal(card.mailboxes?.length, 1);
  const [mailbox] = card.mailboxes!;
  assert.equal(mailbox.onion, `${onionAddress(mailbox.key)}.onion`);
  assert.equal(mailbox.slots, 200);
  assert.equal(mailbox.epochSeconds, 86_400);
  assert.equal(mailbox.deposit.length, 16);
  assert.equal(await encodeCard(card, fromHex(file.seed)), GOLDEN_CARD_V3);
  // The same keys as the v2 golden: only the version, the mailboxes and the signature differ.
  const v2 = parseCard(golden).card;
  assert.deepEqual({ ...card, version: 2, mailboxes: undefined }, { ...v2, mailboxes: undefined });
});

function assertEqualsReason(actual: string, expected: string): void {
  assert.equal(actual, expected);
}

Deno.test("encodeCard() reproduces the golden card byte for byte", async () => {
  const { card } = parseCard(golden);
  assert.equal(await encodeCard(card, fromHex(file.seed)), golden);
});

Deno.test("the golden card's fields decode as recorded", async () => {
  const fields = JSON.parse(
    await Deno.readTextFile(new URL("../../golden/card_v2_fields.json", import.meta.url)),
  );
  const card = await verifyCard(golden, { now: NOW });
  assert.equal(card.version, 2);
  assert.equal(card.mailboxes, undefined);
  assert.equal(card.name, fields.name);
  assert.equal(toBase64(card.ed25519), fields.ed25519);
  assert.equal(card.onion, fields.onion);
  assert.equal(toBase64(card.identityKey), fields.identityKey);
  assert.equal(toBase64(card.binding), fields.binding);
  assert.equal(card.registrationId, fields.registrationId);
  assert.deepEqual(
    {
      ...card.signedPreKey,
      key: toBase64(card.signedPreKey.key),
      signature: toBase64(card.signedPreKey.signature),
    },
    fields.signedPreKey,
  );
  assert.equal(card.kyberPreKey.id, fields.kyberPreKey.id);
  assert.equal(card.created, fields.created);
  assert.equal(card.expires, fields.expires);
});

Deno.test("verifyCard() refuses every single-byte flip of the card", async () => {
  const bytes = new TextEncoder().encode(golden);
  const reasons = new Map<string, number>();
  for (const mask of [0x01, 0x20]) {
    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flipped[i] ^= mask;
      const reason = await refusal(new TextDecoder().decode(flipped));
      assert.notEqual(reason, "success", `flip ${mask} at byte ${i} was accepted`);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  // Most flips land inside base64 values and must fail as a signature (or key) failure; the
  // rest break the JSON or its canonical form. A flip never reads as e.g. "expired".
  assert.ok((reasons.get("bad_signature") ?? 0) > bytes.length);
  for (const reason of reasons.keys()) {
    assert.ok(
      ["bad_signature", "bad_field", "not_json", "not_canonical", "unsupported_version"].includes(
        reason,
      ),
      `unexpected reason ${reason}`,
    );
  }
});

Deno.test("verifyCard() refuses a flipped signature byte as a bad signature", async () => {
  const parsed = JSON.parse(golden);
  const sig = Uint8Array.from(atob(parsed.signature), (c) => c.charCodeAt(0));
  for (let i = 0; i < sig.length; i += 7) {
    const copy = sig.slice();
    copy[i] ^= 0x04;
    const text = golden.replace(parsed.signature, toBase64(copy));
    assert.equal(await refusal(text), "bad_signature");
  }
});

Deno.test("verifyCard() accepts surrounding whitespace but nothing inside", async () => {
  assert.equal(await refusal(`\n  ${golden}\n\n`), "success");
  assert.equal(await refusal(golden.replace('{"created"', '{ "created"')), "not_canonical");
});

Deno.test("verifyCard() checks expiry against the injected clock", async () => {
  const card = await verifyCard(golden, { now: NOW });
  assert.equal(await refusal(golden, card.expires - 1), "success");
  assert.equal(await refusal(golden, card.expires), "expired");
});

Deno.test("verifyCard() refuses oversized input before parsing", async () => {
  assert.equal(await refusal(" ".repeat(20_000) + golden), "too_large");
});

Deno.test("encodeCard() refuses to sign a card for another key", async () => {
  const { card } = parseCard(golden);
  await assert.rejects(() => encodeCard(card, new Uint8Array(32)), RangeError);
});

Deno.test("each refusal reason has its own message", async () => {
  const messages = new Map<string, string>();
  for (const vector of file.vectors.filter((v) => v.expect !== "success")) {
    try {
      await verifyCard(vector.card, { now: NOW });
    } catch (err) {
      assert.ok(isCardError(err));
      assert.equal(toLegionError(err)?.exitCode, 65);
      messages.set(err.reason, err.message);
    }
  }
  const distinct = new Set(messages.values());
  assert.equal(distinct.size, messages.size);
  for (const message of distinct) assert.match(message, /^Cannot (parse|import) card: [^.]*$/);
});

Deno.test("parseCard() holds created and expires to 2020..2200 as bad_field", async () => {
  const { card } = parseCard(golden);
  const seed = fromHex(file.seed);
  const reason = async (created: number, expires: number) => {
    try {
      parseCard(await encodeCard({ ...card, created, expires }, seed));
      return "success";
    } catch (err) {
      if (!isCardError(err)) throw err;
      return err.reason;
    }
  };
  assert.equal(await reason(MIN_CARD_TIME_MS, MAX_CARD_TIME_MS - 1000), "success");
  assert.equal(await reason(MIN_CARD_TIME_MS - 1000, card.expires), "bad_field");
  assert.equal(await reason(card.created, MAX_CARD_TIME_MS), "bad_field");
  assert.equal(await reason(Date.UTC(1, 0, 1), card.expires), "bad_field");
  assert.equal(formatTime(MAX_CARD_TIME_MS), "2200-01-01T00:00:00Z");
});

/** A valid card for a fresh Ed25519 seed and libsignal identity (signed by both). */
async function freshCard(seedByte: number, identity = IdentityKeyPair.generate()) {
  const na = await sodium();
  const seed = new Uint8Array(32).fill(seedByte);
  const ed25519 = new Uint8Array(na.crypto_sign_seed_keypair(seed).publicKey);
  const onion = `${onionAddress(ed25519)}.onion`;
  const { signedPreKey, kyberPreKey } = generatePreKeys(identity, 1, NOW);
  const card: ContactCard = {
    version: CARD_VERSION,
    ed25519,
    onion,
    identityKey: identity.publicKey.serialize(),
    binding: signCardBinding(identity.privateKey, { ed25519, onion }),
    registrationId: 1,
    signedPreKey: {
      id: 1,
      key: signedPreKey.publicKey().serialize(),
      signature: signedPreKey.signature(),
    },
    kyberPreKey: {
      id: 1,
      key: kyberPreKey.publicKey().serialize(),
      signature: kyberPreKey.signature(),
    },
    created: NOW - 60_000,
    expires: NOW + 86_400_000,
  };
  return { seed, card, text: await encodeCard(card, seed) };
}

Deno.test("verifyCard() refuses B's libsignal keys on M's validly signed card (unknown key-share)", async () => {
  const b = await freshCard(0x0b);
  const m = await freshCard(0x0d);
  assert.equal(await refusal(b.text), "success");
  // M copies B's whole libsignal part (identity key, prekeys, their signatures and B's binding)
  // onto M's own Ed25519 key and onion, and signs the card correctly with M's Ed25519 key.
  const { card: stolen } = parseCard(b.text);
  const forged = await encodeCard(
    { ...stolen, ed25519: m.card.ed25519, onion: m.card.onion },
    m.seed,
  );
  await assert.rejects(
    () => verifyCard(forged, { now: NOW }),
    (err) =>
      isCardError(err, "bad_binding_signature") && toLegionError(err)?.exitCode === 65 &&
      /does not vouch for its Ed25519 key and onion/.test(err.message),
  );
});

Deno.test("cardBindingMessage() is the tag, the 32-byte key, then the onion in UTF-8", () => {
  const key = new Uint8Array(32).fill(7);
  const message = cardBindingMessage(key, "x.onion");
  const tag = new TextEncoder().encode(BINDING_TAG);
  assert.deepEqual(message.slice(0, tag.length), tag);
  assert.deepEqual(message.slice(tag.length, tag.length + 32), key);
  assert.equal(new TextDecoder().decode(message.slice(tag.length + 32)), "x.onion");
  assert.throws(() => cardBindingMessage(new Uint8Array(31), "x.onion"), RangeError);
});

Deno.test("verifyCard() refuses a version 1 card and says to re-export it", async () => {
  const v1 = file.vectors.find((v) => v.name.startsWith("version 1"))!;
  await assert.rejects(
    () => verifyCard(v1.card, { now: NOW }),
    (err) =>
      isCardError(err, "unsupported_version") &&
      /version 1 cards are no longer/.test(err.message) &&
      /re-export/.test(err.hint ?? ""),
  );
});

Deno.test("isValidName() takes printable names and refuses control, bidi and invisible characters", () => {
  for (const name of ["alice", "Robert 🙂", "Zoë", "李雷", "O'Brien-Smith", "مريم", "a b"]) {
    assert.ok(isValidName(name), name);
  }
  for (
    const name of [
      "",
      " alice",
      "alice ",
      "ali\x1b[31mce",
      "alice\nbob",
      "ali\tce",
      "ali\x9bce",
      "evil\u202etxt",
      "ali\u2066ce\u2069",
      "ali\u200bce",
      "ali\u200dce",
      "ali\u200ece",
      "\ufeffalice",
      "ali\u00adce",
      "ali\u2060ce",
      "bob\u00a0smith",
      "bob\u3000smith",
      "alice\ufe0f",
      "\u3164",
      "\u0301alice",
      "ali\u{e0041}ce",
      "ali\ue000ce",
      "x".repeat(65),
    ]
  ) {
    assert.ok(!isValidName(name), JSON.stringify(name));
  }
});

Deno.test("verifyCard() refuses a validly signed card whose name hint hides a bidi override", async () => {
  const { seed, card } = await freshCard(0x0c);
  for (const name of ["evil\u202etxt", "ali\u200bce", "alice\n2026-11-22T10:00:00.000Z bob"]) {
    const text = await encodeCard({ ...card, name }, seed);
    await assert.rejects(
      () => verifyCard(text, { now: NOW }),
      (err) =>
        isCardError(err, "bad_field") && toLegionError(err)?.exitCode === 65 &&
        /field name/.test(err.message),
    );
  }
  assert.equal(await refusal(await encodeCard({ ...card, name: "Zoë 🙂" }, seed)), "success");
});
