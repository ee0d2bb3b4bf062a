/**
 * The group engine (src/group/) wired to the node (docs/groups.md, "Seam"): one engine per
 * messenger, opened with the node's store and identity. What the engine asks to send goes to the
 * queue (`enqueueGroupEnvelope`), its events become node events, and after every call the group
 * peer registry (the hello's admission of members who are not contacts) follows the rosters.
 * `handler` consumes received envelopes inside the delivery's write; its events are reported
 * only once that write commits.
 */
import { GroupEngine, HEAL_DEFAULTS, type HealOptions } from "../group/group_engine.ts";
import { GroupError, type GroupErrorReason } from "../group/group_error.ts";
import { groupIdentityFromSeed } from "../group/mls_adapter.ts";
import type { Effects, GroupEvent, GroupInfo, GroupPost } from "../group/group_types.ts";
import { loadIdentity } from "../store/identity_store.ts";
import { listOutbox } from "../store/outbox.ts";
import { listGroupOutbox } from "../store/group_outbox.ts";
import { isValidName } from "../crypto/card.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { onionAddress } from "../crypto/onion.ts";
import { keyFingerprint } from "../crypto/fingerprint.ts";
import {
  ATTACHMENT_KINDS,
  attachmentType,
  PayloadType,
  payloadTypeName,
  TTL_DEFAULT_SECONDS,
} from "../protocol/payload.ts";
import { decodeInline } from "../protocol/group_attachment.ts";
import {
  attachmentRecord,
  encodeGroupAttachment,
  type GroupAttachmentInput,
  inspectAttachment,
} from "./group_media.ts";
import { LegionError } from "../errors.ts";
import { MAX_TEXT_BYTES, messageTooLarge, type Messenger } from "./messenger.ts";
import type { GroupEnvelopeHandler } from "./group_envelope.ts";
import type { GroupEvent as NodeGroupEvent } from "./events.ts";
import type {
  AttachmentRecord,
  GroupInboxParams,
  GroupInvite,
  GroupMember,
  GroupPostRecord,
  GroupQueued,
  GroupSummary,
} from "./service_map.ts";

const hubs = new WeakMap<Messenger, Promise<GroupHub>>();

/** The messenger's group hub, opened once (loads ts-mls and every group). */
export function groupHub(messenger: Messenger): Promise<GroupHub> {
  let hub = hubs.get(messenger);
  if (!hub) {
    hub = GroupHub.open(messenger);
    hubs.set(messenger, hub);
    hub.catch(() => hubs.delete(messenger));
  }
  return hub;
}

/** Opens the hub and makes it the messenger's group handler (what a node does at start). */
export async function attachGroups(messenger: Messenger): Promise<GroupHub> {
  const hub = await groupHub(messenger);
  messenger.groupHandler = hub.handler;
  return hub;
}

const NAME_RULE =
  "A group name must be 1–64 printable characters (no control, bidi or invisible ones)";

/** A group attachment found for `save`. */
export interface GroupAttachmentFound {
  id: string;
  record: AttachmentRecord;
  bytes: Uint8Array;
  /** Deletes it if it is burn-after-reading (call once saved). */
  burn: () => Promise<void>;
}

export class GroupHub {
  readonly engine: GroupEngine;
  readonly #messenger: Messenger;
  readonly #me: string;
  #lastRefusal: GroupErrorReason | undefined;

  private constructor(messenger: Messenger, engine: GroupEngine) {
    this.#messenger = messenger;
    this.engine = engine;
    this.#me = toHex(messenger.signal.ownEd25519);
  }

  static async open(messenger: Messenger): Promise<GroupHub> {
    const stored = loadIdentity(messenger.store.db, messenger.store.sealer);
    stored.zkSecret.fill(0);
    const identity = await groupIdentityFromSeed(stored.seed);
    stored.seed.fill(0);
    const engine = GroupEngine.open({
      store: messenger.store,
      identity,
      isContact: (key) => messenger.signal.contactByKey(key) !== undefined,
      now: messenger.now,
      inspect: inspectAttachment,
    });
    return new GroupHub(messenger, engine);
  }

