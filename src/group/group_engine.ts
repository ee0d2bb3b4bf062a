/**
 * The group engine: everything of Legion groups that does not touch the network. It turns user
 * actions and received bytes into sealed store writes, events to report and bytes to send
 * ({@link Outgoing}); the node carries the bytes over its transports and feeds what arrives to
 * {@link GroupEngine.receive}.
 *
 * Ordering: the owner (creator) is the one committer. It makes every commit, numbers them
 * 1, 2, 3…, logs them until every member has acknowledged them (a `commit_request` carrying the
 * last seq applied doubles as the ack), and serves returning members from the log. A member
 * applies commits strictly in seq order and only if the owner's leaf signed them; a gap is held
 * and answered with a `commit_request`; a post from a future epoch is held until its commit is
 * applied. Members ask the owner to remove them (`proposal` leave); the owner commits it.
 *
 * Every method runs alone inside one store write (the store's writer is the lock; a call from
 * inside a running write joins it), and changes memory only after its writes succeeded.
 */
import { createHash } from "node:crypto";
import { fromHex, toHex } from "../crypto/hex.ts";
import {
  decodeGroupPost,
  decodeGroupWire,
  encodeGroupPost,
  encodeGroupWire,
  type GroupWire,
  isGroupDecodeError,
  ProposalOp,
} from "../protocol/group_wire.ts";
import {
  ATTACHMENT_KINDS,
  clampTtl,
  PayloadType,
  TTL_DEFAULT_SECONDS,
  TTL_MAX_SECONDS,
} from "../protocol/payload.ts";
import type { UnlockedStore } from "../store/open_store.ts";
import { GroupError } from "./group_error.ts";
import * as db from "./group_store.ts";
import type { GroupRecord } from "./group_store.ts";
import type {
  Effects,
  GroupEvent,
  GroupInfo,
  GroupPost,
  InviteInfo,
  Outgoing,
  OutgoingKind,
  PostInput,
  ReceiveResult,
  RosterPeer,
} from "./group_types.ts";
import {
  addMembers,
  createGroup,
  decryptPostFrom,
  deserializeGroup,
  deserializeKeyPackage,
  encryptPost,
  type GroupIdentity,
  type IsAllowed,
  joinGroup,
  keyPackageOwner,
  makeKeyPackage,
  type MlsGroup,
  peekMessage,
  processOwnerCommit,
  processUpdateProposal,
  proposeUpdate,
  removeMembers,
  serializeGroup,
  serializeKeyPackage,
  updateCommit,
  withLeafKey,
} from "./mls_adapter.ts";

/** How many epochs ahead of ours a post may be and still be held for its commit. */
const MAX_EPOCHS_AHEAD = 64n;

export interface GroupEngineOptions {
  store: UnlockedStore;
  identity: GroupIdentity;
  /** Whether a key is one of this node's contacts (Welcomes and key package requests need it). */
  isContact: (ed25519: Uint8Array) => boolean;
  now?: () => number;
  /**
   * Judges an incoming attachment post (payload type file, image or voice; its body already
   * decoded and verified by group_attachment.ts) before it is stored: returns the body to store
   * (an image re-sanitised) or throws a {@link GroupError} to refuse it. Default: kept as is.
   */
  inspect?: (type: PayloadType, body: Uint8Array) => Promise<Uint8Array>;
}

/** How often keys heal by default (docs/groups.md, "Healing"). */
export const HEAL_DEFAULTS = {
  /** The owner makes an empty commit when it has not committed for this long. */
  ownerCommitMs: 86_400_000,
  /** A member proposes a fresh leaf key when its own is older than this. */
  memberUpdateMs: 7 * 86_400_000,
} as const;
export type HealOptions = { ownerCommitMs: number; memberUpdateMs: number };

/** Unused key packages older than this are deleted by {@link GroupEngine.sweep}. */
export const KEY_PACKAGE_MAX_AGE_MS = 30 * 86_400_000;
/** At most this many unused key packages are kept; the oldest go first. */
export const MAX_KEY_PACKAGES = 32;

interface Live {
  row: number;
  record: GroupRecord;
  group: MlsGroup;
}

const ANYONE: IsAllowed = () => true;

export class GroupEngine {
  readonly #store: UnlockedStore;
  readonly #identity: GroupIdentity;
  readonly #me: string;
  readonly #isContact: (key: Uint8Array) => boolean;
  readonly #now: () => number;
  readonly #inspect: NonNullable<GroupEngineOptions["inspect"]>;
  readonly #groups = new Map<string, Live>();

  private constructor(options: GroupEngineOptions) {
    this.#store = options.store;
    this.#identity = options.identity;
    this.#me = toHex(options.identity.publicKey);
    this.#isContact = options.isContact;
    this.#now = options.now ?? Date.now;
    this.#inspect = options.inspect ?? ((_type, body) => Promise.resolve(body));
  }

  /** Loads every group from the store. */
  static open(options: GroupEngineOptions): GroupEngine {
    const engine = new GroupEngine(options);
    engine.#load();
    return engine;
  }

  /**
   * Reloads every group from the store. Call it after rolling back a write that an engine call
   * joined (its memory would otherwise be ahead of the disk).
   */
  reload(): void {
    this.#load();
  }

