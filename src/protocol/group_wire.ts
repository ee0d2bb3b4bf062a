/**
 * The group messages nodes exchange (inside their 1:1 sessions or the hello-admitted group
 * channel), version 1. Every message starts with the same header:
 *
 *   version  (1)  = 0x01
 *   kind     (1)  1 commit · 2 welcome · 3 post · 4 proposal · 5 key_package_request
 *                 6 key_package · 7 commit_request
 *   group id (16) random, chosen by the owner
 *   body     (…)  by kind:
 *     commit              seq (4, big-endian, ≥ 1) · flags (1; bit 0: dissolve) · MLS commit (≥ 1)
 *     welcome             seq (4, the add commit's) · owner (32) · name length (1, 1..64) ·
 *                         name (UTF-8, no control characters) · MLS Welcome (≥ 1)
 *     post                MLS application message (≥ 1)
 *     proposal            op (1; 1 leave) and nothing after it
 *     key_package_request nothing
 *     key_package         MLS key package (≥ 1)
 *     commit_request      have (4): the last seq the sender applied; doubles as its ack
 *
 * And the plaintext of a post (what the MLS application message carries):
 *
 *   author (32) Ed25519 key · payload (payload.ts, a stored type: text, file, image or voice;
 *               an attachment's body is inline: group_attachment.ts, not a 1:1 descriptor)
 *
 * Decoders are strict: every field is checked against its range and a value that does not fit
 * throws a {@link GroupWireError} (or the payload's PayloadError) naming it — never a TypeError.
 * The MLS bytes are only checked for presence; the MLS adapter judges them.
 */
import { GroupWireError, type GroupWireErrorReason } from "./group_wire_error.ts";
import { decodePayload, encodePayload, type Payload, STORED_TYPES } from "./payload.ts";
import { PayloadError } from "./payload_error.ts";
import { concatBytes } from "../crypto/bytes.ts";

export const GROUP_WIRE_VERSION = 1;
export const GROUP_ID_BYTES = 16;
export const KEY_BYTES = 32;
export const HEADER_BYTES = 2 + GROUP_ID_BYTES;
export const MAX_NAME_BYTES = 64;
/** A Welcome carries the ratchet tree: ≈ 30 KB at 100 members, ≈ 300 KB at 1,000. */
export const MAX_GROUP_WIRE_BYTES = 4 * 1024 * 1024;
const MAX_SEQ = 0xffff_ffff;
const FLAG_DISSOLVE = 0x01;
/** The commit carries the member's update proposal it commits (members process it first). */
const FLAG_PROPOSAL = 0x02;

export const GroupWireKind = {
  commit: 1,
  welcome: 2,
  post: 3,
  proposal: 4,
  key_package_request: 5,
  key_package: 6,
  commit_request: 7,
} as const;
export type GroupWireKindName = keyof typeof GroupWireKind;
const KIND_NAMES = new Map(
  Object.entries(GroupWireKind).map(([name, value]) => [value, name as GroupWireKindName]),
);

export const ProposalOp = { leave: 1, update: 2 } as const;
export type ProposalOp = typeof ProposalOp[keyof typeof ProposalOp];

