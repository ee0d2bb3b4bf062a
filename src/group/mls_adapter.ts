/**
 * The one module that calls ts-mls (RFC 9420 MLS, pinned 1.6.x; 2.0 is a breaking rewrite, so an
 * upgrade touches this file only). Everything outside sees bytes and an opaque {@link MlsGroup}.
 *
 * One MLS group per Legion group, cipher suite 3 (X25519 / ChaCha20-Poly1305 / SHA-256 / Ed25519).
 * A member's leaf is bound to its Legion Ed25519 identity: the identity key is the leaf's signature
 * key, and the leaf's basic credential carries that same 32-byte public key. Every member checks
 * every leaf it learns of (key packages at add, the tree at join, leaves in commits) with
 * {@link bindingAuthenticationService}: the credential must equal the signature key and that key
 * must be allowed by the caller's roster. ts-mls's `defaultAuthenticationService` accepts anything
 * and is never used.
 *
 * States are immutable values: each operation returns a new {@link MlsGroup}; after a successful
 * call the group passed in is spent (secrets it consumed are zeroed) and must not be used again,
 * except that a committer may drop its own commit's result and keep the group it started from.
 *
 * Serialised state holds the member's private keys, including the Ed25519 identity seed (it is the
 * leaf's signature key): it must only ever be stored sealed.
 */
import {
  type AuthenticationService,
  type Ciphersuite,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup as mlsCreateGroup,
  createProposal,
  type Credential,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetime,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type IncomingMessageCallback,
  joinGroup as mlsJoinGroup,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type ProcessMessageResult,
  processPrivateMessage,
  type Proposal,
  zeroOutUint8Array,
} from "ts-mls";
import { unprotectPrivateMessage } from "ts-mls/messageProtection.js";
import { encodeLeafNodeTBS, type LeafNodeUpdate } from "ts-mls/leafNode.js";
import { signWithLabel } from "ts-mls/crypto/signature.js";
import { sodium } from "../crypto/sodium.ts";
import { GroupError } from "./group_error.ts";

/** RFC 9420 cipher suite 3. */
export const GROUP_CIPHER_SUITE = "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519";

/** Whether an Ed25519 public key (32 bytes) may hold a leaf: the caller's roster of the group. */
export type IsAllowed = (ed25519: Uint8Array) => boolean;

/** A roster as an {@link IsAllowed}: exactly these Ed25519 public keys. */
export function allowKeys(keys: Iterable<Uint8Array>): IsAllowed {
  const set = new Set<string>();
  for (const key of keys) set.add(toHex(key));
  return (key) => set.has(toHex(key));
}

/** A member's Ed25519 identity as MLS needs it: the 32-byte seed signs, the public key names. */
export interface GroupIdentity {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** The Ed25519 key pair of a Legion identity seed (libsodium's seed keypair). */
export async function groupIdentityFromSeed(seed: Uint8Array): Promise<GroupIdentity> {
  if (seed.length !== 32) throw new RangeError("an Ed25519 seed is 32 bytes");
  const na = await sodium();
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
  na.memzero(privateKey);
  return { seed: Uint8Array.from(seed), publicKey };
}

/**
 * A key package: `bytes` is the public MLS message a member hands to whoever adds it; the private
 * half stays with the member until it joins from the Welcome.
 */
export class KeyPackageBundle {
  constructor(
    readonly bytes: Uint8Array,
    readonly publicKey: Uint8Array,
    /** Adapter-internal. */
    readonly keyPackage: KeyPackage,
    /** Adapter-internal; secret. */
    readonly privateKeys: PrivateKeyPackage,
  ) {}
}

/** One member's view of one group at one epoch. Opaque outside this module. */
export class MlsGroup {
  constructor(
    /** Adapter-internal. */
    readonly state: ClientState,
  ) {}

  get groupId(): Uint8Array {
    return this.state.groupContext.groupId;
  }

  get epoch(): bigint {
    return this.state.groupContext.epoch;
  }

  /** Whether a commit has removed this member (it can then neither read nor send). */
  get removed(): boolean {
    return this.state.groupActiveState.kind === "removedFromGroup";
  }

  /** The Ed25519 public key of every leaf, in leaf order. */
  memberKeys(): Uint8Array[] {
    return leaves(this.state).map(({ credential }) => credential);
  }
}

export interface CommitResult {
  readonly group: MlsGroup;
  /** The commit every current member processes with {@link processCommit}. */
  readonly commit: Uint8Array;
}

export interface AddResult extends CommitResult {
  /** The Welcome the new members join from (it carries the ratchet tree). */
  readonly welcome: Uint8Array;
}

let suite: Promise<CiphersuiteImpl> | undefined;

function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHER_SUITE) as Ciphersuite);
  return suite;
}