  #load(): void {
    this.#groups.clear();
    for (const stored of db.loadGroups(this.#store.db, this.#store.sealer)) {
      const group = deserializeGroup(stored.state, this.#allowedFor(stored.record.groupId));
      this.#groups.set(stored.record.groupId, { row: stored.row, record: stored.record, group });
    }
  }

  // --- reading ---

  /** The groups this node is in (invitations not accepted yet are {@link invites}). */
  groups(): GroupInfo[] {
    return [...this.#groups.values()].filter((l) => !l.record.invited).map((l) => this.#info(l));
  }

  group(groupId: string): GroupInfo | undefined {
    const live = this.#groups.get(groupId);
    return live && !live.record.invited ? this.#info(live) : undefined;
  }

  findByName(name: string): GroupInfo | undefined {
    return this.groups().find((g) => g.name === name);
  }

  invites(): InviteInfo[] {
    return [...this.#groups.values()].filter((l) => l.record.invited).map(({ record }) => ({
      groupId: record.groupId,
      name: record.name,
      owner: fromHex(record.owner),
      members: record.members.map(fromHex),
      receivedAt: record.invitedAt ?? 0,
    }));
  }

  /** Every member of every group this node is in (itself excepted), with those groups' ids. */
  rosterPeers(): RosterPeer[] {
    const peers = new Map<string, string[]>();
    for (const { record } of this.#groups.values()) {
      if (record.invited) continue;
      for (const member of record.members) {
        if (member === this.#me) continue;
        const ids = peers.get(member) ?? [];
        ids.push(record.groupId);
        peers.set(member, ids);
      }
    }
    return [...peers].map(([key, groupIds]) => ({ key: fromHex(key), groupIds }));
  }

  posts(groupId: string): GroupPost[] {
    const live = this.#live(groupId);
    return db.listPosts(this.#store.db, this.#store.sealer, live.row).map((p) =>
      toPost(groupId, p)
    );
  }

  /** Marks a group's incoming posts read; burn-after-reading posts are deleted. */
  markRead(groupId: string): Promise<void> {
    return this.#locked(async () => {
      const live = this.#live(groupId);
      await this.#store.write(() => db.markPostsRead(this.#store.db, live.row, this.#now()));
    });
  }

  /** Deletes an incoming burn-after-reading post once it was used (a saved attachment). */
  burnPost(groupId: string, id: Uint8Array): Promise<boolean> {
    return this.#locked(() => {
      const live = this.#live(groupId);
      return this.#store.write(() => db.burnPost(this.#store.db, live.row, id));
    });
  }

  /** Deletes expired posts, seen digests and stale key packages; returns the posts deleted. */
  sweep(): Promise<number> {
    return this.#locked(() =>
      this.#store.write(() => {
        const now = this.#now();
        db.expireKeyPackages(this.#store.db, now - KEY_PACKAGE_MAX_AGE_MS);
        return db.sweepGroups(this.#store.db, now);
      })
    );
  }

  // --- the owner's actions ---

  /** Creates a group owned by this node and asks each member (a contact) for a key package. */
  create(name: string, members: Uint8Array[]): Promise<{ groupId: string } & Effects> {
    return this.#locked(async () => {
      if (this.findByName(name) !== undefined) {
        throw new GroupError("conflict", `a group named ${JSON.stringify(name)} exists`);
      }
      // The name must fit a Welcome: encoding one checks it.
      encodeGroupWire({
        kind: "welcome",
        groupId: new Uint8Array(16),
        seq: 1,
        owner: this.#identity.publicKey,
        name,
        mls: new Uint8Array(1),
      });
      const keys = this.#newMembers(members, []);
      const groupIdBytes = crypto.getRandomValues(new Uint8Array(16));
      const groupId = toHex(groupIdBytes);
      const record: GroupRecord = {
        groupId,
        name,
        owner: this.#me,
        seq: 0,
        members: [this.#me],
        acks: {},
        pendingAdds: keys,
        lastCommitAt: this.#now(),
      };
      const own = await makeKeyPackage(this.#identity);
      const group = await createGroup(groupIdBytes, own, this.#allowedFor(groupId, record));
      const state = serializeGroup(group);
      const row = await this.#store.write(() =>
        db.insertGroup(this.#store.db, this.#store.sealer, record, state)
      );
      this.#groups.set(groupId, { row, record, group });
      return { groupId, events: [], outgoing: keys.map((k) => this.#kpRequest(groupId, k)) };
    });
  }

  /** Asks these contacts for key packages; each is added when its key package arrives. */
  add(groupId: string, members: Uint8Array[]): Promise<Effects> {
    return this.#locked(async () => {
      const live = this.#owned(groupId);
      const keys = this.#newMembers(members, live.record.members);
      const record = { ...live.record, pendingAdds: unique([...live.record.pendingAdds, ...keys]) };
      await this.#save(live, record, live.group);
      return { events: [], outgoing: keys.map((k) => this.#kpRequest(groupId, k)) };
    });
  }

  /**
   * Adds members from their key packages in one commit (what a received `key_package` does, one
   * at a time; exposed to add many at once). Each key must be pending (asked by create/add).
   */
  addKeyPackages(
    groupId: string,
    packages: Array<{ key: Uint8Array; keyPackage: Uint8Array }>,
  ): Promise<Effects> {
    return this.#locked(() => this.#addKeyPackages(groupId, packages));
  }

  /** Removes members in one commit; they are told (their commit shows them removed). */
  remove(groupId: string, members: Uint8Array[]): Promise<Effects> {
    return this.#locked(() => this.#remove(groupId, members.map(toHex), false));
  }

  /** An empty commit, so the group's keys heal (the owner runs it now and then). */
  heal(groupId: string): Promise<Effects> {
    return this.#locked(async () => {
      const live = this.#owned(groupId);
      const result = await updateCommit(live.group);
      const seq = live.record.seq + 1;
      const record = { ...live.record, seq, lastCommitAt: this.#now() };
      const commit = commitWire(groupId, seq, false, result.commit);
      await this.#store.write(() => {
        this.#writeGroup(live, record, result.group);
        db.appendCommit(this.#store.db, this.#store.sealer, live.row, seq, commit);
      });
      this.#groups.set(groupId, { ...live, record, group: result.group });
      const outgoing = this.#others(record).map((m) => out(m, "commit", groupId, commit));
      return { events: [], outgoing };
    });
  }

  /**
   * A member: proposes a fresh leaf key to the owner, who commits it. Its private half waits
   * (sealed in the group's record) for that commit; a proposal overtaken by another commit is void
   * and made again on a later call.
   */
  requestUpdate(groupId: string): Promise<Effects> {
    return this.#locked(async () => {
      const live = this.#live(groupId);
      if (live.record.owner === this.#me) {
        throw new GroupError("not_owner", "the owner refreshes its keys with every commit");
      }
      const proposed = await proposeUpdate(live.group);
      const record: GroupRecord = {
        ...live.record,
        pendingLeaf: { key: toHex(proposed.leafPrivateKey), epoch: String(live.group.epoch) },
      };
      proposed.leafPrivateKey.fill(0);
      await this.#save(live, record, proposed.group);
      const bytes = encodeGroupWire({
        kind: "proposal",
        groupId: fromHex(groupId),
        op: ProposalOp.update,
        mls: proposed.proposal,
      });
      return { events: [], outgoing: [out(live.record.owner, "proposal", groupId, bytes)] };
    });
  }

  /**
   * Keys heal (run it now and then, e.g. on the node's sweep): the owner makes an empty commit in
   * each group where it has not committed for `ownerCommitMs`; a member whose leaf key is older
   * than `memberUpdateMs` proposes a fresh one (once per epoch). Cheap when nothing is due.
   */
  maintain(options: HealOptions = HEAL_DEFAULTS): Promise<Effects> {
    return this.#locked(async () => {
      const effects: Effects = { events: [], outgoing: [] };
      const now = this.#now();
      for (const live of [...this.#groups.values()]) {
        const { record } = live;
        if (record.invited || record.members.length < 2) continue;
        let due: Effects | undefined;
        if (record.owner === this.#me) {
          if (record.lastCommitAt === undefined) {
            await this.#save(live, { ...record, lastCommitAt: now }, live.group);
          } else if (now - record.lastCommitAt >= options.ownerCommitMs) {
            due = await this.heal(record.groupId);
          }
        } else if (record.leafUpdatedAt === undefined) {
          await this.#save(live, { ...record, leafUpdatedAt: now }, live.group);
        } else if (
          now - record.leafUpdatedAt >= options.memberUpdateMs &&
          record.pendingLeaf?.epoch !== String(live.group.epoch)
        ) {
          due = await this.requestUpdate(record.groupId);
        }
        effects.outgoing.push(...(due?.outgoing ?? []));
      }
      return effects;
    });
  }

  /** Removes every other member (one commit, flagged dissolve) and forgets the group. */
  dissolve(groupId: string): Promise<Effects> {
    return this.#locked(async () => {
      const live = this.#owned(groupId);
      const others = live.record.members.filter((m) => m !== this.#me);
      const effects = others.length > 0
        ? await this.#remove(groupId, others, true)
        : { events: [], outgoing: [] };
      await this.#store.write(() => db.deleteGroup(this.#store.db, live.row));
      this.#groups.delete(groupId);
      effects.events.push({ type: "group_dissolved", groupId });
      return effects;
    });
  }

  // --- a member's actions ---

  /** Sends one post to every other member (the same ciphertext to each). */
  send(groupId: string, input: PostInput): Promise<{ id: Uint8Array; post: GroupPost } & Effects> {
    return this.#locked(async () => {
      const live = this.#live(groupId);
      const now = this.#now();
      const payload = {
        type: input.type ?? PayloadType.text,
        id: crypto.getRandomValues(new Uint8Array(16)),
        createdAt: now,
        ttlSeconds: clampTtl(input.ttlSeconds ?? TTL_DEFAULT_SECONDS),
        burn: input.burn ?? false,
        body: input.body,
      };
      const plain = encodeGroupPost({ author: this.#identity.publicKey, payload });
      const { group, ciphertext } = await encryptPost(live.group, plain);
      const bytes = encodeGroupWire({ kind: "post", groupId: fromHex(groupId), mls: ciphertext });
      await this.#store.write(() => {
        this.#writeGroup(live, live.record, group);
        db.insertPost(this.#store.db, this.#store.sealer, {
          groupRow: live.row,
          direction: "out",
          author: this.#identity.publicKey,
          payload,
        }, now);
        db.markSeen(this.#store.db, live.row, payload.id, now + TTL_MAX_SECONDS * 1000);
      });
      this.#groups.set(groupId, { ...live, group });
      const post: GroupPost = {
        groupId,
        id: payload.id,
        author: this.#identity.publicKey,
        direction: "out",
        type: payload.type,
        body: payload.body,
        burn: payload.burn,
        createdAt: payload.createdAt,
        expiresAt: now + payload.ttlSeconds * 1000,
        readAt: null,
      };
      const outgoing = this.#others(live.record).map((to) => out(to, "post", groupId, bytes));
      return { id: payload.id, post, events: [], outgoing };
    });
  }

  /** Leaves a group: asks the owner to commit the removal and forgets the group now. */
  leave(groupId: string): Promise<Effects> {
    return this.#locked(async () => {
      const live = this.#live(groupId);
      if (live.record.owner === this.#me) {
        throw new GroupError("not_owner", "the owner cannot leave its group: dissolve it");
      }
      await this.#store.write(() => db.deleteGroup(this.#store.db, live.row));
      this.#groups.delete(groupId);
      const bytes = encodeGroupWire({
        kind: "proposal",
        groupId: fromHex(groupId),
        op: ProposalOp.leave,
      });
      return {
        events: [{ type: "group_left", groupId }],
        outgoing: [out(live.record.owner, "proposal", groupId, bytes)],
      };
    });
  }

  /**
   * Joins a group from a held invitation: asks the owner for the commits since, and reads what
   * was held for it meanwhile.
   */
  accept(groupId: string): Promise<Effects> {
    return this.#locked(async () => {
      const invite = this.#invite(groupId);
      const record: GroupRecord = {
        ...invite.record,
        invited: undefined,
        invitedAt: undefined,
        leafUpdatedAt: this.#now(),
      };
      await this.#save(invite, record, invite.group);
      const drained = await this.#drain(this.#groups.get(groupId)!);
      return {
        events: drained.events,
        outgoing: [this.#commitRequest(this.#groups.get(groupId)?.record ?? record)],
      };
    });
  }

  /** Discards a held invitation and asks the owner to take this node off the roster. */
  decline(groupId: string): Promise<Effects> {
    return this.#locked(async () => {
      const invite = this.#invite(groupId);
      await this.#store.write(() => db.deleteGroup(this.#store.db, invite.row));
      this.#groups.delete(groupId);
      const bytes = encodeGroupWire({
        kind: "proposal",
        groupId: fromHex(groupId),
        op: ProposalOp.leave,
      });
      return { events: [], outgoing: [out(invite.record.owner, "proposal", groupId, bytes)] };
    });
  }

  // --- receiving ---

  /** Acts on group bytes that arrived from `from` (the authenticated sender's Ed25519 key). */
  receive(from: Uint8Array, bytes: Uint8Array): Promise<ReceiveResult> {
    return this.#locked(async () => {
      try {
        let message: GroupWire;
        try {
          message = decodeGroupWire(bytes);
        } catch (err) {
          if (!isGroupDecodeError(err)) throw err;
          throw new GroupError("malformed", (err as Error).message, { cause: err });
        }
        return await this.#dispatch(toHex(from), message);
      } catch (err) {
        if (!(err instanceof GroupError)) throw err;
        return { status: "rejected", events: [], outgoing: [], error: err };
      }
    });
  }

  async #dispatch(from: string, message: GroupWire): Promise<ReceiveResult> {
    const groupId = toHex(message.groupId);
    switch (message.kind) {
      case "key_package_request":
        return await this.#onKeyPackageRequest(from, groupId);
      case "key_package":
        return stored(
          await this.#addKeyPackages(groupId, [{ key: fromHex(from), keyPackage: message.mls }]),
        );
      case "welcome":
        return await this.#onWelcome(from, message);
      case "commit":
        return await this.#onCommit(groupId, message);
      case "post":
        return await this.#onPost(groupId, message.mls);
      case "proposal": {
        const live = this.#owned(groupId);
        if (!live.record.members.includes(from) || from === this.#me) {
          throw new GroupError("non_member", "a proposal from a key not in the group");
        }
        if (message.op === ProposalOp.update) {
          return stored(await this.#commitUpdate(live, from, message.mls));
        }
        return stored(await this.#remove(groupId, [from], false));
      }
      case "commit_request":
        return await this.#onCommitRequest(from, groupId, message.have);
    }
  }

  async #onKeyPackageRequest(from: string, groupId: string): Promise<ReceiveResult> {
    if (!this.#isContact(fromHex(from))) {
      throw new GroupError("not_contact", "a key package request from a non-contact");
    }
    const bundle = await makeKeyPackage(this.#identity);
    await this.#store.write(() => {
      db.insertKeyPackage(
        this.#store.db,
        this.#store.sealer,
        serializeKeyPackage(bundle),
        this.#now(),
      );
      const held = db.loadKeyPackages(this.#store.db, this.#store.sealer);
      for (const old of held.slice(MAX_KEY_PACKAGES)) db.deleteKeyPackage(this.#store.db, old.row);
    });
    const bytes = encodeGroupWire({
      kind: "key_package",
      groupId: fromHex(groupId),
      mls: bundle.bytes,
    });
    return { status: "stored", events: [], outgoing: [out(from, "key_package", groupId, bytes)] };
  }

  async #onWelcome(from: string, message: GroupWire & { kind: "welcome" }): Promise<ReceiveResult> {
    const groupId = toHex(message.groupId);
    if (!this.#isContact(fromHex(from))) {
      throw new GroupError("not_contact", "an invitation from a non-contact");
    }
    if (toHex(message.owner) !== from) {
      throw new GroupError("not_owner", "an invitation not sent by the group's owner");
    }
    if (this.#groups.has(groupId)) {
      return { status: "duplicate", events: [], outgoing: [] };
    }
    const { group, kpRow } = await this.#join(message.mls);
    if (!bytesEqual(group.groupId, message.groupId)) throw new GroupError("malformed", "group id");
    const members = group.memberKeys().map(toHex);
    if (!members.includes(from) || !members.includes(this.#me)) {
      throw new GroupError("malformed", "an invitation whose tree lacks its owner or this node");
    }
    const record: GroupRecord = {
      groupId,
      name: message.name,
      owner: from,
      seq: message.seq,
      members,
      acks: {},
      pendingAdds: [],
      invited: true,
      invitedAt: this.#now(),
    };
    const state = serializeGroup(group);
    const row = await this.#store.write(() => {
      db.deleteKeyPackage(this.#store.db, kpRow);
      return db.insertGroup(this.#store.db, this.#store.sealer, record, state);
    });
    this.#groups.set(groupId, { row, record, group });
    return {
      status: "stored",
      events: [{ type: "group_invite", groupId, name: message.name, owner: fromHex(from) }],
      outgoing: [],
    };
  }

  /** Joins with whichever held key package the Welcome was made for (one-use: the caller deletes it). */
  async #join(welcome: Uint8Array): Promise<{ group: MlsGroup; kpRow: number }> {
    let last: unknown = new GroupError("malformed", "no key package held for this invitation");
    for (const kp of db.loadKeyPackages(this.#store.db, this.#store.sealer)) {
      try {
        const group = await joinGroup(welcome, deserializeKeyPackage(kp.bundle), ANYONE);
        return { group, kpRow: kp.row };
      } catch (err) {
        if (!(err instanceof GroupError)) throw err;
        if (err.reason !== "malformed") throw err;
        last = err;
      }
    }
    throw last;
  }

  async #onCommit(
    groupId: string,
    message: GroupWire & { kind: "commit" },
  ): Promise<ReceiveResult> {
    const { seq } = message;
    const live = this.#held(groupId);
    if (live.record.owner === this.#me) {
      throw new GroupError("not_owner", "a commit for a group this node owns");
    }
    if (seq <= live.record.seq) {
      throw new GroupError("stale_commit", `commit ${seq} was already applied`);
    }
    if (seq > live.record.seq + 1 || live.record.invited) {
      const held = db.heldMessages(this.#store.db, this.#store.sealer, live.row, "commit");
      if (!held.some((h) => h.position === seq)) {
        await this.#store.write(() =>
          db.holdMessage(
            this.#store.db,
            this.#store.sealer,
            live.row,
            "commit",
            seq,
            encodeGroupWire(message),
            this.#now(),
          )
        );
      }
      // An invitee says nothing to the owner until it accepts.
      const outgoing = live.record.invited ? [] : [this.#commitRequest(live.record)];
      return { status: "later", events: [], outgoing };
    }
    const effects = await this.#applyCommit(live, message);
    const after = this.#groups.get(groupId);
    if (after !== undefined) {
      const drained = await this.#drain(after);
      effects.events.push(...drained.events);
      effects.outgoing.push(...drained.outgoing);
    }
    return stored(effects);
  }

  async #applyCommit(live: Live, message: GroupWire & { kind: "commit" }): Promise<Effects> {
    const { seq, dissolve, mls, proposal } = message;
    const groupId = live.record.groupId;
    // A member's update proposal the commit applies: processed first; this node's own is already
    // in its state, and its new leaf key must be in place to follow the commit.
    let base = live.group;
    let ownUpdate = false;
    if (proposal !== undefined && toHex(proposal.from) === this.#me) {
      const pending = live.record.pendingLeaf;
      if (pending === undefined) {
        throw new GroupError("malformed", "an update this node did not propose");
      }
      base = withLeafKey(base, fromHex(pending.key));
      ownUpdate = true;
    } else if (proposal !== undefined) {
      base = await processUpdateProposal(base, proposal.mls, proposal.from);
    }
    const group = await processOwnerCommit(base, mls, fromHex(live.record.owner));
    const before = new Set(live.record.members);
    if (group.removed) {
      await this.#store.write(() => db.deleteGroup(this.#store.db, live.row));
      this.#groups.delete(groupId);
      return {
        events: [{ type: dissolve ? "group_dissolved" : "group_left", groupId }],
        outgoing: [],
      };
    }
    const members = group.memberKeys().map(toHex);
    const record: GroupRecord = { ...live.record, seq, members };
    // A proposal is valid in its epoch only: once the epoch moves on, a pending one is void.
    if (ownUpdate) record.leafUpdatedAt = this.#now();
    delete record.pendingLeaf;
    await this.#save(live, record, group);
    const events: GroupEvent[] = [];
    for (const m of members) {
      if (!before.has(m)) events.push({ type: "group_member_added", groupId, member: fromHex(m) });
    }
    const now = new Set(members);
    for (const m of before) {
      if (!now.has(m)) events.push({ type: "group_member_removed", groupId, member: fromHex(m) });
    }
    return { events, outgoing: [this.#commitRequest(record)] };
  }

  /** After a commit: the held commits that now follow in order, then the held posts now readable. */
  async #drain(start: Live): Promise<Effects> {
    const effects: Effects = { events: [], outgoing: [] };
    let live: Live | undefined = start;
    const groupId = start.record.groupId;
    for (const held of db.heldMessages(this.#store.db, this.#store.sealer, start.row, "commit")) {
      if (live === undefined) return effects;
      if (held.position > live.record.seq + 1) break;
      await this.#store.write(() => db.deleteHeld(this.#store.db, held.id));
      if (held.position <= live.record.seq) continue;
      const message = decodeGroupWire(held.bytes) as GroupWire & { kind: "commit" };
      try {
        const applied = await this.#applyCommit(live, message);
        effects.events.push(...applied.events);
        effects.outgoing = applied.outgoing; // the last ack is enough
      } catch (err) {
        if (!(err instanceof GroupError)) throw err;
      }
      live = this.#groups.get(groupId);
    }
    if (live === undefined) return effects;
    // Held posts may have arrived in any order (independent retries): report them by creation.
    const posts: GroupEvent[] = [];
    for (const held of db.heldMessages(this.#store.db, this.#store.sealer, live.row, "post")) {
      if (BigInt(held.position) > live.group.epoch) break;
      await this.#store.write(() => db.deleteHeld(this.#store.db, held.id));
      try {
        const result = await this.#onPost(groupId, held.bytes);
        posts.push(...result.events);
      } catch (err) {
        if (!(err instanceof GroupError)) throw err;
      }
    }
    const created = (e: GroupEvent) => e.type === "group_message" ? e.post.createdAt : 0;
    effects.events.push(...posts.sort((a, b) => created(a) - created(b)));
    return effects;
  }

  async #onPost(groupId: string, mls: Uint8Array): Promise<ReceiveResult> {
    const live = this.#held(groupId);
    const digest = sha256(mls);
    if (db.wasSeen(this.#store.db, live.row, digest)) {
      return { status: "duplicate", events: [], outgoing: [] };
    }
    let epoch: bigint;
    try {
      epoch = peekMessage(mls).epoch;
    } catch (err) {
      throw err instanceof GroupError ? err : new GroupError("malformed", "not a post");
    }
    // A post is held until its epoch's commit arrives, but only from the near future: a forged or
    // mangled epoch far ahead would be held for ever (and 2^53 and up is not even a stored number).
    if (epoch > live.group.epoch + MAX_EPOCHS_AHEAD) {
      throw new GroupError("wrong_epoch", `a post from epoch ${epoch}, too far ahead`);
    }
    if (epoch > live.group.epoch || live.record.invited) {
      await this.#store.write(() =>
        db.holdMessage(
          this.#store.db,
          this.#store.sealer,
          live.row,
          "post",
          Number(epoch),
          mls,
          this.#now(),
        )
      );
      const outgoing = live.record.invited ? [] : [this.#commitRequest(live.record)];
      return { status: "later", events: [], outgoing };
    }
    let duplicate = false;
    const result = await decryptPostFrom(live.group, mls, (sender, plaintext) => {
      if (!live.record.members.includes(toHex(sender))) {
        throw new GroupError("non_member", "a post from a key that is no longer a member");
      }
      let plain;
      try {
        plain = decodeGroupPost(plaintext);
      } catch (err) {
        if (!isGroupDecodeError(err)) throw err;
        throw new GroupError("malformed", (err as Error).message, { cause: err });
      }
      if (!bytesEqual(plain.author, sender)) {
        throw new GroupError("forged_author", "a post whose author is not its MLS sender");
      }
      duplicate = db.wasSeen(this.#store.db, live.row, plain.payload.id);
    });
    const plain = decodeGroupPost(result.plaintext);
    const now = this.#now();
    const keep = now + TTL_MAX_SECONDS * 1000;
    if (!duplicate && ATTACHMENT_KINDS.has(plain.payload.type)) {
      try {
        plain.payload.body = await this.#inspect(plain.payload.type, plain.payload.body);
      } catch (err) {
        if (!(err instanceof GroupError)) throw err;
        // Refused: the ratchet step and the digest are kept (a redelivery is a duplicate).
        await this.#store.write(() => {
          this.#writeGroup(live, live.record, result.group);
          db.markSeen(this.#store.db, live.row, digest, keep);
        });
        this.#groups.set(groupId, { ...live, group: result.group });
        throw err;
      }
    }
    await this.#store.write(() => {
      this.#writeGroup(live, live.record, result.group);
      db.markSeen(this.#store.db, live.row, digest, keep);
      if (duplicate) return;
      db.markSeen(this.#store.db, live.row, plain.payload.id, keep);
      db.insertPost(this.#store.db, this.#store.sealer, {
        groupRow: live.row,
        direction: "in",
        author: plain.author,
        payload: plain.payload,
      }, now);
    });
    this.#groups.set(groupId, { ...live, group: result.group });
    if (duplicate) return { status: "duplicate", events: [], outgoing: [] };
    const post: GroupPost = {
      groupId,
      id: plain.payload.id,
      author: plain.author,
      direction: "in",
      type: plain.payload.type,
      body: plain.payload.body,
      burn: plain.payload.burn,
      createdAt: plain.payload.createdAt,
      expiresAt: now + plain.payload.ttlSeconds * 1000,
      readAt: null,
    };
    return { status: "stored", events: [{ type: "group_message", groupId, post }], outgoing: [] };
  }

  async #onCommitRequest(from: string, groupId: string, have: number): Promise<ReceiveResult> {
    const live = this.#owned(groupId);
    if (!live.record.members.includes(from) || from === this.#me) {
      throw new GroupError("non_member", "a commit request from a key not in the group");
    }
    const missing = db.commitsAfter(this.#store.db, this.#store.sealer, live.row, have);
    const acks = { ...live.record.acks, [from]: Math.max(live.record.acks[from] ?? 0, have) };
    const record = { ...live.record, acks };
    const floor = Math.min(
      ...live.record.members.filter((m) => m !== this.#me).map((m) => acks[m] ?? 0),
    );
    // The log shrinks to what some member still lacks.
    await this.#store.write(() => {
      db.updateGroup(
        this.#store.db,
        this.#store.sealer,
        live.row,
        record,
        serializeGroup(live.group),
      );
      db.pruneCommits(this.#store.db, live.row, floor);
    });
    this.#groups.set(groupId, { ...live, record });
    return {
      status: "stored",
      events: [],
      outgoing: missing.map((c) => out(from, "commit", groupId, c.bytes)),
    };
  }

  // --- owner internals ---

  /** Commits a member's update proposal at once (a proposal is valid in its epoch only). */
  async #commitUpdate(live: Live, from: string, proposal: Uint8Array): Promise<Effects> {
    const groupId = live.record.groupId;
    // Checked against its sender before anything is spent: a relayed proposal burns no keys.
    const processed = await processUpdateProposal(live.group, proposal, fromHex(from));
    const result = await updateCommit(processed);
    const seq = live.record.seq + 1;
    const record = { ...live.record, seq, lastCommitAt: this.#now() };
    const commit = encodeGroupWire({
      kind: "commit",
      groupId: fromHex(groupId),
      seq,
      dissolve: false,
      mls: result.commit,
      proposal: { from: fromHex(from), mls: proposal },
    });
    await this.#store.write(() => {
      this.#writeGroup(live, record, result.group);
      db.appendCommit(this.#store.db, this.#store.sealer, live.row, seq, commit);
    });
    this.#groups.set(groupId, { ...live, record, group: result.group });
    return {
      events: [],
      outgoing: this.#others(record).map((m) => out(m, "commit", groupId, commit)),
    };
  }

  async #addKeyPackages(
    groupId: string,
    packages: Array<{ key: Uint8Array; keyPackage: Uint8Array }>,
  ): Promise<Effects> {
    const live = this.#owned(groupId);
    const keys: string[] = [];
    for (const { key, keyPackage } of packages) {
      const hex = toHex(key);
      if (keys.includes(hex)) throw new GroupError("conflict", "two key packages for one member");
      if (!live.record.pendingAdds.includes(hex)) {
        throw new GroupError("unknown_member", "a key package nobody was asked for");
      }
      if (!bytesEqual(keyPackageOwner(keyPackage), key)) {
        throw new GroupError(
          "bad_credential",
          "a key package bound to another key than its sender's",
        );
      }
      keys.push(hex);
    }
    const result = await addMembers(live.group, packages.map((p) => p.keyPackage));
    const seq = live.record.seq + 1;
    const record: GroupRecord = {
      ...live.record,
      seq,
      members: result.group.memberKeys().map(toHex),
      pendingAdds: live.record.pendingAdds.filter((k) => !keys.includes(k)),
      acks: { ...live.record.acks, ...Object.fromEntries(keys.map((k) => [k, seq])) },
      lastCommitAt: this.#now(),
    };
    const commit = commitWire(groupId, seq, false, result.commit);
    const welcome = encodeGroupWire({
      kind: "welcome",
      groupId: fromHex(groupId),
      seq,
      owner: this.#identity.publicKey,
      name: record.name,
      mls: result.welcome,
    });
    await this.#store.write(() => {
      this.#writeGroup(live, record, result.group);
      db.appendCommit(this.#store.db, this.#store.sealer, live.row, seq, commit);
    });
    this.#groups.set(groupId, { ...live, record, group: result.group });
    const outgoing = [
      ...live.record.members.filter((m) => m !== this.#me).map((m) =>
        out(m, "commit", groupId, commit)
      ),
      ...keys.map((k) => out(k, "welcome", groupId, welcome)),
    ];
    const events: GroupEvent[] = keys.map((k) => ({
      type: "group_member_added",
      groupId,
      member: fromHex(k),
    }));
    return { events, outgoing };
  }

  async #remove(groupId: string, members: string[], dissolve: boolean): Promise<Effects> {
    const live = this.#owned(groupId);
    const pendingOnly = members.filter((m) =>
      live.record.pendingAdds.includes(m) && !live.record.members.includes(m)
    );
    const keys = members.filter((m) => !pendingOnly.includes(m));
    for (const key of keys) {
      if (key === this.#me) throw new GroupError("not_owner", "the owner cannot remove itself");
      if (!live.record.members.includes(key)) {
        throw new GroupError("unknown_member", "no such member in the group");
      }
    }
    const pendingAdds = live.record.pendingAdds.filter((k) => !members.includes(k));
    if (keys.length === 0) {
      await this.#save(live, { ...live.record, pendingAdds }, live.group);
      return { events: [], outgoing: [] };
    }
    const result = await removeMembers(live.group, keys.map(fromHex));
    const seq = live.record.seq + 1;
    const acks = { ...live.record.acks };
    for (const key of keys) delete acks[key];
    const record: GroupRecord = {
      ...live.record,
      seq,
      members: result.group.memberKeys().map(toHex),
      pendingAdds,
      acks,
      lastCommitAt: this.#now(),
    };
    const commit = commitWire(groupId, seq, dissolve, result.commit);
    await this.#store.write(() => {
      this.#writeGroup(live, record, result.group);
      db.appendCommit(this.#store.db, this.#store.sealer, live.row, seq, commit);
    });
    this.#groups.set(groupId, { ...live, record, group: result.group });
    // Everyone who was a member learns of it, the removed included (they see themselves go).
    const outgoing = live.record.members.filter((m) => m !== this.#me)
      .map((m) => out(m, "commit", groupId, commit));
    const events: GroupEvent[] = keys.map((k) => ({
      type: "group_member_removed",
      groupId,
      member: fromHex(k),
    }));
    return { events, outgoing };
  }

  // --- helpers ---

  /**
   * Runs `fn` alone, inside one store write: the store's writer is the engine's only lock, so an
   * engine call made from inside a running write (the node's delivery handler) joins that write's
   * transaction instead of waiting for it. A failure other than a refusal reloads every group from
   * the store (the last state written), so memory never runs ahead of the disk; when the call
   * joined a caller's write, that caller rolls back later and must call {@link reload} itself.
   */
  async #locked<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await this.#store.write(fn);
    } catch (err) {
      if (!(err instanceof GroupError)) this.#load();
      throw err;
    }
  }

  #info(live: Live): GroupInfo {
    const { record, group } = live;
    return {
      groupId: record.groupId,
      name: record.name,
      owner: fromHex(record.owner),
      isOwner: record.owner === this.#me,
      seq: record.seq,
      epoch: group.epoch,
      members: record.members.map(fromHex),
      pendingAdds: record.pendingAdds.map(fromHex),
    };
  }

  #live(groupId: string): Live {
    const live = this.#groups.get(groupId);
    if (live === undefined || live.record.invited) {
      throw new GroupError("unknown_group", "no such group");
    }
    return live;
  }

  #owned(groupId: string): Live {
    const live = this.#live(groupId);
    if (live.record.owner !== this.#me) {
      throw new GroupError("not_owner", "only the group's owner can do this");
    }
    return live;
  }

  /** A group, or an invitation not accepted yet (what arrives for it is held). */
  #held(groupId: string): Live {
    const live = this.#groups.get(groupId);
    if (live === undefined) throw new GroupError("unknown_group", "no such group");
    return live;
  }

  #invite(groupId: string): Live {
    const live = this.#groups.get(groupId);
    if (live === undefined || !live.record.invited) {
      throw new GroupError("unknown_group", "no such invitation");
    }
    return live;
  }

  /** The keys to add: contacts, not this node, not members already; as hex, deduplicated. */
  #newMembers(members: Uint8Array[], current: string[]): string[] {
    const keys = unique(members.map(toHex));
    for (const key of keys) {
      if (key === this.#me) throw new GroupError("conflict", "the owner is a member already");
      if (current.includes(key)) throw new GroupError("conflict", "a member already");
      if (!this.#isContact(fromHex(key))) {
        throw new GroupError("not_contact", "only contacts can be added to a group");
      }
    }
    return keys;
  }

  /** The owner's roster check: members and those asked to join; members check the binding only. */
  #allowedFor(groupId: string, initial?: GroupRecord): IsAllowed {
    return (key) => {
      const record = this.#groups.get(groupId)?.record ?? initial;
      if (record === undefined || record.owner !== this.#me) return true;
      const hex = toHex(key);
      return record.members.includes(hex) || record.pendingAdds.includes(hex);
    };
  }

  #others(record: GroupRecord): string[] {
    return record.members.filter((m) => m !== this.#me);
  }

  #kpRequest(groupId: string, key: string): Outgoing {
    const bytes = encodeGroupWire({ kind: "key_package_request", groupId: fromHex(groupId) });
    return out(key, "key_package_request", groupId, bytes);
  }

  #commitRequest(record: GroupRecord): Outgoing {
    const bytes = encodeGroupWire({
      kind: "commit_request",
      groupId: fromHex(record.groupId),
      have: record.seq,
    });
    return out(record.owner, "commit_request", record.groupId, bytes);
  }

  /** Inside a store write: the group's record and MLS state. */
  #writeGroup(live: Live, record: GroupRecord, group: MlsGroup): void {
    db.updateGroup(this.#store.db, this.#store.sealer, live.row, record, serializeGroup(group));
  }

  async #save(live: Live, record: GroupRecord, group: MlsGroup): Promise<void> {
    await this.#store.write(() => this.#writeGroup(live, record, group));
    this.#groups.set(record.groupId, { ...live, record, group });
  }
}

function stored(effects: Effects): ReceiveResult {
  return { status: "stored", ...effects };
}

function out(to: string, kind: OutgoingKind, groupId: string, bytes: Uint8Array): Outgoing {
  return { to: fromHex(to), kind, groupId, bytes };
}

function commitWire(groupId: string, seq: number, dissolve: boolean, mls: Uint8Array): Uint8Array {
  return encodeGroupWire({ kind: "commit", groupId: fromHex(groupId), seq, dissolve, mls });
}

function toPost(groupId: string, p: db.StoredGroupPost): GroupPost {
  return {
    groupId,
    id: p.id,
    author: p.author,
    direction: p.direction,
    type: p.payload.type,
    body: p.payload.body,
    burn: p.payload.burn,
    createdAt: p.payload.createdAt,
    expiresAt: p.expiresAt,
    readAt: p.readAt,
  };
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