export type GroupWire =
  | {
    kind: "commit";
    groupId: Uint8Array;
    seq: number;
    dissolve: boolean;
    mls: Uint8Array;
    /** A member's update proposal this commit applies: who made it, and the MLS proposal. */
    proposal?: { from: Uint8Array; mls: Uint8Array };
  }
  | {
    kind: "welcome";
    groupId: Uint8Array;
    seq: number;
    owner: Uint8Array;
    name: string;
    mls: Uint8Array;
  }
  | { kind: "post"; groupId: Uint8Array; mls: Uint8Array }
  | { kind: "proposal"; groupId: Uint8Array; op: typeof ProposalOp.leave }
  | { kind: "proposal"; groupId: Uint8Array; op: typeof ProposalOp.update; mls: Uint8Array }
  | { kind: "key_package_request"; groupId: Uint8Array }
  | { kind: "key_package"; groupId: Uint8Array; mls: Uint8Array }
  | { kind: "commit_request"; groupId: Uint8Array; have: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeGroupWire(message: GroupWire): Uint8Array {
  if (message.groupId.length !== GROUP_ID_BYTES) throw new RangeError("group id must be 16 bytes");
  let body: Uint8Array[];
  switch (message.kind) {
    case "commit": {
      const { proposal } = message;
      if (proposal && proposal.from.length !== KEY_BYTES) throw new RangeError("proposer key");
      if (proposal && proposal.mls.length === 0) throw new RangeError("empty proposal");
      body = [
        u32(message.seq, 1),
        Uint8Array.of((message.dissolve ? FLAG_DISSOLVE : 0) | (proposal ? FLAG_PROPOSAL : 0)),
        ...(proposal ? [proposal.from, u32(proposal.mls.length, 1), proposal.mls] : []),
        mls(message),
      ];
      break;
    }
    case "welcome": {
      if (message.owner.length !== KEY_BYTES) throw new RangeError("owner key must be 32 bytes");
      const name = encoder.encode(message.name);
      if (!validName(message.name, name)) throw new RangeError("bad group name");
      body = [u32(message.seq, 1), message.owner, Uint8Array.of(name.length), name, mls(message)];
      break;
    }
    case "post":
    case "key_package":
      body = [mls(message)];
      break;
    case "proposal":
      if (message.op === ProposalOp.leave) body = [Uint8Array.of(message.op)];
      else if (message.op === ProposalOp.update) body = [Uint8Array.of(message.op), mls(message)];
      else throw new RangeError("unknown proposal op");
      break;
    case "key_package_request":
      body = [];
      break;
    case "commit_request":
      body = [u32(message.have, 0)];
      break;
  }
  const out = concatBytes([
    Uint8Array.of(GROUP_WIRE_VERSION, GroupWireKind[message.kind]),
    message.groupId,
    ...body,
  ]);
  if (out.length > MAX_GROUP_WIRE_BYTES) throw new RangeError("group message too large");
  return out;
}

/** @throws {GroupWireError} naming the first field out of range */
export function decodeGroupWire(bytes: Uint8Array): GroupWire {
  if (bytes.length > MAX_GROUP_WIRE_BYTES) fail("too_large", `over ${MAX_GROUP_WIRE_BYTES} bytes`);
  if (bytes.length < HEADER_BYTES) fail("truncated", "truncated header");
  if (bytes[0] !== GROUP_WIRE_VERSION) fail("unsupported_version", `version ${bytes[0]}`);
  const kind = KIND_NAMES.get(bytes[1] as 1);
  if (kind === undefined) fail("unknown_kind", `kind ${bytes[1]}`);
  const groupId = bytes.slice(2, HEADER_BYTES);
  const body = bytes.subarray(HEADER_BYTES);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (kind) {
    case "commit": {
      need(body, 6);
      const seq = view.getUint32(0);
      if (seq < 1) fail("bad_field", "commit seq 0");
      const flags = body[4];
      if ((flags & ~(FLAG_DISSOLVE | FLAG_PROPOSAL)) !== 0) {
        fail("bad_field", "unknown commit flags");
      }
      const dissolve = (flags & FLAG_DISSOLVE) !== 0;
      if ((flags & FLAG_PROPOSAL) === 0) {
        return { kind, groupId, seq, dissolve, mls: body.slice(5) };
      }
      need(body, 5 + KEY_BYTES + 4);
      const from = body.slice(5, 5 + KEY_BYTES);
      const length = view.getUint32(5 + KEY_BYTES);
      const at = 5 + KEY_BYTES + 4;
      if (length < 1) fail("bad_field", "empty proposal");
      need(body, at + length + 1);
      const proposal = { from, mls: body.slice(at, at + length) };
      return { kind, groupId, seq, dissolve, mls: body.slice(at + length), proposal };
    }
    case "welcome": {
      need(body, 4 + KEY_BYTES + 1);
      const seq = view.getUint32(0);
      if (seq < 1) fail("bad_field", "welcome seq 0");
      const owner = body.slice(4, 4 + KEY_BYTES);
      const nameLength = body[4 + KEY_BYTES];
      const nameAt = 5 + KEY_BYTES;
      if (nameLength < 1 || nameLength > MAX_NAME_BYTES) fail("bad_field", "group name length");
      need(body, nameAt + nameLength + 1);
      const nameBytes = body.subarray(nameAt, nameAt + nameLength);
      let name = "";
      try {
        name = decoder.decode(nameBytes);
      } catch {
        fail("bad_field", "group name is not UTF-8");
      }
      if (!validName(name, nameBytes)) fail("bad_field", "group name");
      return { kind, groupId, seq, owner, name, mls: body.slice(nameAt + nameLength) };
    }
    case "post":
    case "key_package":
      need(body, 1);
      return { kind, groupId, mls: body.slice() };
    case "proposal":
      need(body, 1);
      if (body[0] === ProposalOp.update) {
        need(body, 2);
        return { kind, groupId, op: ProposalOp.update, mls: body.slice(1) };
      }
      if (body[0] !== ProposalOp.leave) fail("bad_field", `proposal op ${body[0]}`);
      if (body.length !== 1) fail("trailing_bytes", "bytes after the proposal");
      return { kind, groupId, op: ProposalOp.leave };
    case "key_package_request":
      if (body.length !== 0) fail("trailing_bytes", "bytes after a key package request");
      return { kind, groupId };
    case "commit_request":
      need(body, 4);
      if (body.length !== 4) fail("trailing_bytes", "bytes after a commit request");
      return { kind, groupId, have: view.getUint32(0) };
  }
}

/** The plaintext inside a post's MLS application message. */
export interface GroupPostPlain {
  author: Uint8Array;
  payload: Payload;
}

export function encodeGroupPost(post: GroupPostPlain): Uint8Array {
  if (post.author.length !== KEY_BYTES) throw new RangeError("author key must be 32 bytes");
  if (!STORED_TYPES.includes(post.payload.type)) throw new RangeError("not a post type");
  return concatBytes([post.author, encodePayload(post.payload)]);
}

/** @throws {GroupWireError} or {@link PayloadError} */
export function decodeGroupPost(bytes: Uint8Array): GroupPostPlain {
  if (bytes.length < KEY_BYTES) fail("truncated", "truncated post author");
  const payload = decodePayload(bytes.subarray(KEY_BYTES), { inline: true });
  if (!STORED_TYPES.includes(payload.type)) fail("bad_field", `post type ${payload.type}`);
  return { author: bytes.slice(0, KEY_BYTES), payload };
}

/** Whether `err` is one a group decoder throws for bad input. */
export function isGroupDecodeError(err: unknown): boolean {
  return err instanceof GroupWireError || err instanceof PayloadError;
}

function validName(name: string, bytes: Uint8Array): boolean {
  // deno-lint-ignore no-control-regex
  return bytes.length >= 1 && bytes.length <= MAX_NAME_BYTES && !/[\u0000-\u001f\u007f]/.test(name);
}

function mls(message: { mls: Uint8Array }): Uint8Array {
  if (message.mls.length === 0) throw new RangeError("empty MLS bytes");
  return message.mls;
}

function u32(value: number, min: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < min || value > MAX_SEQ) {
    throw new RangeError(`sequence number out of range: ${value}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function need(body: Uint8Array, length: number): void {
  if (body.length < length) fail("truncated", "truncated body");
}

function fail(reason: GroupWireErrorReason, message: string): never {
  throw new GroupWireError(reason, `Cannot read group message: ${message}`);
}