/** The identity binding every member checks on every leaf. */
export function bindingAuthenticationService(isAllowed: IsAllowed): AuthenticationService {
  return {
    validateCredential: (credential: Credential, signaturePublicKey: Uint8Array) =>
      Promise.resolve(bindingHolds(credential, signaturePublicKey, isAllowed)),
  };
}

function bindingHolds(credential: Credential, key: Uint8Array, isAllowed: IsAllowed): boolean {
  return credential.credentialType === "basic" && key.length === 32 &&
    bytesEqual(credential.identity, key) && isAllowed(key);
}

function clientConfig(isAllowed: IsAllowed): ClientConfig {
  const config: ClientConfig = {
    keyRetentionConfig: defaultKeyRetentionConfig,
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService: bindingAuthenticationService(isAllowed),
  };
  ROSTERS.set(config, isAllowed);
  return config;
}

/** A fresh key package whose leaf is bound to `identity`. */
export async function makeKeyPackage(identity: GroupIdentity): Promise<KeyPackageBundle> {
  const cs = await cipherSuite();
  const credential: Credential = {
    credentialType: "basic",
    identity: Uint8Array.from(identity.publicKey),
  };
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential,
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: Uint8Array.from(identity.seed), publicKey: Uint8Array.from(identity.publicKey) },
    cs,
  );
  const bytes = encodeMlsMessage({
    version: "mls10",
    wireformat: "mls_key_package",
    keyPackage: publicPackage,
  });
  return new KeyPackageBundle(bytes, identity.publicKey, publicPackage, privatePackage);
}

/** The owner creates the group at epoch 0 with itself as the only member. */
export async function createGroup(
  groupId: Uint8Array,
  owner: KeyPackageBundle,
  isAllowed: IsAllowed,
): Promise<MlsGroup> {
  const cs = await cipherSuite();
  checkKeyPackage(owner.keyPackage, isAllowed);
  const state = await mlsCreateGroup(
    groupId,
    owner.keyPackage,
    owner.privateKeys,
    [],
    cs,
    clientConfig(isAllowed),
  );
  return new MlsGroup(state);
}

/** Adds members from their key packages' bytes: one commit for the group, one Welcome for them. */
export async function addMembers(group: MlsGroup, keyPackages: Uint8Array[]): Promise<AddResult> {
  if (keyPackages.length === 0) throw new RangeError("no key package to add");
  const isAllowed = allowedOf(group);
  const proposals: Proposal[] = keyPackages.map((bytes) => {
    const message = decodeWhole(bytes);
    if (message.wireformat !== "mls_key_package") throw malformed("not a key package");
    checkKeyPackage(message.keyPackage, isAllowed);
    return { proposalType: "add", add: { keyPackage: message.keyPackage } };
  });
  const { group: next, commit: commitBytes, welcome } = await commit(group, proposals);
  if (welcome === undefined) throw new TypeError("an add commit without a Welcome");
  return { group: next, commit: commitBytes, welcome };
}

