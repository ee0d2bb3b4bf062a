/**
 * Receiving: for each `deliver` on a stream from a contact, decrypt, store sealed and commit —
 * ratchet step, message and seen-id in one transaction — and only then ack, signed with this
 * node's identity over the id, status and ciphertext (protocol/ack.ts). A redelivered id is acked
 * as a duplicate without being stored twice.
 *
 * Bounds (inbound_limits.ts): every delivery takes a token from the contact's rate bucket; an empty
 * bucket gets `later` and the stream is closed. A message over the contact's storage quota gets
 * `later` (rolled back, ratchet step included, so the retry decrypts). A payload of a type that is
 * not stored (STORED_TYPES) or not known is acked and dropped. The `maxBadPerStream`-th rejected
 * delivery closes the stream, freeing its slot. A burn request deletes what exists of the listed
 * ids and answers with a receipt of exactly those (none if nothing was deleted).
 *
 * Group envelopes (docs/groups.md, "Transport"): a `group` payload from a contact and a
 * `deliver_group` from a contact or a group peer go to the node's group handler (group_receive.ts),
 * whose verdict is the ack's status. A peer admitted only as a group member (not a contact) may
 * send nothing but `deliver_group`: a `deliver` from it is acked `rejected` and counts as bad. It
 * has its own rate bucket, keyed by its key.
 */
import type { FramedStream } from "../transport/framed_stream.ts";
import type { PeerInfo } from "../transport/transport.ts";
import type { Contact } from "../store/contacts.ts";
import { AckStatus, decodeDelivery, encodeDelivery } from "../protocol/delivery.ts";
import type { AckFields } from "../protocol/ack.ts";
import {
  decodePayload,
  type Payload,
  payloadHeaderId,
  PayloadType,
  STORED_TYPES,
  TTL_MAX_SECONDS,
} from "../protocol/payload.ts";
import { isPayloadError } from "../protocol/payload_error.ts";
import { decodeIds, decodeReceipt, encodeReceipt, ReceiptKind } from "../protocol/control.ts";
import {
  deleteMessages,
  hasSeen,
  inboundUsage,
  insertMessage,
  isSentTo,
  markSeen,
  setMessageState,
} from "../store/messages.ts";
import { removeFromOutbox } from "../store/outbox.ts";
import { isSessionError } from "../crypto/session_error.ts";
import { storeErrorOf } from "../store/store_error.ts";
import { failureEvent } from "./failure_event.ts";
import { toHex } from "../crypto/hex.ts";
import type { NodeEvent } from "./events.ts";
import type { Messenger } from "./messenger.ts";
import { DEFAULT_INBOUND_LIMITS, InboundGate, type InboundLimits } from "./inbound_limits.ts";
import { handleGroupEnvelope, HandlerLater, receiveGroupEnvelope } from "./group_receive.ts";
import { ATTACHMENT_KINDS } from "../protocol/payload.ts";
import { chunkCount, decodeDescriptor } from "../protocol/file_descriptor.ts";
import { createTransfer, incomingBytes } from "../store/transfers.ts";
import { chunkAckBody, type DeliveryMessage } from "../protocol/delivery.ts";
import { acceptChunks } from "./attachments.ts";
import { RECEIVE_MAX_IMAGE_BYTES } from "./image_receive.ts";
import { ProgressGate } from "./progress.ts";

/**
 * Answers a `chunks` or `query` with a signed `have` (after the chunks are committed); false when
 * the stream broke or our storage failed (no answer: the sender resumes later).
 */
async function serveChunks(
  messenger: Messenger,
  stream: FramedStream,
  contact: Contact,
  message: Extract<DeliveryMessage, { kind: "chunks" | "query" }>,
  signAck: AckSigner,
): Promise<boolean> {
  let result;
  try {
    result = await acceptChunks(
      messenger,
      contact.id,
      message.id,
      message.kind === "chunks" ? message.first : undefined,
      message.kind === "chunks" ? message.chunks : [],
    );
  } catch (err) {
    messenger.emit(failureEvent(err, `receiving a file from ${contact.name}`));
    return false;
  }
  const id = toHex(message.id);
  if (result.finished) {
    progress.forget(id);
    messenger.emit({
      type: "file",
      id,
      from: contact.name,
      state: result.finished,
    });
  } else if (message.kind === "chunks" && progress.due(id, messenger.now())) {
    messenger.emit({
      type: "progress",
      id,
      direction: "in",
      peer: contact.name,
      chunks: result.have,
      total: result.total,
    });
  }
  const { status, have } = result;
  const signature = await signAck({
    id: message.id,
    status: 0,
    ciphertext: chunkAckBody(status, have),
  });
  try {
    await stream.send(encodeDelivery({ kind: "have", id: message.id, status, have, signature }));
    return true;
  } catch {
    return false;
  }
}