  /** Why the last envelope received was refused (undefined when it was not). */
  get lastRefusal(): GroupErrorReason | undefined {
    return this.#lastRefusal;
  }

  /** Received envelopes: the engine's verdict (`later` = held by the engine: acked `stored`). */
  readonly handler: GroupEnvelopeHandler = async (from, bytes) => {
    // The delivery's write may still roll back (a `later`, a failure after this handler): the
    // engine's memory must then not stay ahead of the disk.
    this.#messenger.store.afterCommit(() => {}, () => this.engine.reload());
    try {
      const names = this.#names();
      const result = await this.engine.receive(from.publicKey, bytes);
      this.#lastRefusal = result.error?.reason;
      await this.#apply(result, names);
      return result.status === "later" ? "stored" : result.status;
    } catch (err) {
      // The delivery's write rolls back: the engine's memory must not stay ahead of the disk.
      this.engine.reload();
      throw err;
    }
  };

  // --- the owner's actions ---

  async create(name: string, contacts: string[]): Promise<GroupSummary> {
    checkName(name);
    const keys = this.#contactKeys(contacts);
    const names = this.#names();
    const { groupId, ...effects } = await this.engine.create(name, keys);
    await this.#apply(effects, names, [groupId]);
    return this.#summary(this.engine.group(groupId)!);
  }

  async add(name: string, contacts: string[]): Promise<GroupSummary> {
    const group = this.#group(name);
    const keys = this.#contactKeys(contacts);
    const names = this.#names();
    await this.#apply(await this.engine.add(group.groupId, keys), names, [group.groupId]);
    return this.#summary(this.engine.group(group.groupId)!);
  }

  async remove(name: string, members: string[]): Promise<GroupSummary> {
    const group = this.#group(name);
    const keys = members.map((member) => this.#memberKey(group, member));
    const names = this.#names();
    await this.#apply(await this.engine.remove(group.groupId, keys), names, [group.groupId]);
    return this.#summary(this.engine.group(group.groupId)!);
  }

  async dissolve(name: string): Promise<{ name: string; groupId: string }> {
    const group = this.#group(name);
    const names = this.#names();
    await this.#apply(await this.engine.dissolve(group.groupId), names, [group.groupId]);
    return { name: group.name, groupId: group.groupId };
  }

  // --- a member's actions ---

  async leave(name: string): Promise<{ name: string; groupId: string }> {
    const group = this.#group(name);
    if (group.isOwner) {
      throw new GroupError("not_owner", "The owner cannot leave its group", {
        hint: "`legion group dissolve` ends it for everyone",
      });
    }
    const names = this.#names();
    await this.#apply(await this.engine.leave(group.groupId), names, [group.groupId]);
    return { name: group.name, groupId: group.groupId };
  }

  async accept(name: string): Promise<GroupSummary> {
    const invite = this.#invite(name);
    if (this.engine.findByName(name) !== undefined) {
      throw new GroupError("conflict", `You are already in a group named ${JSON.stringify(name)}`, {
        hint: "leave that group first, or decline this invitation",
      });
    }
    const names = this.#names();
    await this.#apply(await this.engine.accept(invite.groupId), names, [invite.groupId]);
    const joined = this.engine.group(invite.groupId);
    if (!joined) throw new GroupError("not_a_member", "The group ended before it was joined");
    return this.#summary(joined);
  }

  async decline(name: string): Promise<{ name: string; groupId: string }> {
    const invite = this.#invite(name);
    const names = this.#names();
    await this.#apply(await this.engine.decline(invite.groupId), names, [invite.groupId]);
    return { name: invite.name, groupId: invite.groupId };
  }

  send(
    name: string,
    text: string,
    options: { ttlSeconds?: number; burn?: boolean } = {},
  ): Promise<GroupQueued> {
    const body = new TextEncoder().encode(text);
    if (body.length === 0) throw new LegionError("usage", "The message is empty");
    if (body.length > MAX_TEXT_BYTES) throw messageTooLarge();
    return this.#post(name, PayloadType.text, body, options);
  }

  /** Posts a file, image or voice clip inline (one MLS message; the cap: group_attachment.ts). */
  async sendAttachment(
    name: string,
    input: GroupAttachmentInput,
    options: { ttlSeconds?: number; burn?: boolean } = {},
  ): Promise<GroupQueued> {
    const body = encodeGroupAttachment(input);
    return await this.#post(name, attachmentType(input.kind), body, options);
  }

  async #post(
    name: string,
    type: PayloadType,
    body: Uint8Array,
    options: { ttlSeconds?: number; burn?: boolean },
  ): Promise<GroupQueued> {
    const group = this.#group(name);
    const names = this.#names();
    const sent = await this.engine.send(group.groupId, {
      type,
      body,
      ttlSeconds: options.ttlSeconds ?? TTL_DEFAULT_SECONDS,
      burn: options.burn ?? false,
    });
    const items = await this.#apply(sent, names, [group.groupId]);
    return {
      id: toHex(sent.id),
      group: group.name,
      groupId: group.groupId,
      ttlSeconds: Math.round((sent.post.expiresAt - sent.post.createdAt) / 1000),
      burn: sent.post.burn,
      expiresAt: new Date(sent.post.expiresAt).toISOString(),
      items,
    };
  }