/** Removes the members holding these Ed25519 keys, in one commit. */
export async function removeMembers(
  group: MlsGroup,
  ed25519Keys: Uint8Array[],
): Promise<CommitResult> {
  if (ed25519Keys.length === 0) throw new RangeError("no member to remove");
  const all = leaves(group.state);
  const proposals: Proposal[] = ed25519Keys.map((key) => {
    const leaf = all.find(({ credential }) => bytesEqual(credential, key));
    if (leaf === undefined) throw new GroupError("unknown_member", "no such member in the group");
    return { proposalType: "remove", remove: { removed: leaf.index } };
  });
  const { group: next, commit: commitBytes } = await commit(group, proposals);
  return { group: next, commit: commitBytes };
}

/** An empty commit: refreshes the committer's path secrets (post-compromise healing). */
export async function updateCommit(group: MlsGroup): Promise<CommitResult> {
  const { group: next, commit: commitBytes } = await commit(group, []);
  return { group: next, commit: commitBytes };
}

/** Joins a group from a Welcome made for `bundle`. */
export async function joinGroup(
  welcome: Uint8Array,
  bundle: KeyPackageBundle,
  isAllowed: IsAllowed,
): Promise<MlsGroup> {
  const cs = await cipherSuite();
  const message = decodeWhole(welcome);
  if (message.wireformat !== "mls_welcome") throw malformed("not a Welcome");
  const state = await translate(() =>
    mlsJoinGroup(
      message.welcome,
      bundle.keyPackage,
      bundle.privateKeys,
      emptyPskIndex,
      cs,
      undefined,
      undefined,
      clientConfig(isAllowed),
    )
  );
  checkTree(state, isAllowed);
  return new MlsGroup(state);
}

/** Applies a commit another member made in this epoch. */
export async function processCommit(group: MlsGroup, bytes: Uint8Array): Promise<MlsGroup> {
  const { result } = await open(group, bytes, "commit");
  if (result.kind !== "newState") throw malformed("not a commit");
  checkTree(result.newState, allowedOf(group));
  spend(result.consumed);
  return new MlsGroup(result.newState);
}

/** A member's own update proposal: a fresh leaf encryption key, for the owner to commit. */
export interface UpdateProposal {
  /** The state after proposing (it holds its own proposal until the owner's commit). */
  readonly group: MlsGroup;
  /** The MLS proposal (a private message) every member processes before the commit. */
  readonly proposal: Uint8Array;
  /** The new leaf's HPKE private key: held (sealed) until the commit that applies it. */
  readonly leafPrivateKey: Uint8Array;
}

/**
 * An MLS Update proposal for this member's own leaf (RFC 9420 §12.1.2): same identity and
 * signature key, a fresh HPKE key pair. Only the owner commits it; the member swaps its leaf's
 * private key in when that commit arrives ({@link withLeafKey}).
 */
export async function proposeUpdate(group: MlsGroup): Promise<UpdateProposal> {
  refuseIfRemoved(group);
  const cs = await cipherSuite();
  const state = group.state;
  const leafIndex = state.privatePath.leafIndex;
  const node = state.ratchetTree[leafIndex * 2];
  if (node?.nodeType !== "leaf") throw malformed("this member has no leaf");
  const pair = await cs.hpke.generateKeyPair();
  const hpkePublicKey = await cs.hpke.exportPublicKey(pair.publicKey);
  const leafPrivateKey = await cs.hpke.exportPrivateKey(pair.privateKey);
  const { signaturePublicKey, credential, capabilities, extensions } = node.leaf;
  const unsigned = {
    hpkePublicKey,
    signaturePublicKey,
    credential,
    capabilities,
    leafNodeSource: "update" as const,
    extensions,
  };
  const tbs = encodeLeafNodeTBS({ ...unsigned, groupId: state.groupContext.groupId, leafIndex });
  const signature = await signWithLabel(
    state.signaturePrivateKey,
    "LeafNodeTBS",
    tbs,
    cs.signature,
  );
  const leafNode: LeafNodeUpdate = { ...unsigned, signature };
  const result = await translate(() =>
    createProposal(state, false, { proposalType: "update", update: { leafNode } }, cs)
  );
  spend(result.consumed);
  return {
    group: new MlsGroup(result.newState),
    proposal: encodeMlsMessage(result.message),
    leafPrivateKey,
  };
}

