/**
 * Regenerates tests/vectors/card_v2.json and tests/golden/card_v2{.txt,_fields.json} (run by hand:
 * `deno run -A tests/support/make_card_vectors.ts`). The libsignal keys are random, so this is
 * run once and the outputs committed; the tests then pin the format byte for byte.
 *
 * Every negative vector is a correctly signed card (by the fixed Ed25519 seed) that is wrong in
 * exactly one way, so each must fail for its own reason, not as a bad signature. Two are built
 * by hand because encodeCard cannot make them: a card without a binding, and a genuine version 1
 * card (signed with the v1 context, no binding).
 */
import { IdentityKeyPair, PrivateKey } from "@signalapp/libsignal-client";
import {
  cardBindingMessage,
  cardBody,
  type ContactCard,
  encodeCard,
  signCardBinding,
} from "../../src/crypto/card.ts";
import { generatePreKeys } from "../../src/crypto/session_keys.ts";
import { onionAddress } from "../../src/crypto/onion.ts";
import { toBase64 } from "../../src/crypto/base64.ts";
import { canonicalJson, type JsonValue } from "../../src/crypto/canonical_json.ts";
import { toHex } from "../../src/crypto/hex.ts";
import { sodium } from "../../src/crypto/sodium.ts";

const na = await sodium();
const seed = new Uint8Array(32).map((_, i) => i + 1);
const ed25519 = new Uint8Array(na.crypto_sign_seed_keypair(seed).publicKey);
const identity = IdentityKeyPair.generate();
const created = Date.UTC(2026, 0, 1, 12, 0, 0);
const { signedPreKey, kyberPreKey } = generatePreKeys(identity, 7, created);
const onion = `${onionAddress(ed25519)}.onion`;
const base: ContactCard = {
  version: 2,
  name: "alice",
  ed25519,
  onion,
  identityKey: identity.publicKey.serialize(),
  binding: signCardBinding(identity.privateKey, { ed25519, onion }),
  registrationId: 4242,
  signedPreKey: {
    id: 7,
    key: signedPreKey.publicKey().serialize(),
    signature: signedPreKey.signature(),
  },
  kyberPreKey: {
    id: 7,
    key: kyberPreKey.publicKey().serialize(),
    signature: kyberPreKey.signature(),
  },
  created,
  expires: created + 30 * 86_400_000,
};
const now = created + 86_400_000;
const golden = await encodeCard(base, seed);
const other = na.crypto_sign_seed_keypair(new Uint8Array(32).fill(9)).publicKey;
const otherOnion = `${onionAddress(other)}.onion`;
const badSig = PrivateKey.generate().sign(base.signedPreKey.key);
const badKyberSig = PrivateKey.generate().sign(base.kyberPreKey.key);

/** Signs a hand-made body the way encodeCard does (`context` || canonical JSON). */
function signBody(body: Record<string, JsonValue>, context = "legion/v2/card\n"): string {
  const json = new TextEncoder().encode(context + canonicalJson(body));
  const { privateKey } = na.crypto_sign_seed_keypair(seed);
  return canonicalJson({ ...body, signature: toBase64(na.crypto_sign_detached(json, privateKey)) });
}

function withoutBinding(card: ContactCard): Record<string, JsonValue> {
  const body = cardBody(card);
  const { binding: _, ...signal } = body.signal as Record<string, JsonValue>;
  return { ...body, signal };
}

// Someone else's (B's) libsignal identity, prekeys and binding, as printed on B's own card.
const victim = IdentityKeyPair.generate();
const victimKeys = generatePreKeys(victim, 3, created);
const forged: ContactCard = {
  ...base,
  identityKey: victim.publicKey.serialize(),
  binding: signCardBinding(victim.privateKey, { ed25519: other, onion: otherOnion }),
  signedPreKey: {
    id: 3,
    key: victimKeys.signedPreKey.publicKey().serialize(),
    signature: victimKeys.signedPreKey.signature(),
  },
  kyberPreKey: {
    id: 3,
    key: victimKeys.kyberPreKey.publicKey().serialize(),
    signature: victimKeys.kyberPreKey.signature(),
  },
};