const progress = new ProgressGate();

/** How long an inbound stream may stay silent between messages. */
export const INBOUND_IDLE_MS = 120_000;

class Rejected extends Error {}
class OverQuota extends Error {
  constructor(readonly reason: "messages" | "bytes") {
    super(reason);
  }
}

/** Signs an ack as this node (the node holds the seed; receiving never loads it). */
export type AckSigner = (fields: AckFields) => Promise<Uint8Array>;

/**
 * Serves one inbound stream until the peer closes it, sends something malformed, runs out of rate
 * or sends too many bad deliveries.
 */
export async function serveInbound(
  messenger: Messenger,
  stream: FramedStream,
  peer: PeerInfo,
  signAck: AckSigner,
  gate: InboundGate = new InboundGate({}, messenger.now),
) {
  const contact = messenger.signal.contactByKey(peer.publicKey);
  // The hello admits contacts and group peers; one removed since gets nothing.
  if (!contact && !messenger.groupPeers.has(peer.publicKey)) return;
  const keyHex = toHex(peer.publicKey);
  const bucket = contact?.id ?? `peer:${keyHex}`;
  const who = contact?.name ?? `group peer ${keyHex.slice(0, 16)}`;
  const from = contact
    ? { publicKey: peer.publicKey, contactId: contact.id }
    : { publicKey: peer.publicKey };
  let bad = 0;
  const report = (reason: "rate" | "messages" | "bytes" | "bad_deliveries") => {
    if (gate.shouldReport(bucket, reason)) {
      messenger.emit({ type: "limited", from: who, reason });
    }
  };
  while (true) {
    let frame: Uint8Array;
    try {
      frame = await stream.receive({ timeoutMs: INBOUND_IDLE_MS });
    } catch {
      return;
    }
    let message;
    try {
      message = decodeDelivery(frame);
    } catch {
      return;
    }
    if (message.kind === "chunks" || message.kind === "query") {
      // Chunks take no rate token: they only continue a transfer this node accepted (and sized).
      // A group peer has no 1:1 transfers: anything but `deliver_group` from it ends the stream.
      if (!contact || !await serveChunks(messenger, stream, contact, message, signAck)) return;
      continue;
    }
    if (message.kind !== "deliver" && message.kind !== "deliver_group") return;
    const allowed = gate.take(bucket);
    const ciphertext = message.kind === "deliver" ? message.ciphertext : message.envelope;
    const ack = async (status: AckStatus) => {
      const signature = await signAck({ id: message.id, status, ciphertext });
      await stream.send(encodeDelivery({ kind: "ack", id: message.id, status, signature }));
    };
    if (!allowed) {
      report("rate");
      await ack(AckStatus.later).catch(() => {});
      return; // frees the slot; the sender keeps the message and retries with backoff
    }
    let status: AckStatus;
    if (message.kind === "deliver_group") {
      try {
        status = await receiveGroupEnvelope(messenger, from, message.envelope);
      } catch (err) {
        // Our own failure (or the engine's): no ack, the sender retries later.
        messenger.emit(failureEvent(err, `receiving a group envelope from ${who}`));
        return;
      }
    } else if (!contact) {
      // A group peer only: no 1:1 session, no 1:1 messages.
      status = AckStatus.rejected;
    } else {
      let outcome;
      try {
        outcome = await receive(messenger, contact, message.id, message.ciphertext, {
          limits: gate.limits,
        });
      } catch (err) {
        // Our own failure (full disk, corrupt store): no ack at all, so the sender keeps the
        // message queued and retries later; an ack of `rejected` would make it give the message up.
        messenger.emit(failureEvent(err, `receiving from ${contact.name}`));
        return;
      }
      const { events, queued, deleted, limit } = outcome;
      status = outcome.status;
      if (deleted) await messenger.checkpoint();
      for (const event of events) messenger.emit(event);
      if (limit) report(limit);
      if (queued) messenger.onQueued(contact.id);
    }
    try {
      await ack(status);
    } catch {
      return;
    }
    if (status === AckStatus.rejected && ++bad >= gate.limits.maxBadPerStream) {
      report("bad_deliveries");
      return;
    }
  }
}

