/**
 * The services a node offers, by name: each name's params and result, as they travel over the
 * agent socket (plain JSON) or run in-process. Types only, so commands can name them without
 * loading the node.
 */
import type { ImportStatus } from "../store/contacts_import.ts";

/** A contact as services report it. */
export interface ContactSummary {
  name: string;
  onion: string;
  ed25519: string;
  verified: boolean;
  addedAt: string;
  cardExpires: string;
  keyChangedAt?: string;
}

export interface ContactWithSafetyNumber extends ContactSummary {
  safetyNumber: string;
}

/** What `send` returns: the queued message. */
export interface Queued {
  id: string;
  to: string;
  ttlSeconds: number;
  burn: boolean;
  expiresAt: string;
}

/** A message as the inbox shows it. */
export interface MessageRecord {
  id: string;
  contact: string;
  direction: "in" | "out";
  kind: string;
  text: string;
  state: string;
  burn: boolean;
  createdAt: string;
  expiresAt: string;
  readAt: string | null;
  /** Present for files, images and voice clips (their `text` is empty). */
  attachment?: AttachmentRecord;
}

/** An attachment as the inbox shows it. */
export interface AttachmentRecord {
  kind: "file" | "image" | "voice";
  /** The sender's name for it (untrusted: `save` makes its own safe name). */
  name: string;
  size: number;
  mime: string;
  sha256: string;
  durationMs?: number;
  /** Images: the pixel size of the sanitised image (0 × 0 when unknown). */
  width?: number;
  height?: number;
  /** preparing · sending · done (out); receiving · complete · corrupt (in); gone */
  state: string;
  chunks: number;
  have: number;
}

/** `file.begin`'s params: the attachment to stream in with `file.append`. */
export interface FileBeginParams {
  to: string;
  kind: "file" | "image" | "voice";
  name: string;
  mime: string;
  durationMs?: number;
  /** Images: the sanitised image's pixel size. */
  width?: number;
  height?: number;
  size?: number;
  maxBytes?: number;
  ttlSeconds?: number;
  burn?: boolean;
}

/** An outbox item as `queue list` shows it. */
export interface QueueItem {
  id: string;
  to: string;
  kind: string;
  attempts: number;
  nextAttemptAt: string;
  expiresAt: string;
  lastError: string | null;
  /** When it was deposited at the contact's relay (it stays until the contact acks it). */
  relayedAt: string | null;
  /** The relays' last refusal or failure. */
  relayError: string | null;
}

export interface QueueRunSummary {
  delivered: number;
  remaining: number;
}

export interface InboxParams {
  name?: string;
  unreadOnly?: boolean;
  /** Mark the shown messages read, here only. */
  markRead?: boolean;
  /** Mark them read and send read receipts to their senders. */
  receipts?: boolean;
  includeSent?: boolean;
}

export interface SendParams {
  to: string;
  text: string;
  ttlSeconds?: number;
  burn?: boolean;
  /** Deposit at the contact's relay mailbox at once. */
  viaRelay?: boolean;
}

/** Ids are full hex ids or unique prefixes of 8 hex characters or more. */
export type BurnTarget = { ids: string[] } | { conversation: string };

/** This identity as `whoami` shows it. */
export interface IdentitySummary {
  onion: string;
  /** Ed25519 public key, hex. */
  publicKey: string;
  fingerprint: string;
  createdAt: string;
}

/** One of this user's relay mailboxes (`mailbox list`). */
export interface MailboxInfo {
  id: number;
  relay: string;
  depositId: string;
  slotsPerEpoch: number;
  epochSeconds: number;
  createdAt: string;
}

/** A group as `group list` shows it. */
export interface GroupSummary {
  name: string;
  /** Hex. */
  groupId: string;
  /** The owner: a contact name, `me`, or a short onion. */
  owner: string;
  isOwner: boolean;
  members: number;
  /** Owner only: contacts asked to join whose key package has not arrived yet. */
  pending: number;
  epoch: number;
}

/** One member as `group members` shows it. */
export interface GroupMember {
  /** The contact name where known, `me` for this node, else the short onion. */
  label: string;
  contact: string | null;
  /** Ed25519 key, hex. */
  ed25519: string;
  fingerprint: string;
  onion: string;
  owner: boolean;
  self: boolean;
  /** Asked to join, not added yet (its key package has not arrived). */
  pending: boolean;
}

export interface GroupInvite {
  name: string;
  groupId: string;
  owner: string;
  members: number;
  receivedAt: string;
}

/** What `group send` returns: the queued post, one queue item per other member. */
export interface GroupQueued {
  id: string;
  group: string;
  groupId: string;
  ttlSeconds: number;
  burn: boolean;
  expiresAt: string;
  /** The queue items' ids (hex), one per other member. */
  items: string[];
}