const vectors = {
  description:
    "Contact card v2 vectors. `seed` is the Ed25519 seed (hex) that signs every card; `now` is " +
    "the verification time (ms). Each vector names its expected outcome.",
  seed: toHex(seed),
  now,
  vectors: [
    { name: "valid card", expect: "success", card: golden },
    {
      name: "onion address of another key",
      expect: "onion_mismatch",
      card: await encodeCard({
        ...base,
        onion: otherOnion,
        binding: signCardBinding(identity.privateKey, { ed25519, onion: otherOnion }),
      }, seed),
    },
    {
      name: "expired a second before now",
      expect: "expired",
      card: await encodeCard({ ...base, expires: now - 1000 }, seed),
    },
    {
      name: "created an hour in the future",
      expect: "not_yet_valid",
      card: await encodeCard(
        { ...base, created: now + 3_600_000, expires: now + 7_200_000 },
        seed,
      ),
    },
    {
      name: "signed prekey signed by another key",
      expect: "bad_signed_prekey_signature",
      card: await encodeCard(
        { ...base, signedPreKey: { ...base.signedPreKey, signature: badSig } },
        seed,
      ),
    },
    {
      name: "Kyber prekey signed by another key",
      expect: "bad_kyber_prekey_signature",
      card: await encodeCard(
        { ...base, kyberPreKey: { ...base.kyberPreKey, signature: badKyberSig } },
        seed,
      ),
    },
    {
      name: "binding signature missing",
      expect: "bad_field",
      card: signBody(withoutBinding(base)),
    },
    {
      name: "binding signature from another key",
      expect: "bad_binding_signature",
      card: await encodeCard({
        ...base,
        binding: new Uint8Array(PrivateKey.generate().sign(cardBindingMessage(ed25519, onion))),
      }, seed),
    },
    {
      name: "binding over another onion",
      expect: "bad_binding_signature",
      card: await encodeCard({
        ...base,
        binding: signCardBinding(identity.privateKey, { ed25519, onion: otherOnion }),
      }, seed),
    },
    {
      name: "binding over another Ed25519 key",
      expect: "bad_binding_signature",
      card: await encodeCard({
        ...base,
        binding: signCardBinding(identity.privateKey, { ed25519: other, onion }),
      }, seed),
    },
    {
      name: "another person's libsignal keys, prekeys and binding (unknown key-share)",
      expect: "bad_binding_signature",
      card: await encodeCard(forged, seed),
    },
    {
      name: "version 1 (no binding)",
      expect: "unsupported_version",
      card: signBody({ ...withoutBinding(base), version: 1 }, "legion/v1/card\n"),
    },
    {
      name: "version 3 without its mailboxes field",
      expect: "bad_field",
      card: await encodeCard({ ...base, version: 3 }, seed),
    },
    {
      name: "signature by another Ed25519 key",
      expect: "bad_signature",
      card: canonicalJson({
        ...JSON.parse(golden),
        signature: toBase64(
          na.crypto_sign_detached(new Uint8Array(1), na.crypto_sign_keypair().privateKey),
        ),
      }),
    },
    {
      name: "pretty-printed (not canonical)",
      expect: "not_canonical",
      card: JSON.stringify(JSON.parse(golden), null, 2),
    },
    { name: "truncated", expect: "not_json", card: golden.slice(0, 1000) },
    {
      name: "unknown field",
      expect: "bad_field",
      card: signBody({ ...cardBody(base), relay: "x" }),
    },
    { name: "empty", expect: "not_json", card: "" },
  ],
};
await Deno.writeTextFile(
  new URL("../vectors/card_v2.json", import.meta.url),
  JSON.stringify(vectors, null, 2) + "\n",
);
await Deno.writeTextFile(new URL("../golden/card_v2.txt", import.meta.url), golden + "\n");
await Deno.writeTextFile(
  new URL("../golden/card_v2_fields.json", import.meta.url),
  JSON.stringify(
    { ...base, ed25519: toBase64(ed25519) },
    (_k, v) => v instanceof Uint8Array ? toBase64(v) : v,
    2,
  ) + "\n",
);
console.log("wrote vectors and golden card", golden.length, "bytes");
