/**
 * The payload inside the end-to-end ciphertext (what libsignal encrypts), version 1:
 *
 *   version (1) = 0x01
 *   type    (1)   1 text · 2 file · 3 image · 4 voice · 5 receipt · 6 burn · 7 group
 *   flags   (1)   bit 0: burn after reading; other bits must be zero
 *   id      (16)  random message id
 *   created (8)   sender's clock, ms since the epoch, unsigned big-endian
 *   ttl     (4)   seconds, unsigned big-endian
 *   body    (…)   the rest; its meaning depends on the type
 *
 * TTL and burn travel here, inside the ciphertext, so relays and the network never see them. The
 * receiver clamps the TTL to its own policy: a sender cannot make a message live longer than that.
 */
import { LegionError } from "../errors.ts";

export const PAYLOAD_VERSION = 1;
export const HEADER_BYTES = 31;
export const ID_BYTES = 16;

export const PayloadType = {
  text: 1,
  file: 2,
  image: 3,
  voice: 4,
  receipt: 5,
  burn: 6,
  group: 7,
} as const;
export type PayloadType = typeof PayloadType[keyof typeof PayloadType];
const TYPE_NAMES = new Map(Object.entries(PayloadType).map(([name, value]) => [value, name]));

/** TTL policy, applied on send and again on receive. */
export const TTL_MIN_SECONDS = 60;
export const TTL_MAX_SECONDS = 30 * 86_400;
export const TTL_DEFAULT_SECONDS = 7 * 86_400;

const FLAG_BURN = 0x01;

export interface Payload {
  type: PayloadType;
  id: Uint8Array;
  createdAt: number;
  ttlSeconds: number;
  burn: boolean;
  body: Uint8Array;
}

export function clampTtl(seconds: number): number {
  return Math.min(TTL_MAX_SECONDS, Math.max(TTL_MIN_SECONDS, Math.floor(seconds)));
}

export function payloadTypeName(type: PayloadType): string {
  return TYPE_NAMES.get(type) ?? "unknown";
}

export function encodePayload(payload: Payload): Uint8Array {
  if (payload.id.length !== ID_BYTES) throw new RangeError("id must be 16 bytes");
  if (!TYPE_NAMES.has(payload.type)) throw new RangeError(`unknown payload type ${payload.type}`);
  const out = new Uint8Array(HEADER_BYTES + payload.body.length);
  const view = new DataView(out.buffer);
  out[0] = PAYLOAD_VERSION;
  out[1] = payload.type;
  out[2] = payload.burn ? FLAG_BURN : 0;
  out.set(payload.id, 3);
  view.setBigUint64(19, BigInt(payload.createdAt));
  view.setUint32(27, clampTtl(payload.ttlSeconds));
  out.set(payload.body, HEADER_BYTES);
  return out;
}

/** Decodes a payload; any malformed header is `bad_data`. The TTL is clamped, not trusted. */
export function decodePayload(bytes: Uint8Array): Payload {
  if (bytes.length < HEADER_BYTES) fail("truncated header");
  if (bytes[0] !== PAYLOAD_VERSION) fail(`unsupported version ${bytes[0]}`);
  const type = bytes[1] as PayloadType;
  if (!TYPE_NAMES.has(type)) fail(`unknown type ${bytes[1]}`);
  if ((bytes[2] & ~FLAG_BURN) !== 0) fail("unknown flags");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const createdAt = view.getBigUint64(19);
  if (createdAt > BigInt(Number.MAX_SAFE_INTEGER)) fail("creation time out of range");
  return {
    type,
    burn: (bytes[2] & FLAG_BURN) !== 0,
    id: bytes.slice(3, 19),
    createdAt: Number(createdAt),
    ttlSeconds: clampTtl(view.getUint32(27)),
    body: bytes.slice(HEADER_BYTES),
  };
}

function fail(reason: string): never {
  throw new LegionError("bad_data", `Cannot read message payload: ${reason}`);
}