/** A post as `inbox --group` shows it. */
export interface GroupPostRecord {
  id: string;
  group: string;
  from: string;
  fromKey: string;
  direction: "in" | "out";
  kind: string;
  text: string;
  burn: boolean;
  createdAt: string;
  expiresAt: string;
  readAt: string | null;
  /** Present for files, images and voice clips (inline in the post: always complete). */
  attachment?: AttachmentRecord;
}

export interface GroupInboxParams {
  name: string;
  unreadOnly?: boolean;
  markRead?: boolean;
  includeSent?: boolean;
}

/** Each service's params and result. */
export interface ServiceMap {
  "whoami": { params: Record<never, never>; result: IdentitySummary };
  "card.export": {
    params: { name?: string; validityMs?: number; shortForm?: boolean };
    result: string;
  };
  "card.import": {
    params: { text: string; name?: string; replace?: boolean };
    result: ContactSummary & { status: ImportStatus };
  };
  /** A QR code's short form: the full card is fetched from its onion (over tor), then imported. */
  "card.import_short": {
    params: { short: string; name?: string; replace?: boolean };
    result: ContactSummary & { status: ImportStatus };
  };
  "contacts.list": { params: Record<never, never>; result: ContactSummary[] };
  "contacts.show": { params: { name: string }; result: ContactWithSafetyNumber };
  "contacts.rename": { params: { from: string; to: string }; result: ContactSummary };
  "contacts.remove": { params: { name: string }; result: ContactSummary };
  "contacts.verify": { params: { name: string; mark?: boolean }; result: ContactWithSafetyNumber };
  "send": { params: SendParams; result: Queued };
  "inbox": { params: InboxParams; result: MessageRecord[] };
  /** Streams an attachment in: begin, append (base64 slices), finish (queues it) or abort. */
  "file.begin": { params: FileBeginParams; result: { handle: string } };
  "file.append": { params: { handle: string; data: string }; result: { size: number } };
  "file.finish": {
    params: { handle: string };
    result: Queued & { size: number; sha256: string };
  };
  "file.abort": { params: { handle: string }; result: Record<never, never> };
  /** Decrypts an attachment for `save`: open, then read (base64) until `done`. */
  "file.open": {
    params: { id: string };
    result: { handle: string; id: string; attachment: AttachmentRecord };
  };
  "file.read": { params: { handle: string }; result: { data: string; done: boolean } };
  "file.close": { params: { handle: string }; result: Record<never, never> };
  "queue.list": { params: Record<never, never>; result: QueueItem[] };
  "queue.cancel": { params: { id: string }; result: { id: string; state: "cancelled" } };
  "queue.flush": { params: { timeoutMs?: number }; result: QueueRunSummary };
  "burn": { params: BurnTarget; result: { deleted: number; conversations: number } };
  /** Relay mailboxes (open and close reach the relay: the node's tor, or tor brought up). */
  "mailbox.open": { params: { card: string }; result: MailboxInfo };
  "mailbox.list": { params: Record<never, never>; result: MailboxInfo[] };
  "mailbox.close": { params: { id: number }; result: MailboxInfo };
  "mailbox.id": { params: Record<never, never>; result: { commitment: string } };
  "group.create": { params: { name: string; members: string[] }; result: GroupSummary };
  "group.add": { params: { name: string; members: string[] }; result: GroupSummary };
  "group.remove": { params: { name: string; members: string[] }; result: GroupSummary };
  "group.leave": { params: { name: string }; result: { name: string; groupId: string } };
  "group.dissolve": { params: { name: string }; result: { name: string; groupId: string } };
  "group.accept": { params: { name: string }; result: GroupSummary };
  "group.decline": { params: { name: string }; result: { name: string; groupId: string } };
  "group.list": { params: Record<never, never>; result: GroupSummary[] };
  "group.members": { params: { name: string }; result: GroupMember[] };
  "group.invites": { params: Record<never, never>; result: GroupInvite[] };
  "group.send": {
    params: { name: string; text: string; ttlSeconds?: number; burn?: boolean };
    result: GroupQueued;
  };
  /** Posts a file, image (sanitised by the caller) or voice clip inline; `data` is base64. */
  "group.send_file": {
    params: {
      name: string;
      kind: "file" | "image" | "voice";
      fileName: string;
      mime: string;
      data: string;
      width?: number;
      height?: number;
      durationMs?: number;
      ttlSeconds?: number;
      burn?: boolean;
    };
    result: GroupQueued;
  };
  /** How many of these queue items (hex ids) are still queued. */
  "group.pending": { params: { items: string[] }; result: { pending: number } };
  "group.inbox": { params: GroupInboxParams; result: GroupPostRecord[] };
  /** Only a running node answers it: `legion panic` asks the node to stop this way. */
  "node.shutdown": { params: Record<never, never>; result: { stopping: true } };
}

export type ServiceName = keyof ServiceMap;
export type ServiceParams<N extends ServiceName> = ServiceMap[N]["params"];
export type ServiceResult<N extends ServiceName> = ServiceMap[N]["result"];