export interface ReceiveResult {
  status: AckStatus;
  events: NodeEvent[];
  /** Whether a reply (a burn receipt) was queued for the contact. */
  queued: boolean;
  /** Whether messages were deleted (the caller checkpoints the WAL). */
  deleted: boolean;
  /** The storage quota that made the status `later`. */
  limit?: "messages" | "bytes";
}

/**
 * Decrypts and commits one delivered message; returns the ack status and events to report. Only a
 * message that is itself bad is `rejected`; a local failure (storage) is thrown, and nothing of
 * the message is committed.
 */
export async function receive(
  messenger: Messenger,
  contact: Contact,
  id: Uint8Array,
  ciphertext: Uint8Array,
  options: {
    limits?:
      & Pick<InboundLimits, "maxMessages" | "maxBytes">
      & Partial<Pick<InboundLimits, "maxFileBytes" | "maxAttachmentBytes">>;
  } = {},
): Promise<ReceiveResult> {
  const limits = options.limits ?? DEFAULT_INBOUND_LIMITS;
  const events: NodeEvent[] = [];
  const effects = { queued: false, deleted: false };
  try {
    const status = await messenger.write(async () => {
      const { db } = messenger.store;
      if (hasSeen(db, contact.id, id)) return AckStatus.duplicate;
      let plaintext: Uint8Array;
      try {
        plaintext = (await messenger.signal.decrypt(contact.ed25519, ciphertext)).plaintext;
      } catch (err) {
        if (isSessionError(err, "duplicate")) return AckStatus.duplicate;
        // A store that fails under libsignal is our problem, not a bad message: never reject it.
        if (storeErrorOf(err)) throw err;
        throw new Rejected();
      }
      let payload: Payload;
      try {
        payload = decodePayload(plaintext);
      } catch (err) {
        const headerId = payloadHeaderId(plaintext);
        if (!isPayloadError(err, "unknown_type") || !headerId || toHex(headerId) !== toHex(id)) {
          throw new Rejected();
        }
        // A type this version does not know: ack it (retrying cannot help) and keep nothing.
        markSeen(db, contact.id, id, messenger.now() + TTL_MAX_SECONDS * 1000);
        events.push(dropped(id, contact, "unknown_type"));
        return AckStatus.stored;
      }
      if (toHex(payload.id) !== toHex(id)) throw new Rejected();
      if (STORED_TYPES.includes(payload.type)) {
        const usage = inboundUsage(db, contact.id);
        if (usage.messages + 1 > limits.maxMessages) throw new OverQuota("messages");
        // Usage counts sealed bytes; the new body is counted unsealed (≈41 bytes short).
        if (usage.bytes + payload.body.length > limits.maxBytes) throw new OverQuota("bytes");
      }
      const attachment = ATTACHMENT_KINDS.has(payload.type)
        ? decodeDescriptor(payload.body)
        : undefined;
      if (attachment) {
        attachment.key.fill(0);
        if (attachment.size > (limits.maxFileBytes ?? DEFAULT_INBOUND_LIMITS.maxFileBytes)) {
          throw new Rejected();
        }
        // An image is decoded whole once it has arrived (image_receive.ts): capped like the sender's.
        if (attachment.kind === "image" && attachment.size > RECEIVE_MAX_IMAGE_BYTES) {
          throw new Rejected();
        }
        const cap = limits.maxAttachmentBytes ?? DEFAULT_INBOUND_LIMITS.maxAttachmentBytes;
        if (incomingBytes(db, contact.id) + attachment.size > cap) throw new OverQuota("bytes");
      }
      const now = messenger.now();
      markSeen(db, contact.id, id, now + payload.ttlSeconds * 1000);
      return await apply(messenger, contact, payload, events, effects) ?? AckStatus.stored;
    });
    return { status, events, ...effects };
  } catch (err) {
    if (err instanceof Rejected) {
      return { status: AckStatus.rejected, events: [], queued: false, deleted: false };
    }
    if (err instanceof HandlerLater) {
      return { status: AckStatus.later, events: [], queued: false, deleted: false };
    }
    if (err instanceof OverQuota) {
      return {
        status: AckStatus.later,
        events: [],
        queued: false,
        deleted: false,
        limit: err.reason,
      };
    }
    throw err;
  }
}

