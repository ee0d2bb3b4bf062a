/**
 * Regenerates tests/vectors/card_v3.json and tests/golden/card_v3.txt from the committed v2 golden
 * card (run by hand: `deno run -A tests/support/make_card_v3_vectors.ts`). Deterministic: the v2
 * card's libsignal keys, prekeys and binding are reused as they are (the binding covers only the
 * Ed25519 key and onion), and Ed25519 signatures by the fixed seed are deterministic.
 */
import { cardBody, type CardMailbox, encodeCard, parseCard } from "../../src/crypto/card.ts";
import { onionAddress } from "../../src/crypto/onion.ts";
import { toBase64 } from "../../src/crypto/base64.ts";
import { fromHex } from "../../src/crypto/hex.ts";
import { canonicalJson, type JsonValue } from "../../src/crypto/canonical_json.ts";
import { sodium } from "../../src/crypto/sodium.ts";
import { CARD_VECTORS, GOLDEN_CARD } from "./card_vectors.ts";

const na = await sodium();
const seed = fromHex(CARD_VECTORS.seed);
const relayKey = new Uint8Array(na.crypto_sign_seed_keypair(new Uint8Array(32).fill(5)).publicKey);
const otherKey = new Uint8Array(na.crypto_sign_seed_keypair(new Uint8Array(32).fill(6)).publicKey);
const mailbox: CardMailbox = {
  onion: `${onionAddress(relayKey)}.onion`,
  key: relayKey,
  deposit: new Uint8Array(16).map((_, i) => 0xa0 + i),
  box: new Uint8Array(32).map((_, i) => 0x40 + i),
  slots: 200,
  epochSeconds: 86_400,
};
const v2 = parseCard(GOLDEN_CARD).card;
const base = { ...v2, version: 3, mailboxes: [mailbox] };
const golden = await encodeCard(base, seed);

function signBody(body: Record<string, JsonValue>): string {
  const json = new TextEncoder().encode("legion/v2/card\n" + canonicalJson(body));
  const { privateKey } = na.crypto_sign_seed_keypair(seed);
  return canonicalJson({ ...body, signature: toBase64(na.crypto_sign_detached(json, privateKey)) });
}

const tampered = JSON.parse(golden);
tampered.mailboxes[0].deposit = toBase64(new Uint8Array(16).fill(0xee));
const { mailboxes: _, ...withoutMailboxes } = cardBody(base);

const vectors = {
  description:
    "Contact card v3 vectors (v2 plus `mailboxes`), made from the v2 golden card's keys and seed. " +
    "`now` is the verification time (ms). Each vector names its expected outcome.",
  seed: CARD_VECTORS.seed,
  now: CARD_VECTORS.now,
  vectors: [
    { name: "v3 card with a mailbox", expect: "success", card: golden },
    {
      name: "v3 card with no mailbox",
      expect: "success",
      card: await encodeCard({ ...base, mailboxes: [] }, seed),
    },
    {
      name: "mailbox deposit id changed after signing",
      expect: "bad_signature",
      card: canonicalJson(tampered),
    },
    {
      name: "mailbox onion of another relay key",
      expect: "bad_field",
      card: await encodeCard({
        ...base,
        mailboxes: [{ ...mailbox, onion: `${onionAddress(otherKey)}.onion` }],
      }, seed),
    },
    {
      name: "v3 without its mailboxes field",
      expect: "bad_field",
      card: signBody(withoutMailboxes),
    },
    {
      name: "v2 card with a mailboxes field",
      expect: "bad_field",
      card: signBody({ ...cardBody(base), version: 2 }),
    },
    {
      name: "five mailboxes",
      expect: "bad_field",
      card: await encodeCard({ ...base, mailboxes: Array(5).fill(mailbox) }, seed),
    },
    {
      name: "version 4",
      expect: "unsupported_version",
      card: await encodeCard({ ...base, version: 4 }, seed),
    },
  ],
};
await Deno.writeTextFile(
  new URL("../vectors/card_v3.json", import.meta.url),
  JSON.stringify(vectors, null, 2) + "\n",
);
await Deno.writeTextFile(new URL("../golden/card_v3.txt", import.meta.url), golden + "\n");
