/**
 * A small reader of the tag names in an EXIF block (TIFF structure, CIPA DC-008 / TIFF 6.0 §2):
 * enough to tell the user what sanitising removed. It never trusts an offset: every read is
 * bounds-checked, IFDs are visited at most once (no loops) and at most 4096 entries are read.
 *
 *   "Exif\0\0"? · byte order "II"|"MM" · 42 · offset of IFD0 (u32)
 *   IFD = count (u16) · count × [tag (u16) · type (u16) · n (u32) · value/offset (u32)] · next (u32)
 *
 * IFD0 points to the Exif IFD (0x8769), the GPS IFD (0x8825) and the interoperability IFD
 * (0xA005); the IFD after IFD0 (IFD1) holds the embedded thumbnail.
 */

const NAMES: Readonly<Record<number, string>> = {
  0x010e: "ImageDescription",
  0x010f: "Make",
  0x0110: "Model",
  0x0112: "Orientation",
  0x011a: "XResolution",
  0x011b: "YResolution",
  0x0128: "ResolutionUnit",
  0x0131: "Software",
  0x0132: "ModifyDate",
  0x013b: "Artist",
  0x013c: "HostComputer",
  0x0213: "YCbCrPositioning",
  0x8298: "Copyright",
  0x829a: "ExposureTime",
  0x829d: "FNumber",
  0x8822: "ExposureProgram",
  0x8827: "ISO",
  0x9000: "ExifVersion",
  0x9003: "DateTimeOriginal",
  0x9004: "CreateDate",
  0x9010: "OffsetTime",
  0x9011: "OffsetTimeOriginal",
  0x9201: "ShutterSpeedValue",
  0x9202: "ApertureValue",
  0x9204: "ExposureCompensation",
  0x9207: "MeteringMode",
  0x9209: "Flash",
  0x920a: "FocalLength",
  0x927c: "MakerNote",
  0x9286: "UserComment",
  0x9290: "SubSecTime",
  0x9291: "SubSecTimeOriginal",
  0xa002: "ExifImageWidth",
  0xa003: "ExifImageHeight",
  0xa420: "ImageUniqueID",
  0xa430: "OwnerName",
  0xa431: "SerialNumber",
  0xa432: "LensInfo",
  0xa433: "LensMake",
  0xa434: "LensModel",
  0xa435: "LensSerialNumber",
};

/**
 * Tags that describe the encoding, not the photo or its taker: removed like the rest, but not
 * worth naming (resolution, YCbCr layout, version numbers, colour space, pixel dimensions, the
 * thumbnail's offset and length).
 */
const STRUCTURAL = new Set([
  0x0100,
  0x0101,
  0x0102,
  0x0103,
  0x0106,
  0x0111,
  0x0115,
  0x0116,
  0x0117,
  0x011a,
  0x011b,
  0x011c,
  0x0128,
  0x0201,
  0x0202,
  0x0211,
  0x0212,
  0x0213,
  0x0214,
  0x9000,
  0x9101,
  0xa000,
  0xa001,
  0xa002,
  0xa003,
]);
const ORIENTATION = 0x0112;

/** Pointer tags: structure, not information, so not listed themselves. */
const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;
const INTEROP_IFD = 0xa005;
const MAX_ENTRIES = 4096;

/**
 * The names of the tags in an EXIF block, in order of first appearance: known tags by their
 * EXIF name, others as `Tag0x…`, the whole GPS IFD as `GPS`, an IFD1 as `Thumbnail`; encoding
 * details (resolution, colour space, versions, an upright orientation) are not named. A block
 * that is not TIFF-structured gives `["EXIF"]`; a damaged one, what could be read plus `EXIF`.
 */
export function exifTagNames(block: Uint8Array): string[] {
  let start = 0;
  if (block.length >= 6 && String.fromCharCode(...block.subarray(0, 6)) === "Exif\0\0") start = 6;
  const tiff = block.subarray(start);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (tiff.length < 8) return ["EXIF"];
  const order = String.fromCharCode(tiff[0], tiff[1]);
  if (order !== "II" && order !== "MM") return ["EXIF"];
  const le = order === "II";
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  if (u16(2) !== 42) return ["EXIF"];

  const names = new Set<string>();
  const visited = new Set<number>();
  let entries = 0;
  let damaged = false;
  const walk = (offset: number, kind: "ifd0" | "sub" | "gps" | "interop" | "ifd1"): void => {
    if (visited.has(offset)) return;
    visited.add(offset);
    if (offset < 8 || offset + 2 > tiff.length) {
      damaged = true;
      return;
    }
    const count = u16(offset);
    if (offset + 2 + count * 12 + 4 > tiff.length || (entries += count) > MAX_ENTRIES) {
      damaged = true;
      return;
    }
    if (kind === "gps") names.add("GPS");
    if (kind === "ifd1") names.add("Thumbnail");
    for (let i = 0; i < count; i++) {
      const at = offset + 2 + i * 12;
      const tag = u16(at);
      if (tag === EXIF_IFD) walk(u32(at + 8), "sub");
      else if (tag === INTEROP_IFD) walk(u32(at + 8), "interop");
      else if (tag === GPS_IFD) walk(u32(at + 8), "gps");
      else if (STRUCTURAL.has(tag) || (tag === ORIENTATION && u16(at + 8) === 1)) continue;
      else if (kind === "ifd0" || kind === "sub") {
        names.add(NAMES[tag] ?? `Tag0x${tag.toString(16).padStart(4, "0")}`);
      }
    }
    const next = u32(offset + 2 + count * 12);
    if (kind === "ifd0" && next !== 0) walk(next, "ifd1");
  };
  walk(u32(4), "ifd0");
  if (damaged) names.add("EXIF");
  return [...names];
}
