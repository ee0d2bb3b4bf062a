/**
 * The relay's wire: what a mailbox owner and a depositor say to a relay over its onion service, one
 * request per stream. Every message is the content of one Legion frame (frame.ts, padded to a
 * bucket by padding.ts, so sizes leak only their bucket). All integers are big-endian.
 *
 *   message  = version (1) = 0x01 || kind (1) || body
 *
 * Relay → client, first on every stream (before anything is read):
 *   CHALLENGE 0x80  nonce (32)                         fresh random per stream
 * Client → relay, exactly one request:
 *   OPEN      0x01  ownerKey (32) || sig (64)
 *   DEPOSIT   0x02  depositId (16) || epoch (4) || slot (4) || proof (385) || envelope (1..)
 *   FETCH     0x03  fetchId (16) || maxItems (2, ≥ 1) || sig (64)
 *   ACK       0x04  fetchId (16) || count (2, 1..MAX_ACK_IDS) || itemId (16) × count || sig (64)
 *   CLOSE     0x05  fetchId (16) || sig (64)
 *   GROUP     0x06  (empty)                             asks for the public member group file
 * Relay → client, the one reply:
 *   REPLY     0x81  status (1) || body
 *     status 0 (ok):  OPEN   fetchId (16) || depositId (16)
 *                     DEPOSIT (empty)
 *                     FETCH  count (2) || [itemId (16) || length (4) || envelope] × count
 *                     ACK    deleted (2)
 *                     CLOSE  (empty)
 *                     GROUP  the group file, UTF-8 JSON (src/zk/group.ts)
 *     status ≠ 0:     a refusal code (REFUSALS), empty body
 *
 * `proof` is a packed Semaphore proof (src/zk/proof.ts `packProof`: depth, root, nullifier,
 * message, scope, 8 points); its scope must be `rateLimitScope(relay onion, epoch, slot)` and its
 * message `digestValue(envelope)`. The relay, not this module, checks those.
 *
 * `sig` is Ed25519 by the mailbox owner's key over {@link authMessage}: a domain tag, the relay's
 * public key, the stream's challenge and every byte of the request before the signature — so a
 * signed request is good for one stream to one relay only (no bearer token, no replay).
 *
 * The decoders are strict: exact lengths, known kinds and statuses only; anything else throws
 * RelayWireError and nothing else.
 */
import { RelayWireError } from "./relay_wire_error.ts";
import { concatBytes } from "../crypto/bytes.ts";

export const RELAY_WIRE_VERSION = 0x01;
export const CHALLENGE_BYTES = 32;
export const MAILBOX_ID_BYTES = 16;
export const ITEM_ID_BYTES = 16;
export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** `packProof`'s size (src/zk/proof.ts PACKED_PROOF_BYTES), repeated here: protocol sits below zk. */
export const PROOF_BYTES = 385;
/** Most item ids one ACK may carry. */
export const MAX_ACK_IDS = 1024;
export const AUTH_DOMAIN = new TextEncoder().encode("legion/v1/relay-auth\0");

export const KIND = {
  open: 0x01,
  deposit: 0x02,
  fetch: 0x03,
  ack: 0x04,
  close: 0x05,
  group: 0x06,
  challenge: 0x80,
  reply: 0x81,
} as const;

/** Refusal codes on the wire; each one is its own counted reason at the relay. */
export const REFUSALS = [
  "oversized", // 1  envelope over the relay's cap
  "malformed", // 2  request or proof does not parse
  "unknown_mailbox", // 3
  "mailbox_full", // 4  item or byte quota reached
  "unknown_root", // 5  not a root of the member group
  "stale_root", // 6  a past root outside the window (e.g. after a revocation)
  "wrong_epoch", // 7  epoch not current
  "bad_slot", // 8  slot ≥ k
  "wrong_scope", // 9  scope ≠ H(this relay, epoch, slot): another relay's or epoch's proof
  "wrong_message", // 10 message ≠ H(envelope)
  "nullifier_spent", // 11 this (member, epoch, slot) already deposited
  "invalid_proof", // 12 points off-curve or pairing check fails
  "unauthorized", // 13 owner signature missing or wrong
  "unavailable", // 14 the relay failed or is stopping
] as const;
export type Refusal = typeof REFUSALS[number];

export function refusalCode(reason: Refusal): number {
  return REFUSALS.indexOf(reason) + 1;
}

export type RelayRequest =
  | { kind: "open"; ownerKey: Uint8Array; signature: Uint8Array }
  | {
    kind: "deposit";
    depositId: Uint8Array;
    epoch: number;
    slot: number;
    proof: Uint8Array;
    envelope: Uint8Array;
  }
  | { kind: "fetch"; fetchId: Uint8Array; maxItems: number; signature: Uint8Array }
  | { kind: "ack"; fetchId: Uint8Array; itemIds: Uint8Array[]; signature: Uint8Array }
  | { kind: "close"; fetchId: Uint8Array; signature: Uint8Array }
  | { kind: "group" };

export interface FetchedItem {
  itemId: Uint8Array;
  envelope: Uint8Array;
}

