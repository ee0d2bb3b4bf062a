/** Minimal Ogg/Opus and M4A/AAC containers built byte by byte, for the voice probe's tests. */
import { concatBytes } from "../../src/crypto/bytes.ts";

/** One Ogg page (RFC 3533 §6) with one packet; the CRC is left zero (the probe does not check it). */
export function oggPage(packet: Uint8Array, granule: bigint, sequence: number): Uint8Array {
  const lacing: number[] = [];
  let left = packet.length;
  while (left >= 255) {
    lacing.push(255);
    left -= 255;
  }
  lacing.push(left);
  const out = new Uint8Array(27 + lacing.length + packet.length);
  const view = new DataView(out.buffer);
  out.set([0x4f, 0x67, 0x67, 0x53], 0);
  out[5] = sequence === 0 ? 2 : 0;
  view.setBigInt64(6, granule, true);
  view.setUint32(14, 1, true);
  view.setUint32(18, sequence, true);
  out[26] = lacing.length;
  out.set(lacing, 27);
  out.set(packet, 27 + lacing.length);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** An Ogg/Opus stream: OpusHead (pre-skip 312), OpusTags, and audio pages ending at `samples`. */
export function oggOpus(samples: number): Uint8Array {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode("OpusHead"));
  head[8] = 1;
  head[9] = 1;
  new DataView(head.buffer).setUint16(10, 312, true);
  new DataView(head.buffer).setUint32(12, 48_000, true);
  const tags = new TextEncoder().encode("OpusTags\0\0\0\0\0\0\0\0");
  return concat(
    oggPage(head, 0n, 0),
    oggPage(tags, 0n, 1),
    oggPage(new Uint8Array(300).fill(7), BigInt(Math.floor(samples / 2) + 312), 2),
    oggPage(new Uint8Array(300).fill(9), BigInt(samples + 312), 3),
  );
}

export function box(type: string, ...children: Uint8Array[]): Uint8Array {
  const body = concat(...children);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, out.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  return out;
}

/** An M4A: ftyp "M4A ", then moov with an mvhd (version 0) and a track whose sample entry is mp4a. */
export function m4a(durationMs: number, timescale = 44_100): Uint8Array {
  const ftyp = box("ftyp", new TextEncoder().encode("M4A \0\0\0\0M4A mp42isom"));
  const mvhd = new Uint8Array(100);
  const view = new DataView(mvhd.buffer);
  view.setUint32(12, timescale);
  view.setUint32(16, Math.round((durationMs * timescale) / 1000));
  const stsd = box("stsd", new Uint8Array(8), box("mp4a", new Uint8Array(28)));
  const trak = box("trak", box("mdia", box("minf", box("stbl", stsd))));
  return concat(ftyp, box("moov", box("mvhd", mvhd), trak), box("mdat", new Uint8Array(64)));
}
