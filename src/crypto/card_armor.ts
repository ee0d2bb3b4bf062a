/**
 * The armored text form of a contact card, for mail and chat, where long lines get wrapped and
 * quoted:
 *
 *   -----BEGIN LEGION CARD-----
 *   base64 of the card's canonical JSON, standard alphabet with padding, 64 characters a line
 *   -----END LEGION CARD-----
 *
 * Reading is tolerant of the transport and strict about the content: quote prefixes (`> `, `>>`),
 * CR LF line ends, surrounding spaces, text before and after the block and any re-wrapping of the
 * base64 are accepted; the base64 itself must be canonical and decode to UTF-8, and the JSON it
 * holds is then verified like any card (verifyCard). The armor adds no checksum: the card's
 * signatures already catch every change to its content.
 */
import { fromBase64, toBase64 } from "./base64.ts";
import { CardError } from "./card_error.ts";

export const ARMOR_BEGIN = "-----BEGIN LEGION CARD-----";
export const ARMOR_END = "-----END LEGION CARD-----";
export const ARMOR_LINE_LENGTH = 64;

/** Armors a card's JSON text. */
export function armorCard(json: string): string {
  const base64 = toBase64(new TextEncoder().encode(json));
  const lines = [ARMOR_BEGIN];
  for (let i = 0; i < base64.length; i += ARMOR_LINE_LENGTH) {
    lines.push(base64.slice(i, i + ARMOR_LINE_LENGTH));
  }
  lines.push(ARMOR_END);
  return lines.join("\n");
}

/** True when `text` holds an armored card (possibly quoted or wrapped). */
export function isArmoredCard(text: string): boolean {
  return text.includes(ARMOR_BEGIN);
}

/**
 * The card JSON inside an armored block; text without a BEGIN line is returned as it is (a raw
 * JSON card).
 *
 * @throws {CardError} `bad_armor` when the block is unterminated, doubled, or not canonical base64
 *   of UTF-8 text.
 */
export function dearmorCard(text: string): string {
  if (!isArmoredCard(text)) return text;
  const lines = text.split(/\r?\n|\r/).map(unquote);
  const begin = lines.indexOf(ARMOR_BEGIN);
  const end = lines.indexOf(ARMOR_END, begin + 1);
  if (begin === -1 || end === -1) {
    throw armorError(`no "${ARMOR_END}" line after "${ARMOR_BEGIN}"`);
  }
  if (lines.indexOf(ARMOR_BEGIN, begin + 1) !== -1) {
    throw armorError("more than one card block");
  }
  const base64 = lines.slice(begin + 1, end).join("").replace(/[ \t]+/g, "");
  const bytes = fromBase64(base64);
  if (bytes === undefined || bytes.length === 0) throw armorError("the block is not base64");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw armorError("the block does not hold UTF-8 text");
  }
}

/** A line without mail quote prefixes (`>`, `> >`, `>>`) and surrounding white space. */
function unquote(line: string): string {
  return line.replace(/^[ \t]*(?:>[ \t]?)*/, "").trim();
}

function armorError(why: string): CardError {
  return new CardError("bad_armor", `Cannot parse card: ${why}`, {
    hint: "copy the whole block, from its BEGIN line to its END line, or ask for a fresh copy",
  });
}
