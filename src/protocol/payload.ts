/**
 * The payload inside the end-to-end ciphertext (what libsignal encrypts), version 1:
 *
 *   version (1) = 0x01
 *   type    (1)   1 text · 2 file · 3 image · 4 voice · 5 receipt · 6 burn · 7 group
 *   flags   (1)   bit 0: burn after reading; other bits must be zero
 *   id      (16)  random message id
 *   created (8)   sender's clock, ms since the epoch, unsigned big-endian, 2020 ≤ t < 2200
 *   ttl     (4)   seconds, unsigned big-endian
 *   body    (…)   the rest; its meaning depends on the type
 *
 * TTL and burn travel here, inside the ciphertext, so relays and the network never see them. The
 * receiver clamps the TTL to its own policy: a sender cannot make a message live longer than that.
 *
 * The decoder checks every field against its real range and throws a {@link PayloadError} naming
 * the first that is out of it — never a `TypeError`/`RangeError` later, where a message that cannot
 * be stored would go unacknowledged and be retried until its TTL. The bodies of receipt and burn
 * payloads are checked here too (control.ts), for the same reason.
 */
import { decodeIds, decodeReceipt } from "./control.ts";
import { type AttachmentKind, decodeDescriptor } from "./file_descriptor.ts";
import { decodeInline } from "./group_attachment.ts";
import { isControlError } from "./control_error.ts";
import { ID_BYTES } from "./message_id.ts";
import { MAX_CONTENT } from "./padding.ts";
import { PayloadError } from "./payload_error.ts";
import { isWireTimestamp, MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "./timestamp.ts";

export { ID_BYTES } from "./message_id.ts";

export const PAYLOAD_VERSION = 1;
export const HEADER_BYTES = 31;
/** A payload travels in one frame, so it can never be longer than a frame's content. */
export const MAX_PAYLOAD_BYTES = MAX_CONTENT;

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

/**
 * The types a receiver keeps as messages (the inbox lists them, burns and quotas cover them).
 * Receipts and burns are acted on, never stored; a group payload goes to the node's group handler
 * (node/group_receive.ts), which stores or refuses it as the group engine decides; any other type
 * is acknowledged and dropped, so it can neither fill the disk nor linger where nothing shows it.
 */
export const STORED_TYPES: readonly PayloadType[] = [
  PayloadType.text,
  PayloadType.file,
  PayloadType.image,
  PayloadType.voice,
];
/** The attachment kind of each attachment payload type (its body is a file descriptor). */
export const ATTACHMENT_KINDS: ReadonlyMap<PayloadType, AttachmentKind> = new Map([
  [PayloadType.file, "file"],
  [PayloadType.image, "image"],
  [PayloadType.voice, "voice"],
]);

/** The payload type that carries an attachment of `kind`. */
export function attachmentType(kind: AttachmentKind): PayloadType {
  return kind === "file"
    ? PayloadType.file
    : kind === "image"
    ? PayloadType.image
    : PayloadType.voice;
}
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
  if (!Number.isSafeInteger(payload.createdAt) || payload.createdAt < 0) {
    throw new RangeError("createdAt must be a non-negative safe integer");
  }
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

/**
 * Decodes a payload. The TTL is clamped to policy, not trusted.
 *
 * @throws {PayloadError} `truncated`, `too_large`, `unsupported_version`, `unknown_type`,
 *   `unknown_flags`, `bad_created_at` (outside 2020–2200) or `bad_body` (a receipt or burn body
 *   that control.ts refuses, or an attachment descriptor that file_descriptor.ts refuses — or,
 *   with `inline` (group posts), an inline attachment that group_attachment.ts refuses)
 */
export function decodePayload(bytes: Uint8Array, options: { inline?: boolean } = {}): Payload {
  if (bytes.length < HEADER_BYTES) fail("truncated", "truncated header");
  if (bytes.length > MAX_PAYLOAD_BYTES) fail("too_large", `larger than ${MAX_PAYLOAD_BYTES} bytes`);
  if (bytes[0] !== PAYLOAD_VERSION) fail("unsupported_version", `unsupported version ${bytes[0]}`);
  const type = bytes[1] as PayloadType;
  if (!TYPE_NAMES.has(type)) fail("unknown_type", `unknown type ${bytes[1]}`);
  if ((bytes[2] & ~FLAG_BURN) !== 0) fail("unknown_flags", "unknown flags");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const createdAt = view.getBigUint64(19);
  if (!isWireTimestamp(createdAt)) {
    fail(
      "bad_created_at",
      `creation time ${createdAt} ms is outside ${MIN_TIMESTAMP_MS}..${MAX_TIMESTAMP_MS}`,
    );
  }
  const body = bytes.slice(HEADER_BYTES);
  try {
    if (type === PayloadType.receipt) decodeReceipt(body);
    if (type === PayloadType.burn) decodeIds(body);
    const kind = ATTACHMENT_KINDS.get(type);
    const bodyKind = kind === undefined
      ? undefined
      : options.inline
      ? decodeInline(body).kind
      : decodeDescriptor(body).kind;
    if (bodyKind !== kind) {
      fail("bad_body", `${payloadTypeName(type)} body: its attachment is of another kind`);
    }
  } catch (err) {
    if (!isControlError(err)) throw err;
    fail("bad_body", `${payloadTypeName(type)} body: ${err.reason}`);
  }
  return {
    type,
    burn: (bytes[2] & FLAG_BURN) !== 0,
    id: bytes.slice(3, 19),
    createdAt: Number(createdAt),
    ttlSeconds: clampTtl(view.getUint32(27)),
    body,
  };
}

/**
 * The id in a payload's header, read without judging the rest (for acknowledging and dropping a
 * payload of a type this version does not know); undefined when the header is short or of another
 * version.
 */
export function payloadHeaderId(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < HEADER_BYTES || bytes[0] !== PAYLOAD_VERSION) return undefined;
  return bytes.slice(3, 19);
}

function fail(reason: PayloadError["reason"], message: string): never {
  throw new PayloadError(reason, `Cannot read message payload: ${message}`);
}
