/** The short card form for terminal QR codes: round trip, refusal of damage, QR size. */
import assert from "node:assert/strict";
import fc from "fast-check";
import QRCode from "qrcode";
import {
  cardHash,
  decodeShortCard,
  encodeShortCard,
  SHORT_CARD_PREFIX,
} from "../../../src/crypto/card_short.ts";
import { onionAddress } from "../../../src/crypto/onion.ts";
import { isCardError } from "../../../src/crypto/card_error.ts";

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });

Deno.test("short card: round trip of key, onion and card hash", () => {
  fc.assert(
    fc.property(key, fc.string({ maxLength: 3000 }), (ed25519, text) => {
      const short = encodeShortCard(ed25519, text);
      assert.ok(short.length <= 120, `${short.length} characters`);
      const decoded = decodeShortCard(short);
      assert.deepEqual(decoded.ed25519, ed25519);
      assert.deepEqual(decoded.hash, cardHash(text));
      assert.equal(decoded.onion, `${onionAddress(ed25519)}.onion`);
      // Case and surrounding white space do not matter (scanners and shells vary).
      assert.deepEqual(decodeShortCard(` ${short.toLowerCase()}\n`), decoded);
    }),
  );
});

Deno.test("short card: any one-character change is refused or names other bytes", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567:!0";
  fc.assert(
    fc.property(
      key,
      fc.string(),
      fc.nat(),
      fc.constantFrom(...alphabet),
      (ed25519, text, at, char) => {
        const short = encodeShortCard(ed25519, text);
        const i = at % short.length;
        fc.pre(short[i].toUpperCase() !== char);
        const mutated = short.slice(0, i) + char + short.slice(i + 1);
        let decoded;
        try {
          decoded = decodeShortCard(mutated);
        } catch (err) {
          assert.ok(isCardError(err, "bad_short_form"), String(err));
          return;
        }
        assert.ok(i >= SHORT_CARD_PREFIX.length);
        assert.notDeepEqual([decoded.ed25519, decoded.hash], [ed25519, cardHash(text)]);
      },
    ),
  );
  for (const bad of ["", "LEGION:CARD:V2:", "LEGION:CARD:V1:" + "A".repeat(103), "{}"]) {
    assert.throws(() => decodeShortCard(bad), (err) => isCardError(err, "bad_short_form"));
  }
  const short = encodeShortCard(new Uint8Array(32), "x");
  for (const bad of [short + "A", short.slice(0, -1), short.slice(0, -8)]) {
    assert.throws(() => decodeShortCard(bad), (err) => isCardError(err, "bad_short_form"));
  }
});

Deno.test("short card: the QR code is version 10 or lower at M and at L", () => {
  fc.assert(
    fc.property(key, fc.string(), (ed25519, text) => {
      const short = encodeShortCard(ed25519, text);
      for (const level of ["M", "L"] as const) {
        const version = QRCode.create(short, { errorCorrectionLevel: level }).version;
        assert.ok(version <= 10, `version ${version} at ${level}`);
      }
    }),
    { numRuns: 20 },
  );
  const version = QRCode.create(encodeShortCard(new Uint8Array(32).fill(7), "card"), {
    errorCorrectionLevel: "M",
  }).version;
  assert.equal(version, 5); // 118 alphanumeric characters
});