/**
 * Processes `from`'s Update proposal (before the commit that carries it). Anything but an Update
 * signed by `from`'s leaf is refused before anything is spent (`group` stays usable).
 */
export async function processUpdateProposal(
  group: MlsGroup,
  bytes: Uint8Array,
  from: Uint8Array,
): Promise<MlsGroup> {
  refuseIfRemoved(group);
  const message = decodeWhole(bytes);
  if (message.wireformat !== "mls_private_message") throw malformed("not an encrypted proposal");
  const pm = message.privateMessage;
  if (!bytesEqual(pm.groupId, group.groupId)) throw malformed("a message for another group");
  if (pm.contentType !== "proposal") throw malformed("not a proposal");
  if (pm.epoch !== group.epoch) throw new GroupError("wrong_epoch", "a proposal of another epoch");
  const cs = await cipherSuite();
  const state = group.state;
  const unprotected = await translate(() =>
    unprotectPrivateMessage(
      state.keySchedule.senderDataSecret,
      pm,
      state.secretTree,
      state.ratchetTree,
      state.groupContext,
      state.clientConfig.keyRetentionConfig,
      cs,
    )
  );
  const content = unprotected.content.content;
  if (
    content.contentType !== "proposal" || content.proposal.proposalType !== "update" ||
    content.sender.senderType !== "member"
  ) {
    throw malformed("not a member's update proposal");
  }
  const node = state.ratchetTree[content.sender.leafIndex * 2];
  if (node?.nodeType !== "leaf") throw malformed("a proposal from an empty leaf");
  const sender = Uint8Array.from(node.leaf.signaturePublicKey);
  const updated = content.proposal.update.leafNode;
  if (!bindingHolds(updated.credential, updated.signaturePublicKey, allowedOf(group))) {
    throw badCredential();
  }
  if (!bytesEqual(updated.signaturePublicKey, sender)) throw badCredential();
  if (!bytesEqual(sender, from)) {
    throw new GroupError("forged_author", "an update proposal not made by the member named");
  }
  const { result } = await open(group, bytes, "proposal");
  if (result.kind !== "newState") throw malformed("not a proposal");
  spend(result.consumed);
  return new MlsGroup(result.newState);
}

/** The state with this member's leaf private key replaced (its own update being committed). */
export function withLeafKey(group: MlsGroup, leafPrivateKey: Uint8Array): MlsGroup {
  const { privatePath } = group.state;
  return new MlsGroup({
    ...group.state,
    privatePath: {
      ...privatePath,
      privateKeys: { ...privatePath.privateKeys, [privatePath.leafIndex * 2]: leafPrivateKey },
    },
  });
}

/** The HPKE public key of the leaf bound to `ed25519` (undefined when it has none). */
export function leafKeyOf(group: MlsGroup, ed25519: Uint8Array): Uint8Array | undefined {
  for (const node of group.state.ratchetTree) {
    if (node?.nodeType === "leaf" && bytesEqual(node.leaf.signaturePublicKey, ed25519)) {
      return Uint8Array.from(node.leaf.hpkePublicKey);
    }
  }
  return undefined;
}

/** Encrypts one application message (a post) for every current member. */
export async function encryptPost(
  group: MlsGroup,
  plaintext: Uint8Array,
): Promise<{ group: MlsGroup; ciphertext: Uint8Array }> {
  refuseIfRemoved(group);
  const cs = await cipherSuite();
  const result = await translate(() => createApplicationMessage(group.state, plaintext, cs));
  spend(result.consumed);
  const ciphertext = encodeMlsMessage({
    version: "mls10",
    wireformat: "mls_private_message",
    privateMessage: result.privateMessage,
  });
  return { group: new MlsGroup(result.newState), ciphertext };
}

/**
 * Decrypts and authenticates one post. `epoch` is the epoch it was sent in: a post from a former
 * epoch (MLS keeps 4 epochs' keys for late posts) may come from a member removed since.
 */
