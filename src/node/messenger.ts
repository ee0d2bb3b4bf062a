/**
 * Messaging over one unlocked store: composing and encrypting (at enqueue time), the inbox,
 * receipts, burns and expiry. Delivery over a transport lives in outbound.ts / receive.ts.
 *
 * Every write goes through the store's one writer (store/writer.ts): one at a time, each in one
 * SQLite transaction, so the ratchet step and the message it produced or consumed commit together
 * or not at all, and nobody else's write can join (and be rolled back with) a rejected delivery.
 */
import type { UnlockedStore } from "../store/open_store.ts";
import type { SignalContext } from "../store/signal_context.ts";
import type { Contact } from "../store/contacts.ts";
import {
  deleteMessages,
  getMessage,
  insertMessage,
  listMessages,
  markRead,
  setMessageState,
  type StoredMessage,
  sweepExpired,
} from "../store/messages.ts";
import {
  enqueue,
  expireOutbox,
  listOutbox,
  type OutboxKind,
  removeFromOutbox,
  setViaRelay,
} from "../store/outbox.ts";
import {
  cancelGroupEnvelope,
  enqueueGroupEnvelope,
  expireGroupOutbox,
  listGroupOutbox,
} from "../store/group_outbox.ts";
import {
  clampTtl,
  encodePayload,
  type Payload,
  PayloadType,
  payloadTypeName,
  TTL_DEFAULT_SECONDS,
  TTL_MAX_SECONDS,
} from "../protocol/payload.ts";
import { MAX_GROUP_ENVELOPE_BYTES } from "../protocol/group_attachment.ts";
import { encodeIds, encodeReceipt, ReceiptKind } from "../protocol/control.ts";
import { toHex } from "../crypto/hex.ts";
import { resolveIdPrefix } from "../store/id_prefix.ts";
import { LegionError } from "../errors.ts";
import type { EventSink, NodeEvent } from "./events.ts";
import { GroupPeers } from "./group_peers.ts";
import type { GroupEnvelopeHandler } from "./group_envelope.ts";
import { Downloads, Uploads } from "./attachments.ts";
import { ATTACHMENT_KINDS } from "../protocol/payload.ts";
import { decodeDescriptor } from "../protocol/file_descriptor.ts";
import { dropStalePreparing, getTransfer } from "../store/transfers.ts";
import type {
  AttachmentRecord,
  BurnTarget,
  InboxParams,
  MessageRecord,
  Queued,
  QueueItem,
} from "./service_map.ts";

export interface MessengerOptions {
  store: UnlockedStore;
  signal: SignalContext;
  now: () => number;
  random?: () => number;
  emit?: EventSink;
}

export interface SendOptions {
  ttlSeconds?: number;
  burn?: boolean;
  /** Deposit at the contact's relay mailbox at once (`send --via-relay`). */
  viaRelay?: boolean;
}

/**
 * Largest group envelope the queue takes: one frame, less room for the payload header and
 * libsignal's overhead when it travels inside a 1:1 session.
 */
export { MAX_GROUP_ENVELOPE_BYTES };

/** Where a queued group envelope goes: inside the contact's session, or on a group stream. */
export interface QueuedEnvelope {
  /** The queue item's id (hex): the payload id, or the `deliver_group` id. */
  id: string;
  via: "session" | "stream";
}
/** How long a `send --file` may stream before its half-stored file is swept. */
export const STALE_UPLOAD_MS = 3_600_000;

/** Largest text body accepted by `send` (a frame carries at most 1 MiB). */
export const MAX_TEXT_BYTES = 64 * 1024;

/** The error for a text over MAX_TEXT_BYTES, from an argument or from stdin alike (exit 65). */
export function messageTooLarge(): LegionError {
  return new LegionError("bad_data", `The message is larger than ${MAX_TEXT_BYTES} bytes`, {
    hint: `a text message holds at most ${MAX_TEXT_BYTES} bytes of UTF-8; send a file ` +
      "with --file",
  });
}