  // --- keys heal ---

  /** When keys heal: the owner's empty commit, a member's fresh leaf (docs/groups.md, "Healing"). */
  healOptions: HealOptions = { ...HEAL_DEFAULTS };

  /** Runs what is due for healing (the node calls it on start and with every sweep). */
  async maintain(): Promise<string[]> {
    const names = this.#names();
    return await this.#apply(await this.engine.maintain(this.healOptions), names);
  }

  // --- reading ---

  list(): GroupSummary[] {
    return this.engine.groups().map((g) => this.#summary(g));
  }

  async members(name: string): Promise<GroupMember[]> {
    const group = this.#group(name);
    const owner = toHex(group.owner);
    const row = async (key: Uint8Array, pending: boolean): Promise<GroupMember> => {
      const hex = toHex(key);
      const contact = this.#messenger.signal.contactByKey(key)?.name ?? null;
      return {
        label: this.#label(key),
        contact,
        ed25519: hex,
        fingerprint: await keyFingerprint(key),
        onion: `${onionAddress(key)}.onion`,
        owner: hex === owner,
        self: hex === this.#me,
        pending,
      };
    };
    return [
      ...await Promise.all(group.members.map((key) => row(key, false))),
      ...await Promise.all(group.pendingAdds.map((key) => row(key, true))),
    ];
  }

  invites(): GroupInvite[] {
    return this.engine.invites().map((invite) => ({
      name: invite.name,
      groupId: invite.groupId,
      owner: this.#label(invite.owner),
      members: invite.members.length,
      receivedAt: new Date(invite.receivedAt).toISOString(),
    }));
  }

  /** A group's posts, oldest first; burn-after-reading ones shown are deleted (as in 1:1). */
  async posts(params: GroupInboxParams): Promise<GroupPostRecord[]> {
    const group = this.#group(params.name);
    await this.engine.sweep();
    const now = this.#messenger.now();
    const posts = this.engine.posts(group.groupId).filter((post) =>
      post.expiresAt > now &&
      (params.includeSent || post.direction === "in") &&
      (!params.unreadOnly || (post.direction === "in" && post.readAt === null))
    );
    if (params.markRead || posts.some((post) => post.burn && post.direction === "in")) {
      await this.engine.markRead(group.groupId);
    }
    return posts.map((post) => this.#postRecord(group.name, post));
  }

  /**
   * A group attachment by its post id (or a unique prefix of 8+ hex characters), for `save`;
   * undefined when no group post matches. A burn-after-reading one is deleted once saved
   * ({@link burnSaved}).
   */
  attachment(idText: string): GroupAttachmentFound | undefined {
    const hex = idText.toLowerCase();
    const matches = this.engine.groups().flatMap((g) => this.engine.posts(g.groupId))
      .filter((p) =>
        ATTACHMENT_KINDS.has(p.type) && toHex(p.id).startsWith(hex) &&
        p.expiresAt > this.#messenger.now()
      );
    if (matches.length > 1) {
      throw new LegionError("usage", `Several attachments start with ${idText}`, {
        hint: "give more characters of the id",
      });
    }
    if (matches.length === 0) return undefined;
    const post = matches[0];
    const record = attachmentRecord(post.type, post.body)!;
    return {
      id: toHex(post.id),
      record,
      bytes: decodeInline(post.body).bytes,
      burn: async () => {
        if (post.burn) await this.engine.burnPost(post.groupId, post.id);
      },
    };
  }

  /** How many of these queue items are still queued (for `group send --wait`). */
  pending(items: string[]): number {
    const { db, sealer } = this.#messenger.store;
    const queued = new Set([
      ...listOutbox(db, sealer).map((item) => toHex(item.id)),
      ...listGroupOutbox(db, sealer).map((item) => toHex(item.id)),
    ]);
    return items.filter((id) => queued.has(id)).length;
  }

  // --- wiring ---

  /**
   * Queues what the engine asks to send, keeps the peer registry on the rosters, and reports the
   * events. Recipients stay registered until their envelopes are queued (a removed member gets
   * the commit that removes it). Returns the queue items' ids.
   */
  async #apply(
    effects: Effects,
    names: Map<string, string>,
    touched: string[] = [],
  ): Promise<string[]> {
    const groupIds = new Set([
      ...touched,
      ...effects.outgoing.map((o) => o.groupId),
      ...effects.events.map((e) => e.groupId),
    ]);
    const rosters = new Map<string, Uint8Array[]>();
    for (const groupId of groupIds) {
      const roster = this.engine.group(groupId)?.members ?? [];
      rosters.set(groupId, roster);
      const known = new Set(roster.map(toHex));
      const extra = effects.outgoing.filter((o) => o.groupId === groupId && !known.has(toHex(o.to)))
        .filter((o) => this.#messenger.signal.contactByKey(o.to) === undefined)
        .map((o) => o.to);
      await this.#setPeers(groupId, [...roster, ...extra]);
      if (extra.length === 0) rosters.delete(groupId);
    }
    const items: string[] = [];
    for (const o of effects.outgoing) {
      items.push((await this.#messenger.enqueueGroupEnvelope(o.to, o.bytes)).id);
    }
    for (const [groupId, roster] of rosters) await this.#setPeers(groupId, roster);
    // Reported once the delivery's write commits: one rolled back and retried reports nothing twice.
    const events = effects.events.map((event) => this.#event(event, names));
    this.#messenger.store.afterCommit(() => {
      for (const event of events) this.#messenger.emit(event);
    });
    return items;
  }

  async #setPeers(groupId: string, keys: Uint8Array[]): Promise<void> {
    const unique = new Map(keys.map((key) => [toHex(key), key]));
    await this.#messenger.groupPeers.setGroupPeers(
      fromHex(groupId),
      [...unique.values()].map((key) => ({
        publicKey: key,
        onion: `${onionAddress(key)}.onion`,
      })),
    );
  }

  /** Group and invitation names by id, taken before a call that may forget them. */
  #names(): Map<string, string> {
    return new Map([
      ...this.engine.groups().map((g) => [g.groupId, g.name] as const),
      ...this.engine.invites().map((i) => [i.groupId, i.name] as const),
    ]);
  }

