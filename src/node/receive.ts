/**
 * Receiving: for each `deliver` on a stream from a contact, decrypt, store sealed and commit —
 * ratchet step, message and seen-id in one transaction — and only then ack, signed with this
 * node's identity over the id, status and ciphertext (protocol/ack.ts). A redelivered id is acked
 * as a duplicate without being stored twice.
 */
import type { FramedStream } from "../transport/framed_stream.ts";
import type { PeerInfo } from "../transport/transport.ts";
import type { Contact } from "../store/contacts.ts";
import { AckStatus, decodeDelivery, encodeDelivery } from "../protocol/delivery.ts";
import type { AckFields } from "../protocol/ack.ts";
import { decodePayload, type Payload, PayloadType } from "../protocol/payload.ts";
import { decodeIds, decodeReceipt, encodeReceipt, ReceiptKind } from "../protocol/control.ts";
import {
  deleteMessages,
  hasSeen,
  insertMessage,
  isSentTo,
  markSeen,
  setMessageState,
} from "../store/messages.ts";
import { removeFromOutbox } from "../store/outbox.ts";
import { isSessionError } from "../crypto/session_error.ts";
import { toHex } from "../crypto/hex.ts";
import type { NodeEvent } from "./events.ts";
import type { Messenger } from "./messenger.ts";

/** How long an inbound stream may stay silent between messages. */
export const INBOUND_IDLE_MS = 120_000;

class Rejected extends Error {}

/** Signs an ack as this node (the node holds the seed; receiving never loads it). */
export type AckSigner = (fields: AckFields) => Promise<Uint8Array>;

/** Serves one inbound stream until the peer closes it or sends something malformed. */
export async function serveInbound(
  messenger: Messenger,
  stream: FramedStream,
  peer: PeerInfo,
  signAck: AckSigner,
) {
  const contact = messenger.signal.contactByKey(peer.publicKey);
  if (!contact) return; // the hello admits contacts only; a removed contact gets nothing
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
    if (message.kind !== "deliver") return;
    const { status, events, queued } = await receive(
      messenger,
      contact,
      message.id,
      message.ciphertext,
    );
    if (events.some((event) => event.type === "burned")) await messenger.checkpoint();
    for (const event of events) messenger.emit(event);
    if (queued) messenger.onQueued(contact.id);
    const signature = await signAck({ id: message.id, status, ciphertext: message.ciphertext });
    try {
      await stream.send(encodeDelivery({ kind: "ack", id: message.id, status, signature }));
    } catch {
      return;
    }
  }
}

/** Decrypts and commits one delivered message; returns the ack status and events to report. */
export async function receive(
  messenger: Messenger,
  contact: Contact,
  id: Uint8Array,
  ciphertext: Uint8Array,
): Promise<{ status: AckStatus; events: NodeEvent[]; queued: boolean }> {
  const events: NodeEvent[] = [];
  let queued = false;
  try {
    const status = await messenger.write(async () => {
      const { db } = messenger.store;
      if (hasSeen(db, contact.id, id)) return AckStatus.duplicate;
      let plaintext: Uint8Array;
      try {
        plaintext = (await messenger.signal.decrypt(contact.ed25519, ciphertext)).plaintext;
      } catch (err) {
        if (isSessionError(err, "duplicate")) return AckStatus.duplicate;
        throw new Rejected();
      }
      let payload: Payload;
      try {
        payload = decodePayload(plaintext);
      } catch {
        throw new Rejected();
      }
      if (toHex(payload.id) !== toHex(id)) throw new Rejected();
      const now = messenger.now();
      markSeen(db, contact.id, id, now + payload.ttlSeconds * 1000);
      queued = await apply(messenger, contact, payload, events);
      return AckStatus.stored;
    });
    return { status, events, queued };
  } catch (err) {
    if (err instanceof Rejected) return { status: AckStatus.rejected, events: [], queued: false };
    throw err;
  }
}

/** Acts on a decrypted payload inside the receiving transaction; returns whether it queued a reply. */
async function apply(
  messenger: Messenger,
  contact: Contact,
  payload: Payload,
  events: NodeEvent[],
): Promise<boolean> {
  const { db, sealer } = messenger.store;
  switch (payload.type) {
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
        deleteMessages(db, ids, contact.id);
        events.push({ type: "burned", ids: ids.map(toHex), by: contact.name });
      }
      return false;
    }
    case PayloadType.burn: {
      // Only ids of this conversation are touched: the sender cannot burn anyone else's messages.
      const ids = decodeIds(payload.body);
      for (const id of ids) if (isSentTo(db, contact.id, id)) removeFromOutbox(db, id);
      deleteMessages(db, ids, contact.id);
      events.push({ type: "burned", ids: ids.map(toHex), by: contact.name });
      await messenger.queueControl(
        contact,
        PayloadType.receipt,
        encodeReceipt(ReceiptKind.burned, ids),
      );
      return true;
    }
    default: {
      insertMessage(db, sealer, {
        payload,
        contactId: contact.id,
        direction: "in",
        state: "received",
      }, messenger.now());
      events.push({
        type: "message",
        id: toHex(payload.id),
        from: contact.name,
        text: payload.type === PayloadType.text ? new TextDecoder().decode(payload.body) : "",
        createdAt: new Date(payload.createdAt).toISOString(),
        burn: payload.burn,
      });
      return false;
    }
  }
}
