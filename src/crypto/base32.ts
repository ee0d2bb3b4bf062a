/** RFC 4648 §6 base32, lowercase, without padding — the alphabet of Tor onion addresses. */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes lowercase or uppercase base32 without padding; returns `undefined` on any bad input. */
export function base32Decode(text: string): Uint8Array | undefined {
  const lower = text.toLowerCase();
  const out = new Uint8Array(Math.floor((lower.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of lower) {
    const value = ALPHABET.indexOf(char);
    if (value === -1) return undefined;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  // Leftover bits must be zero padding, or the text is not a canonical encoding.
  if (bits >= 5 || buffer !== 0) return undefined;
  return out;
}