export async function decryptPost(
  group: MlsGroup,
  ciphertext: Uint8Array,
): Promise<{ group: MlsGroup; plaintext: Uint8Array; epoch: bigint }> {
  const { result, epoch } = await open(group, ciphertext, "post");
  if (result.kind !== "applicationMessage") throw malformed("not a post");
  spend(result.consumed);
  return { group: new MlsGroup(result.newState), plaintext: result.message, epoch };
}

/** What a private message's clear header says: its group, epoch and content type. */
export function peekMessage(
  bytes: Uint8Array,
): { groupId: Uint8Array; epoch: bigint; contentType: "commit" | "application" | "proposal" } {
  const message = decodeWhole(bytes);
  if (message.wireformat !== "mls_private_message") throw malformed("not an encrypted message");
  const pm = message.privateMessage;
  return { groupId: pm.groupId, epoch: pm.epoch, contentType: pm.contentType };
}

/**
 * Applies a commit only if the member holding `owner`'s key made it (the one committer). A commit
 * by anyone else is `not_owner` and leaves `group` untouched (nothing is spent).
 */
export async function processOwnerCommit(
  group: MlsGroup,
  bytes: Uint8Array,
  owner: Uint8Array,
): Promise<MlsGroup> {
  const all = leaves(group.state);
  const { result } = await open(group, bytes, "commit", (incoming) => {
    if (incoming.kind !== "commit" || incoming.senderLeafIndex === undefined) return "reject";
    const sender = all.find(({ index }) => index === incoming.senderLeafIndex);
    return sender !== undefined && bytesEqual(sender.credential, owner) ? "accept" : "reject";
  });
  if (result.kind !== "newState") throw malformed("not a commit");
  if (result.actionTaken === "reject") {
    throw new GroupError("not_owner", "a commit not made by the group's owner");
  }
  checkTree(result.newState, allowedOf(group));
  spend(result.consumed);
  return new MlsGroup(result.newState);
}

/**
 * Decrypts one post and names its sender (the Ed25519 key of the leaf that signed it, in the tree
 * of the epoch it was sent in). `check` sees sender and plaintext before anything is spent: if it
 * throws, `group` stays usable and unchanged.
 */
export async function decryptPostFrom(
  group: MlsGroup,
  ciphertext: Uint8Array,
  check: (sender: Uint8Array, plaintext: Uint8Array) => void,
): Promise<{ group: MlsGroup; plaintext: Uint8Array; epoch: bigint; sender: Uint8Array }> {
  refuseIfRemoved(group);
  const message = decodeWhole(ciphertext);
  if (message.wireformat !== "mls_private_message") throw malformed("not an encrypted post");
  const pm = message.privateMessage;
  if (!bytesEqual(pm.groupId, group.groupId)) throw malformed("a message for another group");
  if (pm.contentType !== "application") throw malformed("not a post");
  if (pm.epoch > group.epoch) {
    throw new GroupError("wrong_epoch", "a post from a later epoch (a commit was missed)");
  }
  const state = group.state;
  const cs = await cipherSuite();
  const current = pm.epoch === state.groupContext.epoch;
  const past = current ? undefined : state.historicalReceiverData.get(pm.epoch);
  if (!current && past === undefined) {
    throw new GroupError("wrong_epoch", "a post from an epoch whose keys are gone");
  }
  const source = past ?? {
    senderDataSecret: state.keySchedule.senderDataSecret,
    secretTree: state.secretTree,
    ratchetTree: state.ratchetTree,
    groupContext: state.groupContext,
  };
  const result = await translate(() =>
    unprotectPrivateMessage(
      source.senderDataSecret,
      pm,
      source.secretTree,
      source.ratchetTree,
      source.groupContext,
      state.clientConfig.keyRetentionConfig,
      cs,
    )
  );
  const content = result.content.content;
  if (content.contentType !== "application" || content.sender.senderType !== "member") {
    throw malformed("not a member's post");
  }
  const node = source.ratchetTree[content.sender.leafIndex * 2];
  if (node?.nodeType !== "leaf" || node.leaf.credential.credentialType !== "basic") {
    throw malformed("a post from an empty leaf");
  }
  const sender = Uint8Array.from(node.leaf.credential.identity);
  const plaintext = content.applicationData;
  check(sender, plaintext);
  const next: ClientState = past === undefined ? { ...state, secretTree: result.tree } : {
    ...state,
    historicalReceiverData: new Map([
      ...state.historicalReceiverData,
      [pm.epoch, { ...past, secretTree: result.tree }],
    ]),
  };
  spend(result.consumed);
  return { group: new MlsGroup(next), plaintext, epoch: pm.epoch, sender };
}

