/**
 * Voice clips recognised by their bytes, never by their name: Ogg/Opus (RFC 7845) and M4A/AAC
 * (ISO-BMFF, ISO/IEC 14496-12, with an `mp4a` track), with their duration read from the container. Anything else is
 * refused, as is a clip whose duration cannot be read. Every offset is bounds-checked.
 */
import { MediaError } from "./media_error.ts";

export type VoiceFormat = "ogg-opus" | "m4a-aac";

export interface VoiceClip {
  format: VoiceFormat;
  /** MIME type to carry in the descriptor. */
  mime: "audio/ogg" | "audio/mp4";
  durationMs: number;
}

const latin1 = (bytes: Uint8Array, at: number, length: number): string =>
  at + length > bytes.length ? "" : String.fromCharCode(...bytes.subarray(at, at + length));

/** Ogg/Opus or M4A by the first bytes alone (no duration): for quick sniffing. */
export function sniffVoice(bytes: Uint8Array): VoiceFormat | undefined {
  if (latin1(bytes, 0, 4) === "OggS" && latin1(bytes, 28, 8) === "OpusHead") return "ogg-opus";
  if (latin1(bytes, 4, 4) === "ftyp") {
    const brand = latin1(bytes, 8, 4);
    if (["M4A ", "M4B ", "mp42", "isom", "mp41", "dash"].includes(brand)) return "m4a-aac";
  }
  return undefined;
}

/**
 * Identifies and measures a voice clip.
 *
 * @throws {MediaError} `not_a_voice_clip`
 */
export function probeVoice(bytes: Uint8Array): VoiceClip {
  const format = sniffVoice(bytes);
  const durationMs = format === "ogg-opus"
    ? oggOpusDuration(bytes)
    : format === "m4a-aac"
    ? m4aDuration(bytes)
    : undefined;
  if (format === undefined || durationMs === undefined) {
    throw new MediaError(
      "not_a_voice_clip",
      format === undefined
        ? "Cannot use the voice clip: not Ogg/Opus or M4A/AAC"
        : `Cannot use the voice clip: the ${format} duration cannot be read`,
      { hint: "record voice clips as .ogg (Opus) or .m4a (AAC); send anything else as a file" },
    );
  }
  return { format, mime: format === "ogg-opus" ? "audio/ogg" : "audio/mp4", durationMs };
}

/**
 * RFC 7845 §4: duration = last page's granule position − pre-skip, at 48 kHz. The first page
 * must carry the OpusHead (version 1, pre-skip at offset 10 of the packet); the last page is
 * found by scanning back for the last "OggS" capture pattern whose header fits.
 */
function oggOpusDuration(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 47) return undefined;
  const segments = bytes[26];
  const head = 27 + segments;
  if (latin1(bytes, head, 8) !== "OpusHead" || head + 19 > bytes.length) return undefined;
  if ((bytes[head + 8] & 0xf0) !== 0) return undefined; // major version 0 (RFC 7845 §5.1)
  const preSkip = view.getUint16(head + 10, true);
  for (let at = bytes.length - 27; at >= 0; at--) {
    if (bytes[at] !== 0x4f || latin1(bytes, at, 4) !== "OggS" || bytes[at + 4] !== 0) continue;
    const granule = view.getBigInt64(at + 6, true);
    if (granule === -1n) continue; // a page on which no packet ends
    const samples = Number(granule) - preSkip;
    if (samples < 0 || !Number.isSafeInteger(samples)) return undefined;
    return Math.round(samples / 48);
  }
  return undefined;
}

/** ISO/IEC 14496-12 §8.2.2: moov → mvhd; duration / timescale (version 0: u32s, 1: u64). */
function m4aDuration(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const moov = findBox(bytes, view, 0, bytes.length, "moov");
  if (!moov) return undefined;
  const mvhd = findBox(bytes, view, moov.body, moov.end, "mvhd");
  if (!mvhd || !hasAacTrack(bytes, moov.body, moov.end)) return undefined;
  const version = bytes[mvhd.body];
  const at = mvhd.body + 4;
  let timescale: number;
  let duration: number;
  if (version === 0 && at + 16 <= mvhd.end) {
    timescale = view.getUint32(at + 8);
    duration = view.getUint32(at + 12);
  } else if (version === 1 && at + 28 <= mvhd.end) {
    timescale = view.getUint32(at + 16);
    duration = Number(view.getBigUint64(at + 20));
  } else return undefined;
  if (timescale === 0 || !Number.isSafeInteger(duration)) return undefined;
  return Math.round((duration * 1000) / timescale);
}

/** An `mp4a` sample entry somewhere in moov (ISO/IEC 14496-14 §5.6): the clip is AAC audio. */
function hasAacTrack(bytes: Uint8Array, from: number, to: number): boolean {
  for (
    let at = bytes.indexOf(0x6d, from);
    at !== -1 && at + 4 <= to;
    at = bytes.indexOf(0x6d, at + 1)
  ) {
    if (latin1(bytes, at, 4) === "mp4a") return true;
  }
  return false;
}

/** The first box of `type` among the siblings in [from, to); sizes 0 and 1 handled, 64-bit ones
 *  above 2^53 refused. */
function findBox(
  bytes: Uint8Array,
  view: DataView,
  from: number,
  to: number,
  type: string,
): { body: number; end: number } | undefined {
  let at = from;
  for (let boxes = 0; at + 8 <= to && boxes < 10_000; boxes++) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return undefined;
      const large = view.getBigUint64(at + 8);
      if (large > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
      size = Number(large);
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) return undefined;
    if (latin1(bytes, at + 4, 4) === type) return { body: at + header, end: at + size };
    at += size;
  }
  return undefined;
}
