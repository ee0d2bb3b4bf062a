/**
 * Attachments (files, images, voice clips) on both ends, over one unlocked store:
 *
 * - Sending (`Uploads`): the file is streamed in (`append`, any slice sizes), cut into CHUNK_BYTES
 *   plaintext chunks, each pushed through a libsodium secretstream (XChaCha20-Poly1305) under a
 *   random per-file key and stored at once — never the whole file in memory. `finish` pushes the
 *   last chunk with TAG_FINAL and queues the descriptor (key, header, size, SHA-256, name, MIME,
 *   kind, duration) as an ordinary end-to-end message; the chunks follow it on their own frames
 *   (outbound.ts) once it is acked.
 * - Receiving (`acceptChunks`): only the next chunks in order are stored, each batch with the new
 *   high-water mark in one transaction, so what the receiver reports having is on disk. At the
 *   last chunk the whole stream is decrypted in order and checked (every tag, TAG_FINAL on the last
 *   chunk only, the chunk sizes, the size and the SHA-256): `complete`, or `corrupt` and dropped.
 *   An image is then sanitised again and replaced by its clean copy (image_receive.ts) before it
 *   is marked complete; one sharp refuses is `corrupt`, and the sender is told so.
 * - Saving (`Downloads`): decrypts a complete attachment in order, a batch of chunks per call.
 */
import { createHash, type Hash } from "node:crypto";
import { sodium } from "../crypto/sodium.ts";
import { SecretStreamPusher } from "../crypto/secretstream.ts";
import { toHex } from "../crypto/hex.ts";
import { LegionError } from "../errors.ts";
import {
  type AttachmentKind,
  CHUNK_BYTES,
  chunkCount,
  decodeDescriptor,
  encodeDescriptor,
  type FileDescriptor,
  MAX_MIME_BYTES,
  MAX_NAME_BYTES,
} from "../protocol/file_descriptor.ts";
import { TransferStatus } from "../protocol/delivery.ts";
import {
  attachmentType,
  clampTtl,
  type Payload,
  TTL_DEFAULT_SECONDS,
} from "../protocol/payload.ts";
import { getMessage } from "../store/messages.ts";
import {
  createTransfer,
  deleteTransfer,
  dropChunks,
  finishPreparing,
  getTransfer,
  putChunk,
  readChunks,
  setTransfer,
} from "../store/transfers.ts";
import type { UnlockedStore } from "../store/open_store.ts";
import type { SignalContext } from "../store/signal_context.ts";
import type { Contact } from "../store/contacts.ts";
import type { OutboxKind } from "../store/outbox.ts";

/** What attachments need of the messenger (messenger.ts holds them; this avoids a cycle). */
export interface AttachmentHost {
  readonly store: UnlockedStore;
  readonly signal: SignalContext;
  now(): number;
  write<T>(fn: () => T | Promise<T>): Promise<T>;
  queuePayload(contact: Contact, payload: Payload, kind: OutboxKind): Promise<void>;
  onQueued(contactId: number): void;
}
type Messenger = AttachmentHost;
import type { Queued } from "./service_map.ts";
import { replaceWithSanitised } from "./image_receive.ts";

/** The default cap on one attachment, sent or received (100 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
/** Chunks decrypted per step of a check or a save. */
const BATCH = 16;

export function fileTooLarge(size: number | undefined, cap: number): LegionError {
  return new LegionError(
    "bad_data",
    `The file is larger than ${cap} bytes${size === undefined ? "" : ` (${size})`}`,
    { hint: "raise the cap with --max-size, or send a smaller file" },
  );
}

export interface UploadParams {
  to: string;
  kind: AttachmentKind;
  name: string;
  mime: string;
  durationMs?: number;
  /** Images: the sanitised image's pixel size. */
  width?: number;
  height?: number;
  /** Declared size (a regular file's); checked against the cap before anything is read. */
  size?: number;
  maxBytes?: number;
  ttlSeconds?: number;
  burn?: boolean;
}

interface Upload {
  params: UploadParams;
  contactId: number;
  id: Uint8Array;
  key: Uint8Array;
  header: Uint8Array;
  pusher: SecretStreamPusher;
  hash: Hash;
  /** Plaintext not yet pushed: a full chunk waits until we know whether it is the last. */
  buffer: Uint8Array;
  fill: number;
  size: number;
  index: number;
  cap: number;
}

/** Streams attachments in, chunk by chunk, by handle (the agent serves them call by call). */
export class Uploads {
  readonly #open = new Map<string, Upload>();

  constructor(private readonly messenger: Messenger) {}