/** The Ed25519 key a key package's leaf is bound to (checked: credential = signature key). */
export function keyPackageOwner(bytes: Uint8Array): Uint8Array {
  const message = decodeWhole(bytes);
  if (message.wireformat !== "mls_key_package") throw malformed("not a key package");
  const leaf = message.keyPackage.leafNode;
  if (!bindingHolds(leaf.credential, leaf.signaturePublicKey, () => true)) throw badCredential();
  return Uint8Array.from(leaf.signaturePublicKey);
}

/** A key package with its private half, as bytes for the store (secret: seal it). */
export function serializeKeyPackage(bundle: KeyPackageBundle): Uint8Array {
  const { initPrivateKey, hpkePrivateKey, signaturePrivateKey } = bundle.privateKeys;
  const parts = [bundle.bytes, initPrivateKey, hpkePrivateKey, signaturePrivateKey];
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

export function deserializeKeyPackage(bytes: Uint8Array): KeyPackageBundle {
  const parts: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw malformed("unreadable key package");
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) throw malformed("unreadable key package");
    parts.push(bytes.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (parts.length !== 4) throw malformed("unreadable key package");
  const message = decodeWhole(parts[0]);
  if (message.wireformat !== "mls_key_package") throw malformed("not a key package");
  const privateKeys: PrivateKeyPackage = {
    initPrivateKey: parts[1],
    hpkePrivateKey: parts[2],
    signaturePrivateKey: parts[3],
  };
  return new KeyPackageBundle(
    parts[0],
    Uint8Array.from(message.keyPackage.leafNode.signaturePublicKey),
    message.keyPackage,
    privateKeys,
  );
}

/** The group state as bytes, for the store (secret: seal it). */
export function serializeGroup(group: MlsGroup): Uint8Array {
  return encodeGroupState(group.state);
}

/** The group from {@link serializeGroup}'s bytes; the roster is the caller's, as at creation. */
export function deserializeGroup(bytes: Uint8Array, isAllowed: IsAllowed): MlsGroup {
  let decoded: ReturnType<typeof decodeGroupState>;
  try {
    decoded = decodeGroupState(bytes, 0);
  } catch (err) {
    throw malformed("unreadable group state", err);
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw malformed("unreadable group state");
  }
  return new MlsGroup({ ...decoded[0], clientConfig: clientConfig(isAllowed) });
}

// --- internals ---

/** Each group's roster, keyed by the client config ts-mls carries from state to state. */
const ROSTERS = new WeakMap<object, IsAllowed>();

function allowedOf(group: MlsGroup): IsAllowed {
  const isAllowed = ROSTERS.get(group.state.clientConfig);
  if (isAllowed === undefined) throw new TypeError("a group state without this adapter's config");
  return isAllowed;
}

async function commit(
  group: MlsGroup,
  proposals: Proposal[],
): Promise<CommitResult & { welcome?: Uint8Array }> {
  refuseIfRemoved(group);
  const cs = await cipherSuite();
  const result = await translate(() =>
    createCommit({ state: group.state, cipherSuite: cs }, {
      extraProposals: proposals,
      ratchetTreeExtension: true,
    })
  );
  spend(result.consumed);
  const welcome = result.welcome === undefined ? undefined : encodeMlsMessage({
    version: "mls10",
    wireformat: "mls_welcome",
    welcome: result.welcome,
  });
  return {
    group: new MlsGroup(result.newState),
    commit: encodeMlsMessage(result.commit),
    welcome,
  };
}

async function open(
  group: MlsGroup,
  bytes: Uint8Array,
  expect: "commit" | "post" | "proposal",
  callback?: IncomingMessageCallback,
): Promise<{ result: ProcessMessageResult; epoch: bigint }> {
  refuseIfRemoved(group);
  const message = decodeWhole(bytes);
  if (message.wireformat !== "mls_private_message") throw malformed(`not an encrypted ${expect}`);
  const pm = message.privateMessage;
  if (!bytesEqual(pm.groupId, group.groupId)) throw malformed("a message for another group");
  if (pm.epoch > group.epoch) {
    throw new GroupError("wrong_epoch", `a ${expect} from a later epoch (a commit was missed)`);
  }
  if (expect === "commit" && pm.contentType !== "commit") throw malformed("not a commit");
  if (expect === "commit" && pm.epoch < group.epoch) {
    throw new GroupError("wrong_epoch", "a commit from a former epoch");
  }
  if (expect === "post" && pm.contentType !== "application") throw malformed("not a post");
  if (expect === "proposal" && pm.contentType !== "proposal") throw malformed("not a proposal");
  const cs = await cipherSuite();
  const result = await translate(() =>
    processPrivateMessage(group.state, pm, emptyPskIndex, cs, callback)
  );
  return { result, epoch: pm.epoch };
}

function decodeWhole(bytes: Uint8Array): MLSMessage {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (err) {
    throw malformed("not an MLS message", err);
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw malformed("not an MLS message");
  return decoded[0];
}

function checkKeyPackage(keyPackage: KeyPackage, isAllowed: IsAllowed): void {
  if (keyPackage.cipherSuite !== GROUP_CIPHER_SUITE) {
    throw malformed("a key package for another cipher suite");
  }
  const leaf = keyPackage.leafNode;
  if (!bindingHolds(leaf.credential, leaf.signaturePublicKey, isAllowed)) {
    throw badCredential();
  }
}

/** Every leaf of a state we are about to accept, checked against the binding again. */
function checkTree(state: ClientState, isAllowed: IsAllowed): void {
  for (const node of state.ratchetTree) {
    if (node?.nodeType !== "leaf") continue;
    if (!bindingHolds(node.leaf.credential, node.leaf.signaturePublicKey, isAllowed)) {
      throw badCredential();
    }
  }
}

function leaves(state: ClientState): Array<{ index: number; credential: Uint8Array }> {
  const out: Array<{ index: number; credential: Uint8Array }> = [];
  state.ratchetTree.forEach((node, nodeIndex) => {
    if (node?.nodeType === "leaf" && node.leaf.credential.credentialType === "basic") {
      out.push({ index: nodeIndex / 2, credential: node.leaf.credential.identity });
    }
  });
  return out;
}

function refuseIfRemoved(group: MlsGroup): void {
  if (group.removed) throw new GroupError("not_a_member", "removed from this group");
}

/** ts-mls's failures on remote input, in this layer's reasons. */
async function translate<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof GroupError) throw err;
    const text = err instanceof Error ? err.message : String(err);
    if (/former epoch|epoch too old/i.test(text)) {
      throw new GroupError("wrong_epoch", "a message from a former epoch", { cause: err });
    }
    if (/after being removed/i.test(text)) {
      throw new GroupError("not_a_member", "removed from this group", { cause: err });
    }
    if (/validate (external )?credential/i.test(text)) throw badCredential(err);
    throw malformed("the message does not decrypt or authenticate", err);
  }
}

function spend(consumed: Uint8Array[]): void {
  for (const secret of consumed) zeroOutUint8Array(secret);
}

function badCredential(cause?: unknown): GroupError {
  return new GroupError(
    "bad_credential",
    "a member's credential does not name its own signing key, or names a key not in the roster",
    { cause },
  );
}

function malformed(what: string, cause?: unknown): GroupError {
  return new GroupError("malformed", what, { cause });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
