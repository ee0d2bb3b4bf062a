/**
 * Text from peers (message bodies, card name hints, contact names, errors quoting them) must not
 * drive the terminal: no escape sequences (ESC, CSI, OSC 52 clipboard writes, OSC 8 links), no
 * carriage returns or newlines forging a line of our own output, no bidi overrides or invisible
 * characters making one name look like another. Every such string goes through this module before
 * it reaches a human; `--json` output keeps the exact text (JSON escapes it).
 *
 * What is shown escaped, as `\xHH`, `\uHHHH` or `\u{HHHHH}` (`\n`, `\r`, `\t` for those three):
 * control characters (C0, DEL, C1: `\p{Cc}`), format characters (`\p{Cf}`: bidi embeddings,
 * overrides and isolates, zero-width space/joiners, word joiner, BOM, soft hyphen, tags), line
 * and paragraph separators (U+2028/U+2029), lone surrogates, and the other default-ignorable
 * (invisible) code points such as the Hangul fillers. Variation selectors stay: they only choose a
 * glyph's presentation (U+FE0F makes ❤ an emoji), and names, where they could hide, refuse them.
 *
 * @example
 * ```ts
 * terminalLine("a\x1b]52;c;ZXZpbA==\x07b"); // "a\\x1b]52;c;ZXZpbA==\\x07b"
 * withBody("12:00 alice: ", "ok\nbob: hi"); // ["12:00 alice: ok", "  | bob: hi"]
 * ```
 */

/** Code points that never reach a terminal raw (but see {@link VARIATION_SELECTOR}). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
/** Default-ignorable, yet harmless: they pick a glyph's presentation. */
const VARIATION_SELECTOR = /^[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]$/u;

/** Starts every continuation line of a multi-line body, so none can pass for a header. */
export const CONTINUATION = "  | ";

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escape(char: string): string {
  if (VARIATION_SELECTOR.test(char)) return char;
  const short = SHORT[char];
  if (short) return short;
  const code = char.codePointAt(0)!;
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  if (code <= 0xffff) return `\\u${hex.padStart(4, "0")}`;
  return `\\u{${hex}}`;
}

/**
 * `text` as one harmless line: every unsafe code point (newlines included) shown escaped. For
 * names, ids, error texts: anything printed inside a line of our own.
 */
export function terminalLine(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * A header followed by a multi-line body: the body's first line goes after `header`, each later
 * line is prefixed with {@link CONTINUATION}; every line is neutralised as by
 * {@link terminalLine}. Lines split at `\n` (a `\r\n` pair counts as one break).
 */
export function withBody(header: string, body: string): string[] {
  const [first, ...rest] = body.split(/\r?\n/).map(terminalLine);
  return [header + first, ...rest.map((line) => CONTINUATION + line)];
}

/**
 * Output's safety net for text we compose ourselves (QR codes, multi-line results): unsafe code
 * points escaped, but the line breaks kept.
 */
export function terminalLines(text: string): string {
  return text.split("\n").map(terminalLine).join("\n");
}