  async begin(params: UploadParams): Promise<string> {
    const cap = params.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (params.size !== undefined && params.size > cap) throw fileTooLarge(params.size, cap);
    // Refuses an unknown contact, a bad name or MIME type before anything is stored.
    const contact = this.messenger.signal.contact(params.to);
    params = { ...params, mime: params.mime.toLowerCase() };
    if (!MIME.test(params.mime) || params.mime.length > MAX_MIME_BYTES) {
      throw new LegionError("usage", `Not a MIME type: ${params.mime}`, {
        hint: "e.g. --mime application/pdf",
      });
    }
    params = { ...params, name: nameHint(params.name) };
    const na = await sodium();
    const key = na.crypto_secretstream_xchacha20poly1305_keygen();
    const { state, header } = na.crypto_secretstream_xchacha20poly1305_init_push(key);
    const id = crypto.getRandomValues(new Uint8Array(16));
    await this.messenger.write(() =>
      createTransfer(this.messenger.store.db, {
        id,
        contactId: contact.id,
        direction: "out",
        size: 0,
        chunks: 0,
        state: "preparing",
        createdAt: this.messenger.now(),
      })
    );
    const handle = toHex(crypto.getRandomValues(new Uint8Array(16)));
    this.#open.set(handle, {
      params,
      contactId: contact.id,
      id,
      key,
      header,
      pusher: new SecretStreamPusher(na, state, id, CHUNK_BYTES),
      hash: createHash("sha256"),
      buffer: new Uint8Array(CHUNK_BYTES),
      fill: 0,
      size: 0,
      index: 0,
      cap,
    });
    return handle;
  }

  /** Takes the next bytes of the file; over the cap, the upload is dropped (exit 65). */
  async append(handle: string, bytes: Uint8Array): Promise<number> {
    const up = this.#get(handle);
    if (up.size + bytes.length > up.cap) {
      await this.abort(handle);
      throw fileTooLarge(undefined, up.cap);
    }
    up.hash.update(bytes);
    up.size += bytes.length;
    // Sealed and inserted chunk by chunk inside one transaction: the pusher's output is a view
    // into the wasm heap that SQLite copies, so no chunk-sized garbage is left for the GC.
    await this.messenger.write(() => {
      let at = 0;
      while (at < bytes.length) {
        if (up.fill === CHUNK_BYTES) {
          putChunk(this.messenger.store.db, up.id, up.index, up.pusher.push(up.buffer, 0));
          up.index++;
          up.fill = 0;
        }
        const take = Math.min(CHUNK_BYTES - up.fill, bytes.length - at);
        up.buffer.set(bytes.subarray(at, at + take), up.fill);
        up.fill += take;
        at += take;
      }
    });
    return up.size;
  }

  /** Seals the last chunk and queues the descriptor; returns the queued message. */
  async finish(handle: string): Promise<Queued & { size: number; sha256: string }> {
    const up = this.#get(handle);
    this.#open.delete(handle);
    const na = await sodium();
    const last = up.pusher.push(
      up.buffer.subarray(0, up.fill),
      na.crypto_secretstream_xchacha20poly1305_TAG_FINAL,
    ).slice();
    up.pusher.dispose();
    const sha256 = new Uint8Array(up.hash.digest());
    const descriptor = descriptorOf(up.params, up.key, up.header, up.size, sha256);
    const chunks = chunkCount(up.size);
    if (up.index + 1 !== chunks) throw new Error("chunk count mismatch");
    const ttlSeconds = clampTtl(up.params.ttlSeconds ?? TTL_DEFAULT_SECONDS);
    const payload: Payload = {
      type: attachmentType(up.params.kind),
      id: up.id,
      createdAt: this.messenger.now(),
      ttlSeconds,
      burn: up.params.burn ?? false,
      body: encodeDescriptor(descriptor),
    };
    up.key.fill(0);
    const contact = this.messenger.signal.contactById(up.contactId);
    if (!contact) throw new LegionError("no_input", `No contact ${up.params.to}`);
    await this.messenger.write(async () => {
      const { db } = this.messenger.store;
      putChunk(db, up.id, up.index, last);
      finishPreparing(db, up.id, up.size, chunks);
      await this.messenger.queuePayload(contact, payload, "message");
    });
    payload.body.fill(0);
    this.messenger.onQueued(contact.id);
    return {
      id: toHex(up.id),
      to: contact.name,
      ttlSeconds,
      burn: payload.burn,
      expiresAt: new Date(this.messenger.now() + ttlSeconds * 1000).toISOString(),
      size: up.size,
      sha256: toHex(sha256),
    };
  }

  async abort(handle: string): Promise<void> {
    const up = this.#open.get(handle);
    if (!up) return;
    this.#open.delete(handle);
    up.key.fill(0);
    up.pusher.dispose();
    await this.messenger.write(() => deleteTransfer(this.messenger.store.db, up.id));
  }

  #get(handle: string): Upload {
    const up = this.#open.get(handle);
    if (!up) throw new LegionError("usage", "No such upload (it finished, failed or timed out)");
    return up;
  }
}

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/** The name hint as the descriptor carries it: no control characters, at most 255 bytes. */
function nameHint(name: string): string {
  // deno-lint-ignore no-control-regex
  let hint = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, "_");
  while (new TextEncoder().encode(hint).length > MAX_NAME_BYTES) hint = hint.slice(0, -1);
  return hint;
}

