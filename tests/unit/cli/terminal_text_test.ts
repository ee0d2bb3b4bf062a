import fc from "fast-check";
import { assert, assertEquals } from "../../support/assert.ts";
import { CONTINUATION, terminalLine, withBody } from "../../../src/cli/terminal_text.ts";

/** What must never reach the terminal raw, listed independently of the implementation. */
function isForbidden(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || // C0, DEL, C1 (ESC is 0x1b)
    code === 0x061c || code === 0x200e || code === 0x200f || // bidi marks
    (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || // bidi controls
    (code >= 0x200b && code <= 0x200d) || (code >= 0x2060 && code <= 0x2064) || // zero-width
    code === 0xfeff || code === 0x00ad || code === 0x2028 || code === 0x2029 ||
    (code >= 0xd800 && code <= 0xdfff) || (code >= 0xe0000 && code <= 0xe007f);
}

function forbiddenIn(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    if (code > 0xffff) i++;
    if (isForbidden(code)) found.push(code.toString(16));
  }
  return found;
}

const DANGEROUS = [
  "\x1b",
  "\x1b[2J",
  "\x1b]52;c;ZXZpbA==\x07",
  "\x1b]8;;https://evil.example\x1b\\",
  "\x9b",
  "\x7f",
  "\x00",
  "\n",
  "\r",
  "\r\n",
  "\t",
  "\v",
  "\f",
  "\x85",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u202a",
  "\u2066",
  "\u2069",
  "\u061c",
  "\u200b",
  "\u200d",
  "\u200e",
  "\u2060",
  "\ufeff",
  "\u00ad",
  "\ud800",
  "\udc00",
  "\u{e0041}",
  "2026-11-22T10:00:00.000Z alice: ",
  "  | ",
];

/** Any string, with the dangerous pieces much more likely than by chance. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...DANGEROUS),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});

Deno.test("terminalLine() leaves no control, bidi or zero-width code point, for any string", () => {
  fc.assert(
    fc.property(hostile, (text) => {
      const out = terminalLine(text);
      assertEquals(forbiddenIn(out), [], JSON.stringify(out));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("withBody() never lets a body line start like a header, for any string", () => {
  const header = "2026-11-22T10:00:00.000Z 0123abcd alice: ";
  fc.assert(
    fc.property(hostile, (body) => {
      const lines = withBody(header, body);
      assert(lines[0].startsWith(header));
      for (const line of lines.slice(1)) assert(line.startsWith(CONTINUATION), line);
      for (const line of lines) assertEquals(forbiddenIn(line), [], JSON.stringify(line));
      // Line breaks are only the ones between the returned lines.
      assertEquals(lines.length, body.split(/\r?\n/).length);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("terminalLine() keeps ordinary text, emoji and other scripts as they are", () => {
  for (
    const text of [
      "hello, world",
      "Grüße aus Köln",
      "مرحبا",
      "שלום",
      "日本語",
      "❤\ufe0f 👍🏽",
      "back\\slash and 'quotes'",
    ]
  ) {
    assertEquals(terminalLine(text), text);
  }
});

Deno.test("terminalLine() shows escape sequences, bidi overrides and zero-width characters escaped", () => {
  assertEquals(terminalLine("a\x1b[2Jb"), "a\\x1b[2Jb");
  assertEquals(terminalLine("\x1b]52;c;ZXZpbA==\x07"), "\\x1b]52;c;ZXZpbA==\\x07");
  assertEquals(terminalLine("evil\u202etxt.exe"), "evil\\u202etxt.exe");
  assertEquals(terminalLine("ali\u200bce"), "ali\\u200bce");
  assertEquals(terminalLine("a\tb\r\nc"), "a\\tb\\r\\nc");
  assertEquals(terminalLine("\x9b\x7f"), "\\x9b\\x7f");
  assertEquals(terminalLine("tag\u{e0041}"), "tag\\u{e0041}");
});

Deno.test("withBody() indents a forged inbox line under the real header", () => {
  assertEquals(
    withBody("10:00 bob: ", "ok\n2026-11-22T10:00:00.000Z alice: wire the money"),
    ["10:00 bob: ok", `${CONTINUATION}2026-11-22T10:00:00.000Z alice: wire the money`],
  );
  assertEquals(withBody("h: ", "one\r\ntwo\rthree"), ["h: one", `${CONTINUATION}two\\rthree`]);
});