function dropped(id: Uint8Array, contact: Contact, reason: "unknown_type"): NodeEvent {
  return { type: "dropped", id: toHex(id), from: contact.name, reason };
}

/**
 * Acts on a decrypted payload inside the receiving transaction; notes what it queued or deleted.
 * Returns the ack status when it is not `stored` (a group handler's verdict).
 */
async function apply(
  messenger: Messenger,
  contact: Contact,
  payload: Payload,
  events: NodeEvent[],
  effects: { queued: boolean; deleted: boolean },
): Promise<AckStatus | undefined> {
  const { db, sealer } = messenger.store;
  switch (payload.type) {
    case PayloadType.group: {
      // No engine: acked and dropped, as any type that is not stored.
      if (!messenger.groupHandler) {
        events.push(dropped(payload.id, contact, "unknown_type"));
        return;
      }
      return await handleGroupEnvelope(
        messenger,
        { publicKey: contact.ed25519, contactId: contact.id },
        payload.body,
      );
    }
    case PayloadType.receipt: {
      const { kind, ids } = decodeReceipt(payload.body);
      if (kind === ReceiptKind.read) {
        for (const id of ids) {
          if (isSentTo(db, contact.id, id) && setMessageState(db, id, "read")) {
            events.push({ type: "read", id: toHex(id), by: contact.name });
          }
        }
      } else {
        // The peer confirms it burned these; drop our copies too (if any are left).
        if (deleteMessages(db, ids, contact.id) > 0) effects.deleted = true;
        events.push({ type: "burned", ids: ids.map(toHex), by: contact.name });
      }
      return;
    }
    case PayloadType.burn: {
      // Only ids of this conversation are touched: the sender cannot burn anyone else's messages.
      // The receipt names only what was here and is now gone (the decoder already dropped repeats),
      // so a list of made-up ids costs one lookup each and queues nothing.
      const burned: Uint8Array[] = [];
      for (const id of decodeIds(payload.body)) {
        if (isSentTo(db, contact.id, id)) removeFromOutbox(db, id);
        if (deleteMessages(db, [id], contact.id) > 0) burned.push(id);
      }
      if (burned.length === 0) return;
      effects.deleted = true;
      events.push({ type: "burned", ids: burned.map(toHex), by: contact.name });
      await messenger.queueControl(
        contact,
        PayloadType.receipt,
        encodeReceipt(ReceiptKind.burned, burned),
      );
      effects.queued = true;
      return;
    }
    default: {
      if (!STORED_TYPES.includes(payload.type)) {
        events.push(dropped(payload.id, contact, "unknown_type"));
        return;
      }
      insertMessage(db, sealer, {
        payload,
        contactId: contact.id,
        direction: "in",
        state: "received",
      }, messenger.now());
      const attachment = ATTACHMENT_KINDS.has(payload.type)
        ? decodeDescriptor(payload.body)
        : undefined;
      if (attachment) {
        attachment.key.fill(0);
        createTransfer(db, {
          id: payload.id,
          contactId: contact.id,
          direction: "in",
          size: attachment.size,
          chunks: chunkCount(attachment.size),
          state: "receiving",
          createdAt: messenger.now(),
        });
      }
      const message = {
        type: "message",
        id: toHex(payload.id),
        from: contact.name,
        createdAt: new Date(payload.createdAt).toISOString(),
      } as const;
      // A burn-after-reading text shows only in the inbox, never in listen's (logged) events.
      events.push(
        payload.burn ? { ...message, burn: true } : {
          ...message,
          burn: false,
          text: payload.type === PayloadType.text ? new TextDecoder().decode(payload.body) : "",
          ...(attachment
            ? {
              attachment: {
                kind: attachment.kind,
                name: attachment.name,
                size: attachment.size,
                mime: attachment.mime,
              },
            }
            : {}),
        },
      );
      return;
    }
  }
}