function descriptorOf(
  p: UploadParams,
  key: Uint8Array,
  header: Uint8Array,
  size: number,
  sha256: Uint8Array,
): FileDescriptor {
  return {
    kind: p.kind,
    key,
    header,
    size,
    sha256,
    durationMs: p.kind === "voice" ? p.durationMs ?? 0 : 0,
    width: p.kind === "image" && p.height ? p.width ?? 0 : 0,
    height: p.kind === "image" && p.width ? p.height ?? 0 : 0,
    mime: p.mime,
    name: p.name,
  };
}

/** An attachment's descriptor, from its (sealed) message; undefined if it is gone. */
export function descriptorFor(messenger: Messenger, id: Uint8Array): FileDescriptor | undefined {
  const message = getMessage(messenger.store.db, messenger.store.sealer, id);
  if (!message) return undefined;
  try {
    return decodeDescriptor(message.body);
  } catch {
    return undefined;
  }
}

/**
 * Decrypts a transfer's chunks in order, handing each plaintext to `sink`; throws `bad_data` on
 * any failed tag, a misplaced TAG_FINAL, a wrong chunk size, a wrong total or a wrong SHA-256.
 */
export async function openChunks(
  messenger: Messenger,
  id: Uint8Array,
  d: FileDescriptor,
  sink: (plain: Uint8Array) => void | Promise<void>,
): Promise<void> {
  const na = await sodium();
  const chunks = chunkCount(d.size);
  const state = na.crypto_secretstream_xchacha20poly1305_init_pull(d.header, d.key);
  const hash = createHash("sha256");
  let size = 0;
  const bad = (why: string) =>
    new LegionError("bad_data", `The attachment does not verify: ${why}`);
  for (let from = 0; from < chunks; from += BATCH) {
    const batch = readChunks(messenger.store.db, id, from, Math.min(BATCH, chunks - from));
    if (batch.length !== Math.min(BATCH, chunks - from)) throw bad("chunks are missing");
    for (const [i, chunk] of batch.entries()) {
      const index = from + i;
      const out = na.crypto_secretstream_xchacha20poly1305_pull(state, chunk, id);
      if (!out) throw bad(`chunk ${index} failed authentication`);
      const final = out.tag === na.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
      if (final !== (index === chunks - 1)) throw bad(`chunk ${index} is out of place`);
      const expected = index < chunks - 1 ? CHUNK_BYTES : d.size - CHUNK_BYTES * (chunks - 1);
      if (out.message.length !== expected) throw bad(`chunk ${index} has the wrong size`);
      size += out.message.length;
      hash.update(out.message);
      await sink(out.message);
    }
  }
  if (size !== d.size) throw bad("wrong size");
  if (toHex(new Uint8Array(hash.digest())) !== toHex(d.sha256)) throw bad("SHA-256 mismatch");
}

/**
 * Stores the next chunks of an incoming transfer from `contactId` (only those continuing the
 * high-water mark; others are ignored) and, at the last one, checks the whole file. Returns the
 * status and high-water mark to report, and whether the transfer just completed or failed.
 */
export async function acceptChunks(
  messenger: Messenger,
  contactId: number,
  id: Uint8Array,
  first: number | undefined,
  chunks: Uint8Array[],
): Promise<
  { status: TransferStatus; have: number; total: number; finished?: "complete" | "corrupt" }