  #event(event: GroupEvent, names: Map<string, string>): NodeGroupEvent {
    const group = this.engine.group(event.groupId)?.name ?? names.get(event.groupId) ??
      event.groupId.slice(0, 16);
    const { groupId } = event;
    switch (event.type) {
      case "group_message": {
        const { post } = event;
        const head = {
          type: "group_message" as const,
          group,
          groupId,
          id: toHex(post.id),
          from: this.#label(post.author),
          fromKey: toHex(post.author),
          createdAt: new Date(post.createdAt).toISOString(),
        };
        return post.burn ? { ...head, burn: true } : { ...head, burn: false, text: postText(post) };
      }
      case "group_invite":
        return { type: "group_invite", group: event.name, groupId, from: this.#label(event.owner) };
      case "group_member_added":
      case "group_member_removed":
        return { type: event.type, group, groupId, member: this.#label(event.member) };
      case "group_left":
      case "group_dissolved":
        return { type: event.type, group, groupId };
    }
  }

  #postRecord(group: string, post: GroupPost): GroupPostRecord {
    return {
      id: toHex(post.id),
      group,
      from: this.#label(post.author),
      fromKey: toHex(post.author),
      direction: post.direction,
      kind: payloadTypeName(post.type),
      text: postText(post),
      ...(ATTACHMENT_KINDS.has(post.type)
        ? { attachment: attachmentRecord(post.type, post.body) }
        : {}),
      burn: post.burn,
      createdAt: new Date(post.createdAt).toISOString(),
      expiresAt: new Date(post.expiresAt).toISOString(),
      readAt: post.readAt === null ? null : new Date(post.readAt).toISOString(),
    };
  }

