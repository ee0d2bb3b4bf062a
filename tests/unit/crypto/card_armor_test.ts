import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ARMOR_BEGIN,
  ARMOR_END,
  ARMOR_LINE_LENGTH,
  armorCard,
  dearmorCard,
} from "../../../src/crypto/card_armor.ts";
import { verifyCard } from "../../../src/crypto/card.ts";
import { isCardError } from "../../../src/crypto/card_error.ts";
import { toLegionError } from "../../../src/cli/error_map.ts";
import { CARD_VECTORS as vectors, GOLDEN_CARD as golden } from "../../support/card_vectors.ts";

const NOW = vectors.now;

interface Transport {
  width: number;
  quote: string;
  crlf: boolean;
  trailing: string;
  before: string;
  after: string;
}

/** What a mail client may do to the armored text: re-wrap it, quote it, use CR LF, pad lines. */
const transport: fc.Arbitrary<Transport> = fc.record({
  width: fc.integer({ min: 4, max: 120 }),
  quote: fc.constantFrom("", "> ", ">", ">> ", "> > ", "  > "),
  crlf: fc.boolean(),
  trailing: fc.constantFrom("", " ", "  ", "\t"),
  before: fc.constantFrom("", "Here is my card:\n\n", "On Monday, Bob wrote:\n"),
  after: fc.constantFrom("", "\n-- \nBob", "\n\nSee you"),
});

function mangle(armored: string, t: Transport): string {
  const [begin, ...rest] = armored.split("\n");
  const end = rest.pop()!;
  const body = rest.join("");
  const lines = [begin];
  for (let i = 0; i < body.length; i += t.width) lines.push(body.slice(i, i + t.width));
  lines.push(end);
  const quoted = lines.map((line) => t.quote + line + t.trailing);
  const text = t.before + quoted.join("\n") + t.after;
  return t.crlf ? text.replace(/\n/g, "\r\n") : text;
}

Deno.test("armorCard() writes BEGIN, 64-character base64 lines and END", () => {
  const armored = armorCard(golden);
  const lines = armored.split("\n");
  assert.equal(lines[0], ARMOR_BEGIN);
  assert.equal(lines.at(-1), ARMOR_END);
  const body = lines.slice(1, -1);
  for (const line of body.slice(0, -1)) assert.equal(line.length, ARMOR_LINE_LENGTH);
  assert.ok(body.at(-1)!.length <= ARMOR_LINE_LENGTH);
  assert.ok(lines.every((line) => line.length <= 76), "fits a 76-column mail");
  assert.equal(dearmorCard(armored), golden);
});

Deno.test("dearmorCard() passes a raw JSON card through unchanged", () => {
  assert.equal(dearmorCard(golden), golden);
});

Deno.test("an armored card survives re-wrapping, quoting, CR LF and trailing spaces", async () => {
  const armored = armorCard(golden);
  fc.assert(
    fc.property(transport, (t) => {
      assert.equal(dearmorCard(mangle(armored, t)), golden);
    }),
    { numRuns: 300 },
  );
  // And the card read back from a mangled copy verifies.
  const sample = mangle(armored, {
    width: 72,
    quote: "> ",
    crlf: true,
    trailing: " ",
    before: "hi\n",
    after: "\nbye",
  });
  assert.equal((await verifyCard(dearmorCard(sample), { now: NOW })).name, "alice");
});

Deno.test("a changed character in the armored content fails as bad data", async () => {
  const armored = armorCard(golden);
  const body = armored.slice(ARMOR_BEGIN.length + 1, armored.length - ARMOR_END.length - 1);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=!";
  const positions = [...body].flatMap((c, i) => c === "\n" ? [] : [i]);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...positions),
      fc.constantFrom(...alphabet),
      transport,
      async (at, replacement, t) => {
        fc.pre(body[at] !== replacement);
        const changed = ARMOR_BEGIN + "\n" + body.slice(0, at) + replacement +
          body.slice(at + 1) + "\n" + ARMOR_END;
        await assert.rejects(
          (async () => await verifyCard(dearmorCard(mangle(changed, t)), { now: NOW }))(),
          (e) => isCardError(e) && toLegionError(e)?.exitCode === 65,
        );
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("dearmorCard() refuses an unterminated, doubled or non-base64 block", () => {
  const armored = armorCard(golden);
  for (
    const broken of [
      armored.replace(ARMOR_END, ""),
      armored + "\n" + armored,
      armored.replace(/\n[A-Za-z0-9+/]{10}/, "\n*&^%$#@!()"),
      `${ARMOR_BEGIN}\n${ARMOR_END}`,
      `${ARMOR_BEGIN}\n/w==\n${ARMOR_END}`, // one byte 0xff: not UTF-8
    ]
  ) {
    assert.throws(() => dearmorCard(broken), (e) => isCardError(e, "bad_armor"));
  }
});