> {
  const { db } = messenger.store;
  const stored = await messenger.write(() => {
    const t = getTransfer(db, id);
    if (!t || t.direction !== "in" || t.contactId !== contactId) return undefined;
    if (
      t.state === "receiving" && first === t.have && chunks.length > 0 &&
      first + chunks.length <= t.chunks
    ) {
      for (const [i, chunk] of chunks.entries()) putChunk(db, id, first + i, chunk);
      t.have += chunks.length;
      setTransfer(db, id, { have: t.have });
    }
    return t;
  });
  if (!stored) return { status: TransferStatus.unknown, have: 0, total: 0 };
  const total = stored.chunks;
  if (stored.state === "complete") return { status: TransferStatus.complete, have: total, total };
  if (stored.state === "corrupt") {
    return { status: TransferStatus.corrupt, have: stored.have, total };
  }
  if (stored.have < total) return { status: TransferStatus.receiving, have: stored.have, total };
  const d = descriptorFor(messenger, id);
  let ok = d !== undefined;
  if (d) {
    // An image is kept whole for sharp (its size was capped when its message arrived).
    const parts: Uint8Array[] | undefined = d.kind === "image" ? [] : undefined;
    try {
      await openChunks(messenger, id, d, (plain) => void parts?.push(plain.slice()));
    } catch {
      ok = false;
    }
    d.key.fill(0);
    if (ok && parts) {
      const plain = new Uint8Array(d.size);
      parts.reduce((at, part) => (plain.set(part, at), at + part.length), 0);
      ok = await replaceWithSanitised(messenger, id, d, plain);
    }
  }
  await messenger.write(() => {
    const t = getTransfer(db, id);
    if (!t || t.state !== "receiving") return;
    setTransfer(db, id, { state: ok ? "complete" : "corrupt" });
    if (!ok) dropChunks(db, id);
  });
  return {
    status: ok ? TransferStatus.complete : TransferStatus.corrupt,
    have: stored.have,
    total,
    finished: ok ? "complete" : "corrupt",
  };
}

interface Download {
  id: Uint8Array;
  d: FileDescriptor;
  state: unknown;
  next: number;
  chunks: number;
  hash: Hash;
}

/** Decrypts complete attachments for `save`, a batch of chunks per call, by handle. */
export class Downloads {
  readonly #open = new Map<string, Download>();

  constructor(private readonly messenger: Messenger) {}

  async open(id: Uint8Array): Promise<{ handle: string; d: FileDescriptor }> {
    const t = getTransfer(this.messenger.store.db, id);
    const d = descriptorFor(this.messenger, id);
    if (!t || !d) throw new LegionError("no_input", `No attachment ${toHex(id)}`);
    const ready = t.direction === "in" ? t.state === "complete" : t.state !== "preparing" &&
      t.state !== "done";
    if (!ready) {
      throw new LegionError("retry_later", `Attachment ${toHex(id).slice(0, 8)} is ${t.state}`, {
        hint: t.state === "receiving"
          ? "wait until it has arrived (see `legion inbox`)"
          : undefined,
      });
    }
    const na = await sodium();
    const handle = toHex(crypto.getRandomValues(new Uint8Array(16)));
    this.#open.set(handle, {
      id,
      d,
      state: na.crypto_secretstream_xchacha20poly1305_init_pull(d.header, d.key),
      next: 0,
      chunks: chunkCount(d.size),
      hash: createHash("sha256"),
    });
    return { handle, d };
  }

  /** The next plaintext (up to BATCH chunks); `done` after the last, checked against the SHA-256. */
  async read(handle: string): Promise<{ data: Uint8Array; done: boolean; id: Uint8Array }> {
    const dl = this.#open.get(handle);
    if (!dl) throw new LegionError("usage", "No such download");
    const na = await sodium();
    const count = Math.min(BATCH, dl.chunks - dl.next);
    const batch = readChunks(this.messenger.store.db, dl.id, dl.next, count);
    const fail = (why: string) => {
      this.close(handle);
      return new LegionError("bad_data", `The attachment does not verify: ${why}`);
    };
    if (batch.length !== count) throw fail("chunks are missing");
    const parts: Uint8Array[] = [];
    for (const chunk of batch) {
      const out = na.crypto_secretstream_xchacha20poly1305_pull(dl.state as never, chunk, dl.id);
      if (!out) throw fail(`chunk ${dl.next} failed authentication`);
      const last = dl.next === dl.chunks - 1;
      if ((out.tag === na.crypto_secretstream_xchacha20poly1305_TAG_FINAL) !== last) {
        throw fail(`chunk ${dl.next} is out of place`);
      }
      dl.hash.update(out.message);
      parts.push(out.message);
      dl.next++;
    }
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      data.set(part, at);
      at += part.length;
    }
    const done = dl.next === dl.chunks;
    if (done) {
      const ok = toHex(new Uint8Array(dl.hash.digest())) === toHex(dl.d.sha256);
      this.close(handle);
      if (!ok) throw fail("SHA-256 mismatch");
    }
    return { data, done, id: dl.id };
  }

  close(handle: string): void {
    const dl = this.#open.get(handle);
    if (!dl) return;
    dl.d.key.fill(0);
    this.#open.delete(handle);
  }
}