export type RelayReply =
  | { ok: false; refusal: Refusal }
  | { ok: true; body: Uint8Array };

/** Signed request kinds: all but deposit and group. */
export type SignedKind = "open" | "fetch" | "ack" | "close";

// ---------------------------------------------------------------- encoding

export function encodeChallenge(nonce: Uint8Array): Uint8Array {
  exact(nonce, CHALLENGE_BYTES, "nonce");
  return concatBytes([header(KIND.challenge), nonce]);
}

export function decodeChallenge(message: Uint8Array): Uint8Array {
  const body = bodyOf(message, KIND.challenge);
  if (body.length !== CHALLENGE_BYTES) fail("bad_length", "challenge must be 32 bytes");
  return body.slice();
}

/** The request bytes a signature covers (everything before the signature). */
export function unsignedRequest(
  request: Exclude<RelayRequest, { kind: "deposit" } | { kind: "group" }>,
): Uint8Array {
  switch (request.kind) {
    case "open":
      exact(request.ownerKey, KEY_BYTES, "ownerKey");
      return concatBytes([header(KIND.open), request.ownerKey]);
    case "fetch":
      exact(request.fetchId, MAILBOX_ID_BYTES, "fetchId");
      if (
        !Number.isInteger(request.maxItems) || request.maxItems < 1 || request.maxItems > 0xffff
      ) {
        throw new RangeError("maxItems must be 1..65535");
      }
      return concatBytes([header(KIND.fetch), request.fetchId, u16(request.maxItems)]);
    case "ack": {
      exact(request.fetchId, MAILBOX_ID_BYTES, "fetchId");
      const n = request.itemIds.length;
      if (n < 1 || n > MAX_ACK_IDS) throw new RangeError(`ack carries 1..${MAX_ACK_IDS} ids`);
      for (const id of request.itemIds) exact(id, ITEM_ID_BYTES, "itemId");
      return concatBytes([header(KIND.ack), request.fetchId, u16(n), ...request.itemIds]);
    }
    case "close":
      exact(request.fetchId, MAILBOX_ID_BYTES, "fetchId");
      return concatBytes([header(KIND.close), request.fetchId]);
  }
}

/** What the owner signs: AUTH_DOMAIN || relayKey (32) || challenge (32) || unsigned request. */
export function authMessage(
  relayKey: Uint8Array,
  challenge: Uint8Array,
  unsigned: Uint8Array,
): Uint8Array {
  exact(relayKey, KEY_BYTES, "relayKey");
  exact(challenge, CHALLENGE_BYTES, "challenge");
  return concatBytes([AUTH_DOMAIN, relayKey, challenge, unsigned]);
}

export function encodeRequest(request: RelayRequest): Uint8Array {
  switch (request.kind) {
    case "deposit": {
      exact(request.depositId, MAILBOX_ID_BYTES, "depositId");
      exact(request.proof, PROOF_BYTES, "proof");
      if (request.envelope.length < 1) throw new RangeError("envelope must not be empty");
      return concatBytes([
        header(KIND.deposit),
        request.depositId,
        u32(request.epoch),
        u32(request.slot),
        request.proof,
        request.envelope,
      ]);
    }
    case "group":
      return header(KIND.group);
    default:
      exact(request.signature, SIGNATURE_BYTES, "signature");
      return concatBytes([unsignedRequest(request), request.signature]);
  }
}

/** @throws RelayWireError on anything that is not exactly one well-formed request. */
export function decodeRequest(message: Uint8Array): RelayRequest {
  const kind = kindOf(message);
  const body = message.subarray(2);
  const sigAt = body.length - SIGNATURE_BYTES;
  switch (kind) {
    case KIND.open:
      need(body, KEY_BYTES + SIGNATURE_BYTES);
      return { kind: "open", ownerKey: body.slice(0, KEY_BYTES), signature: body.slice(sigAt) };
    case KIND.deposit: {
      const fixed = MAILBOX_ID_BYTES + 8 + PROOF_BYTES;
      if (body.length < fixed + 1) fail("bad_length", "deposit is too short");
      const view = dataView(body);
      return {
        kind: "deposit",
        depositId: body.slice(0, 16),
        epoch: view.getUint32(16),
        slot: view.getUint32(20),
        proof: body.slice(24, 24 + PROOF_BYTES),
        envelope: body.slice(fixed),
      };
    }
    case KIND.fetch: {
      need(body, MAILBOX_ID_BYTES + 2 + SIGNATURE_BYTES);
      const maxItems = dataView(body).getUint16(16);
      if (maxItems < 1) fail("bad_field", "maxItems must be at least 1");
      return { kind: "fetch", fetchId: body.slice(0, 16), maxItems, signature: body.slice(sigAt) };
    }
    case KIND.ack: {
      if (body.length < MAILBOX_ID_BYTES + 2) fail("bad_length", "ack is too short");
      const count = dataView(body).getUint16(16);
      if (count < 1 || count > MAX_ACK_IDS) fail("bad_field", `ack carries 1..${MAX_ACK_IDS} ids`);
      need(body, MAILBOX_ID_BYTES + 2 + count * ITEM_ID_BYTES + SIGNATURE_BYTES);
      const itemIds = Array.from(
        { length: count },
        (_, i) => body.slice(18 + i * ITEM_ID_BYTES, 18 + (i + 1) * ITEM_ID_BYTES),
      );
      return { kind: "ack", fetchId: body.slice(0, 16), itemIds, signature: body.slice(sigAt) };
    }
    case KIND.close:
      need(body, MAILBOX_ID_BYTES + SIGNATURE_BYTES);
      return { kind: "close", fetchId: body.slice(0, 16), signature: body.slice(sigAt) };
    case KIND.group:
      need(body, 0);
      return { kind: "group" };
    default:
      fail("bad_kind", `unknown request kind ${kind}`);
  }
}

