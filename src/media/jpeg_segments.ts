/**
 * Names of the JPEG marker segments that carry metadata sharp's `metadata()` does not report:
 * comments (COM), multi-picture/extra images (APP2 "MPF"), extended XMP and vendor APPn blocks.
 * Walks the segments before the first scan (ITU T.81 §B.1.1.4); stops at SOS, EOI or anything
 * malformed. JFIF (APP0), Adobe (APP14), Exif/XMP (APP1), ICC (APP2) and IPTC (APP13) are left to
 * sharp's metadata.
 */
export function jpegExtraSegments(bytes: Uint8Array): string[] {
  const names = new Set<string>();
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return [];
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2 || at + 2 + length > bytes.length) break;
    const body = bytes.subarray(at + 4, at + 2 + length);
    const id = String.fromCharCode(...body.subarray(0, Math.min(body.length, 35)));
    if (marker === 0xfe) names.add("Comment");
    else if (marker === 0xe1 && id.startsWith("http://ns.adobe.com/xmp/extension/")) {
      names.add("XMP");
    } else if (marker === 0xe2 && id.startsWith("MPF\0")) names.add("MPF");
    else if (marker >= 0xe3 && marker <= 0xef && marker !== 0xed && marker !== 0xee) {
      names.add(`APP${marker - 0xe0}`);
    }
    at += 2 + length;
  }
  return [...names];
}