  #summary(group: GroupInfo): GroupSummary {
    return {
      name: group.name,
      groupId: group.groupId,
      owner: this.#label(group.owner),
      isOwner: group.isOwner,
      members: group.members.length,
      pending: group.pendingAdds.length,
      epoch: Number(group.epoch),
    };
  }

  /** A contact's name, `me`, or a short onion (`abcdefgh…onion`). */
  #label(key: Uint8Array): string {
    if (toHex(key) === this.#me) return "me";
    return this.#messenger.signal.contactByKey(key)?.name ?? shortOnion(key);
  }

  #group(name: string): GroupInfo {
    checkName(name);
    const group = this.engine.findByName(name);
    if (!group) {
      throw new GroupError("unknown_group", `No group named ${JSON.stringify(name)}`, {
        hint: "see `legion group list` (invitations: `legion group invites`)",
      });
    }
    return group;
  }

  #invite(name: string) {
    checkName(name);
    const invites = this.engine.invites().filter((invite) => invite.name === name);
    if (invites.length === 0) {
      throw new GroupError(
        "unknown_group",
        `No invitation to a group named ${JSON.stringify(name)}`,
        {
          hint: "see `legion group invites`",
        },
      );
    }
    if (invites.length > 1) {
      throw new GroupError("conflict", `Several invitations name ${JSON.stringify(name)}`, {
        hint: "decline them all and ask the owner to invite you again",
      });
    }
    return invites[0];
  }

  #contactKeys(names: string[]): Uint8Array[] {
    return names.map((name) => this.#messenger.signal.contact(name).ed25519);
  }

  /** A member by contact name, or by a prefix (8+ characters) of its key (hex) or onion. */
  #memberKey(group: GroupInfo, member: string): Uint8Array {
    const contact = this.#messenger.signal.contacts.byName(member);
    if (contact) return contact.ed25519;
    const wanted = member.toLowerCase().replaceAll(" ", "").replace(/\.onion$/, "");
    if (wanted.length >= 8) {
      const matches = [...group.members, ...group.pendingAdds].filter((key) =>
        toHex(key).startsWith(wanted) || onionAddress(key).startsWith(wanted)
      );
      if (matches.length === 1) return matches[0];
    }
    throw new GroupError("unknown_member", `No member ${JSON.stringify(member)} in the group`, {
      hint: "give a contact name, or a key or onion prefix from `legion group members`",
    });
  }
}

function checkName(name: string): void {
  if (!isValidName(name) || new TextEncoder().encode(name).length > 64) {
    throw new LegionError("usage", NAME_RULE);
  }
}

function shortOnion(key: Uint8Array): string {
  return `${onionAddress(key).slice(0, 12)}…onion`;
}

function postText(post: GroupPost): string {
  return post.type === PayloadType.text
    ? new TextDecoder().decode(post.body)
    : `[${payloadTypeName(post.type)}]`;
}
