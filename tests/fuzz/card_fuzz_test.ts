/** Fuzzing of contact cards (src/crypto/card.ts): parse errors stay CardError, no mutation verifies. */
import { assertEquals } from "../support/assert.ts";
import {
  type ContactCard,
  encodeCard,
  isValidName,
  MAX_CARD_BYTES,
  MAX_CARD_TIME_MS,
  MIN_CARD_TIME_MS,
  parseCard,
  verifyCard,
} from "../../src/crypto/card.ts";
import { isCardError } from "../../src/crypto/card_error.ts";
import { fromHex } from "../../src/crypto/hex.ts";
import { attempt, attemptAsync, fc, fuzz, mutate, mutations } from "./_fuzz.ts";
import { CARD_VECTORS as vectors, GOLDEN_CARD as golden } from "../support/card_vectors.ts";

const seed = fromHex(vectors.seed);
const NOW = vectors.now;
const goldenCard = parseCard(golden).card;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Strings that reach past JSON.parse: JSON-ish fragments as well as noise. */
const cardish = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom("version", "ed25519", "onion", "signal", "created", "name"),
    fc.jsonValue({ maxDepth: 2 }),
  )
    .map((record) => JSON.stringify({ version: 1, ...record })),
);

fuzz(
  "parseCard() and verifyCard() throw only CardError on random text",
  fc.asyncProperty(cardish, async (text) => {
    attempt(() => parseCard(text), isCardError);
    const result = await attemptAsync(() => verifyCard(text, { now: NOW }), isCardError);
    if ("ok" in result) throw new Error("random text verified as a card");
  }),
);

fuzz(
  "no mutation of a signed card verifies unless it only adds surrounding whitespace",
  fc.asyncProperty(mutations, async (edits) => {
    const text = decoder.decode(mutate(encoder.encode(golden), edits));
    attempt(() => parseCard(text), isCardError);
    const result = await attemptAsync(() => verifyCard(text, { now: NOW }), isCardError);
    if ("ok" in result && text.trim() !== golden) throw new Error("a mutated card verified");
  }),
  { divisor: 4 },
);

fuzz(
  "verifyCard() refuses a card larger than MAX_CARD_BYTES before parsing it",
  fc.property(fc.integer({ min: 1, max: 4 * MAX_CARD_BYTES }), (extra) => {
    const text = golden + " ".repeat(MAX_CARD_BYTES - golden.length + extra);
    const result = attempt(() => parseCard(text), isCardError);
    if (!("error" in result) || !isCardError(result.error, "too_large")) {
      throw new Error("an oversize card was not refused as too_large");
    }
  }),
  { divisor: 20 },
);

const SECOND = 1000;
const card: fc.Arbitrary<ContactCard> = fc.record({
  name: fc.option(fc.string({ minLength: 1, maxLength: 64 }).filter(isValidName), {
    nil: undefined,
  }),
  created: fc.integer({ min: MIN_CARD_TIME_MS / SECOND, max: NOW / SECOND }),
  lifetime: fc.integer({ min: 1, max: 3650 * 86_400 }),
  registrationId: fc.integer({ min: 1, max: 16380 }),
  signedId: fc.integer({ min: 1, max: 0xffffff }),
  kyberId: fc.integer({ min: 1, max: 0xffffff }),
}).filter(({ created, lifetime }) => (created + lifetime) * SECOND < MAX_CARD_TIME_MS)
  .filter(({ created, lifetime }) => (created + lifetime) * SECOND > NOW)
  .map(({ name, created, lifetime, registrationId, signedId, kyberId }) => {
    const out: ContactCard = {
      ...goldenCard,
      created: created * SECOND,
      expires: (created + lifetime) * SECOND,
      registrationId,
      signedPreKey: { ...goldenCard.signedPreKey, id: signedId },
      kyberPreKey: { ...goldenCard.kyberPreKey, id: kyberId },
    };
    delete out.name;
    if (name !== undefined) out.name = name;
    return out;
  });

fuzz(
  "encodeCard() then verifyCard() round-trips",
  fc.asyncProperty(card, async (original) => {
    assertEquals(await verifyCard(await encodeCard(original, seed), { now: NOW }), original);
  }),
  { divisor: 10 },
);