export class Messenger {
  readonly store: UnlockedStore;
  readonly signal: SignalContext;
  readonly now: () => number;
  readonly random: () => number;
  #emit: EventSink;
  /** Called after something was queued for a contact (the node delivers at once). */
  onQueued: (contactId: number) => void = () => {};
  /** Called after a group envelope was queued for a group peer (by its tag, hex). */
  onPeerQueued: (peerTag: string) => void = () => {};
  /** Group members who are not (necessarily) contacts: admitted for group traffic only. */
  readonly groupPeers: GroupPeers;
  /** Consumes received group envelopes (the group engine); none: they are refused. */
  groupHandler: GroupEnvelopeHandler | undefined;
  /** Attachments being streamed in by `send --file` (attachments.ts). */
  readonly uploads: Uploads = new Uploads(this);
  /** Attachments being decrypted by `save`. */
  readonly downloads: Downloads = new Downloads(this);

  constructor(options: MessengerOptions) {
    this.store = options.store;
    this.signal = options.signal;
    this.now = options.now;
    this.random = options.random ?? Math.random;
    this.#emit = options.emit ?? (() => {});
    this.groupPeers = new GroupPeers(
      options.store,
      options.signal.keys.indexKey,
      options.signal.ownEd25519,
    );
  }

  emit(event: NodeEvent): void {
    this.#emit(event);
  }

  get eventSink(): EventSink {
    return this.#emit;
  }

  setEventSink(sink: EventSink): void {
    this.#emit = sink;
  }