export function encodeReply(reply: RelayReply): Uint8Array {
  if (!reply.ok) {
    return concatBytes([header(KIND.reply), Uint8Array.of(refusalCode(reply.refusal))]);
  }
  return concatBytes([header(KIND.reply), Uint8Array.of(0), reply.body]);
}

/** @throws RelayWireError */
export function decodeReply(message: Uint8Array): RelayReply {
  const body = bodyOf(message, KIND.reply);
  if (body.length < 1) fail("bad_length", "reply has no status");
  const status = body[0];
  if (status === 0) return { ok: true, body: body.slice(1) };
  const refusal = REFUSALS[status - 1];
  if (refusal === undefined) fail("bad_status", `unknown reply status ${status}`);
  if (body.length !== 1) fail("bad_length", "a refusal has no body");
  return { ok: false, refusal };
}

export function encodeOpened(fetchId: Uint8Array, depositId: Uint8Array): Uint8Array {
  exact(fetchId, MAILBOX_ID_BYTES, "fetchId");
  exact(depositId, MAILBOX_ID_BYTES, "depositId");
  return concatBytes([fetchId, depositId]);
}

/** @throws RelayWireError */
export function decodeOpened(body: Uint8Array): { fetchId: Uint8Array; depositId: Uint8Array } {
  need(body, 2 * MAILBOX_ID_BYTES);
  return { fetchId: body.slice(0, 16), depositId: body.slice(16) };
}

export function encodeFetched(items: readonly FetchedItem[]): Uint8Array {
  if (items.length > 0xffff) throw new RangeError("too many items");
  const parts: Uint8Array[] = [u16(items.length)];
  for (const item of items) {
    exact(item.itemId, ITEM_ID_BYTES, "itemId");
    parts.push(item.itemId, u32(item.envelope.length), item.envelope);
  }
  return concatBytes(parts);
}

/** Bytes one item adds to a FETCH reply. */
export function fetchedItemBytes(envelopeLength: number): number {
  return ITEM_ID_BYTES + 4 + envelopeLength;
}

/** @throws RelayWireError */
export function decodeFetched(body: Uint8Array): FetchedItem[] {
  if (body.length < 2) fail("bad_length", "fetch reply is too short");
  const view = dataView(body);
  const count = view.getUint16(0);
  const items: FetchedItem[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (body.length - at < ITEM_ID_BYTES + 4) fail("bad_length", "fetch reply is truncated");
    const length = view.getUint32(at + ITEM_ID_BYTES);
    const start = at + ITEM_ID_BYTES + 4;
    if (length < 1 || body.length - start < length) fail("bad_length", "item is truncated");
    items.push({
      itemId: body.slice(at, at + ITEM_ID_BYTES),
      envelope: body.slice(start, start + length),
    });
    at = start + length;
  }
  if (at !== body.length) fail("bad_length", "trailing bytes after the items");
  return items;
}

export function encodeAcked(deleted: number): Uint8Array {
  return u16(deleted);
}

/** @throws RelayWireError */
export function decodeAcked(body: Uint8Array): number {
  need(body, 2);
  return dataView(body).getUint16(0);
}

// ---------------------------------------------------------------- helpers

function header(kind: number): Uint8Array {
  return Uint8Array.of(RELAY_WIRE_VERSION, kind);
}

function kindOf(message: Uint8Array): number {
  if (message.length < 2) fail("bad_length", "message is shorter than its header");
  if (message[0] !== RELAY_WIRE_VERSION) fail("bad_version", `unknown version ${message[0]}`);
  return message[1];
}

function bodyOf(message: Uint8Array, kind: number): Uint8Array {
  const got = kindOf(message);
  if (got !== kind) fail("bad_kind", `expected kind ${kind}, got ${got}`);
  return message.subarray(2);
}

function need(body: Uint8Array, length: number): void {
  if (body.length !== length) {
    fail("bad_length", `expected a ${length}-byte body, got ${body.length}`);
  }
}

function exact(bytes: Uint8Array, length: number, name: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes`);
  }
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value);
  return out;
}

function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError("value must fit in 32 bits");
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function fail(reason: RelayWireError["reason"], detail: string): never {
  throw new RelayWireError(reason, `Cannot parse relay message: ${detail}`);
}