  /** Runs `fn` alone and inside one transaction (the store's one writer). */
  write<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.store.write(fn);
  }

  /** Encrypts a text for `name` now and queues it; returns its id. */
  async sendText(name: string, text: string, options: SendOptions = {}): Promise<Queued> {
    const body = new TextEncoder().encode(text);
    if (body.length === 0) throw new LegionError("usage", "The message is empty");
    if (body.length > MAX_TEXT_BYTES) throw messageTooLarge();
    const contact = this.signal.contact(name);
    if (options.viaRelay && (contact.card.mailboxes ?? []).length === 0) {
      throw new LegionError("usage", `The card of ${contact.name} names no relay mailbox`, {
        hint: "ask the contact for a fresh card after `legion mailbox open`",
      });
    }
    const payload = this.#payload(PayloadType.text, body, options);
    await this.write(async () => {
      await this.queuePayload(contact, payload, "message");
      if (options.viaRelay) setViaRelay(this.store.db, payload.id);
    });
    this.onQueued(contact.id);
    return {
      id: toHex(payload.id),
      to: contact.name,
      ttlSeconds: payload.ttlSeconds,
      burn: payload.burn,
      expiresAt: new Date(this.now() + payload.ttlSeconds * 1000).toISOString(),
    };
  }

  /**
   * Encrypts and queues a payload; call inside `write()`. A `message` keeps a sealed sender copy
   * (for the inbox, states and burns); a `control` payload (receipt, burn) does not.
   */
  async queuePayload(contact: Contact, payload: Payload, kind: OutboxKind): Promise<void> {
    const ciphertext = await this.signal.encrypt(contact, encodePayload(payload));
    const now = this.now();
    const expiresAt = now + payload.ttlSeconds * 1000;
    if (kind === "message") {
      insertMessage(this.store.db, this.store.sealer, {
        payload,
        contactId: contact.id,
        direction: "out",
        state: "queued",
      }, now);
    }
    enqueue(this.store.db, this.store.sealer, {
      id: payload.id,
      contactId: contact.id,
      kind,
      ciphertext,
      expiresAt,
    }, now);
  }

  /**
   * Queues an opaque group envelope for the member whose Ed25519 key is `toKey`: to a contact,
   * as a `group` payload inside the 1:1 session (an outbox item of kind `control`); to a group
   * peer who is not a contact, in the group outbox, sent as `deliver_group` on a stream. Each
   * member's item is retried on its own until acked or expired (default TTL 30 days).
   * @throws {LegionError} `bad_data` for an empty or oversized envelope, `no_input` for a key that
   *   is neither a contact nor a group peer
   */
  async enqueueGroupEnvelope(
    toKey: Uint8Array,
    bytes: Uint8Array,
    options: { ttlSeconds?: number } = {},
  ): Promise<QueuedEnvelope> {
    if (bytes.length === 0 || bytes.length > MAX_GROUP_ENVELOPE_BYTES) {
      throw new LegionError(
        "bad_data",
        `A group envelope must hold 1 to ${MAX_GROUP_ENVELOPE_BYTES} bytes, not ${bytes.length}`,
      );
    }
    const ttlSeconds = clampTtl(options.ttlSeconds ?? TTL_MAX_SECONDS);
    const contact = this.signal.contactByKey(toKey);
    if (contact) {
      const payload = this.#payload(PayloadType.group, bytes, { ttlSeconds });
      await this.write(() => this.queuePayload(contact, payload, "control"));
      this.onQueued(contact.id);
      return { id: toHex(payload.id), via: "session" };
    }
    const peer = this.groupPeers.peer(toKey);
    if (!peer) {
      throw new LegionError("no_input", "The recipient is neither a contact nor a group member");
    }
    const id = await this.write(() => {
      const now = this.now();
      return enqueueGroupEnvelope(this.store.db, this.store.sealer, this.signal.keys.indexKey, {
        peer,
        envelope: bytes,
        expiresAt: now + ttlSeconds * 1000,
      }, now);
    });
    this.onPeerQueued(toHex(this.groupPeers.tag(toKey)));
    return { id: toHex(id), via: "stream" };
  }

  /** A control payload (receipt or burn request) for a contact; call inside `write()`. */
  async queueControl(contact: Contact, type: PayloadType, body: Uint8Array): Promise<void> {
    await this.queuePayload(contact, this.#payload(type, body, {}), "control");
  }

  /**
   * Messages for the inbox, oldest first. Showing a burn-after-reading message deletes it and
   * tells its sender to delete theirs; `markRead` marks the rest read here, and `receipts` (which
   * implies it) also sends read receipts (off by default: receipts leak when you read).
   */
  async inbox(options: InboxParams = {}): Promise<MessageRecord[]> {
    const contactId = options.name === undefined ? undefined : this.signal.contact(options.name).id;
    const burnedBy = new Map<number, Uint8Array[]>();
    const readBy = new Map<number, Uint8Array[]>();
    const records = await this.write(async () => {
      const messages = listMessages(this.store.db, this.store.sealer, {
        contactId,
        unreadOnly: options.unreadOnly,
        direction: options.includeSent ? undefined : "in",
      });
      for (const message of messages) {
        if (message.direction !== "in") continue;
        // A burn-after-reading attachment burns once saved (`save`), not when listed.
        if (message.burn && !ATTACHMENT_KINDS.has(message.type)) {
          push(burnedBy, message.contactId, message.id);
        } else if (message.burn) continue;
        else if ((options.markRead || options.receipts) && message.readAt === null) {
          markRead(this.store.db, message.id, this.now());
          if (options.receipts) push(readBy, message.contactId, message.id);
        }
      }
      for (const [id, ids] of burnedBy) {
        deleteMessages(this.store.db, ids, id);
        await this.#queueReceipt(id, ReceiptKind.burned, ids);
      }
      for (const [id, ids] of readBy) await this.#queueReceipt(id, ReceiptKind.read, ids);
      return messages.map((m) => this.record(m));
    });
    if (burnedBy.size > 0) await this.checkpoint();
    for (const id of new Set([...burnedBy.keys(), ...readBy.keys()])) this.onQueued(id);
    return records;
  }

  /**
   * Burns a received burn-after-reading attachment once `save` has written it out: deleted here
   * (its chunks with it) and its sender told to delete theirs.
   */
  async burnSaved(id: Uint8Array): Promise<void> {
    const message = getMessage(this.store.db, this.store.sealer, id);
    if (!message || !message.burn || message.direction !== "in") return;
    await this.write(async () => {
      deleteMessages(this.store.db, [id], message.contactId);
      await this.#queueReceipt(message.contactId, ReceiptKind.burned, [id]);
    });
    await this.checkpoint();
    this.onQueued(message.contactId);
  }

  /**
   * Cancels a queued message, named by its id or a unique prefix of it (8 hex characters or more);
   * its sender copy stays, marked `cancelled`.
   */
  async cancel(idHex: string): Promise<{ id: string; state: "cancelled" }> {
    const missing = { missing: `No queued message ${idHex}`, hint: "see `legion queue list`" };
    const id = await this.write(() => {
      const { db } = this.store;
      let id: Uint8Array | undefined;
      try {
        id = resolveIdPrefix(db, idHex, { table: "outbox", ...missing });
      } catch (err) {
        if (!(err instanceof LegionError) || err.code !== "no_input") throw err;
      }
      if (id && removeFromOutbox(db, id)) {
        setMessageState(db, id, "cancelled");
        return id;
      }
      // A group envelope for members who are not contacts (as `queue list` shows it).
      id = resolveIdPrefix(db, idHex, { table: "group_envelopes", ...missing });
      return cancelGroupEnvelope(db, id) > 0 ? id : undefined;
    });
    if (!id) throw new LegionError("no_input", missing.missing, { hint: missing.hint });
    return { id: toHex(id), state: "cancelled" };
  }

  /**
   * Burns messages on both devices: deletes them here, cancels queued copies, and asks each peer
   * to delete them too (the peer answers with a burn receipt).
   */
  async burn(target: BurnTarget): Promise<{ deleted: number; conversations: number }> {
    const byContact = new Map<number, Uint8Array[]>();
    if ("conversation" in target) {
      const contact = this.signal.contact(target.conversation);
      const all = listMessages(this.store.db, this.store.sealer, { contactId: contact.id });
      if (all.length > 0) byContact.set(contact.id, all.map((m) => m.id));
    } else {
      for (const idHex of target.ids) {
        const missing = `No message ${idHex}`;
        const id = resolveIdPrefix(this.store.db, idHex, { table: "messages", missing });
        const message = getMessage(this.store.db, this.store.sealer, id);
        if (!message) throw new LegionError("no_input", missing);
        push(byContact, message.contactId, message.id);
      }
    }
    let deleted = 0;
    await this.write(async () => {
      for (const [contactId, ids] of byContact) {
        for (const id of ids) removeFromOutbox(this.store.db, id);
        deleted += deleteMessages(this.store.db, ids, contactId);
        const contact = this.signal.contactById(contactId);
        for (let i = 0; contact && i < ids.length; i += 4096) {
          await this.queueControl(contact, PayloadType.burn, encodeIds(ids.slice(i, i + 4096)));
        }
      }
    });
    await this.checkpoint();
    for (const contactId of byContact.keys()) this.onQueued(contactId);
    return { deleted, conversations: byContact.size };
  }

  /** Drops expired messages and queue items on this side; reports what expired. */
  async sweep(): Promise<void> {
    const events: NodeEvent[] = [];
    await this.write(() => {
      const now = this.now();
      for (const item of expireOutbox(this.store.db, now)) {
        if (item.kind === "message") setMessageState(this.store.db, item.id, "expired");
      }
      expireGroupOutbox(this.store.db, now);
      // A `send --file` that died mid-file leaves a preparing transfer behind.
      dropStalePreparing(this.store.db, now - STALE_UPLOAD_MS);
      for (const { id, direction } of sweepExpired(this.store.db, now)) {
        events.push({ type: "expired", id: toHex(id), direction });
      }
    });
    if (events.length > 0) await this.checkpoint();
    for (const event of events) this.emit(event);
  }

  queueList(): QueueItem[] {
    const items = listOutbox(this.store.db, this.store.sealer).map((item) => ({
      id: toHex(item.id),
      to: this.signal.contactById(item.contactId)?.name ?? `#${item.contactId}`,
      kind: item.kind as string,
      attempts: item.attempts,
      nextAttemptAt: new Date(item.nextAttemptAt).toISOString(),
      expiresAt: new Date(item.expiresAt).toISOString(),
      lastError: item.lastError,
      relayedAt: item.relayedAt === null ? null : new Date(item.relayedAt).toISOString(),
      relayError: item.relayError,
    }));
    // Group envelopes for members who are not contacts: named by their short onion.
    const forPeers = listGroupOutbox(this.store.db, this.store.sealer).map((item) => ({
      id: toHex(item.id),
      to: `${item.peer.onion.slice(0, 12)}…onion`,
      kind: "group",
      attempts: item.attempts,
      nextAttemptAt: new Date(item.nextAttemptAt).toISOString(),
      expiresAt: new Date(item.expiresAt).toISOString(),
      lastError: item.lastError,
      // Group peers who are not contacts have no card, so no mailbox: never relayed.
      relayedAt: null,
      relayError: null,
    }));
    return [...items, ...forPeers];
  }

  record(message: StoredMessage): MessageRecord {
    const attachment = ATTACHMENT_KINDS.has(message.type) ? this.#attachment(message) : undefined;
    return {
      id: toHex(message.id),
      contact: this.signal.contactById(message.contactId)?.name ?? `#${message.contactId}`,
      direction: message.direction,
      kind: payloadTypeName(message.type),
      text: attachment ? "" : new TextDecoder().decode(message.body),
      ...(attachment ? { attachment } : {}),
      state: message.state,
      burn: message.burn,
      createdAt: new Date(message.createdAt).toISOString(),
      expiresAt: new Date(message.expiresAt).toISOString(),
      readAt: message.readAt === null ? null : new Date(message.readAt).toISOString(),
    };
  }

  /**
   * Copies the WAL into the database and truncates it, so the zeroed pages that secure_delete left
   * replace the old ones in the database file and nothing deleted lingers in the WAL. Runs under
   * the write lock (a checkpoint cannot run inside another write's transaction).
   */
  checkpoint(): Promise<void> {
    return this.store.exclusive(() => void this.store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  }

  async #queueReceipt(contactId: number, kind: ReceiptKind, ids: Uint8Array[]): Promise<void> {
    const contact = this.signal.contactById(contactId);
    if (!contact) return;
    for (let i = 0; i < ids.length; i += 4096) {
      await this.queueControl(
        contact,
        PayloadType.receipt,
        encodeReceipt(kind, ids.slice(i, i + 4096)),
      );
    }
  }

  /** What the inbox shows of an attachment: never its key. */
  #attachment(message: StoredMessage): AttachmentRecord {
    const d = decodeDescriptor(message.body);
    d.key.fill(0);
    const t = getTransfer(this.store.db, message.id);
    return {
      kind: d.kind,
      name: d.name,
      size: d.size,
      mime: d.mime,
      sha256: toHex(d.sha256),
      ...(d.kind === "voice" ? { durationMs: d.durationMs } : {}),
      ...(d.kind === "image" ? { width: d.width, height: d.height } : {}),
      state: t?.state ?? "gone",
      chunks: t?.chunks ?? 0,
      have: t?.have ?? 0,
    };
  }

  #payload(type: PayloadType, body: Uint8Array, options: SendOptions): Payload {
    const id = new Uint8Array(16);
    crypto.getRandomValues(id);
    return {
      type,
      id,
      createdAt: this.now(),
      ttlSeconds: clampTtl(options.ttlSeconds ?? TTL_DEFAULT_SECONDS),
      burn: options.burn ?? false,
      body,
    };
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
