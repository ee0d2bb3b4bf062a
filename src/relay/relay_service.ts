/**
 * The relay's request handler: one request (src/protocol/relay_wire.ts) in, one reply out.
 *
 * A deposit is checked in this order — every check before the pairing costs microseconds, so junk
 * never reaches the ≈10–20 ms Groth16 verification:
 *   1. size       envelope ≤ maxEnvelopeBytes (read from the length alone)  → oversized
 *   2. format     the request and the packed proof parse                    → malformed
 *   3. mailbox    exists and has room for one more item of this size        → unknown_mailbox / mailbox_full
 *   4. root       the group's current root, or a recent one in the window   → unknown_root / stale_root
 *   5. scope      epoch is current, slot < k, scope = H(relay, epoch, slot) → wrong_epoch / bad_slot / wrong_scope
 *                 and message = H(envelope)                                → wrong_message
 *   6. nullifier  unseen                                                    → nullifier_spent
 *   7. the proof  curve/subgroup checks and the pairing (zk/verifier.ts)    → invalid_proof
 *   8. store      nullifier + envelope in one transaction (a racing twin loses: nullifier_spent)
 *
 * Refusals are counted by reason in memory (`drainRefusals`); nothing about the requester is kept.
 */
import { randomBytes } from "node:crypto";
import type { Sodium } from "../crypto/sodium.ts";
import {
  authMessage,
  decodeRequest,
  encodeAcked,
  encodeFetched,
  encodeOpened,
  encodeReply,
  fetchedItemBytes,
  PROOF_BYTES,
  type Refusal,
  type RelayRequest,
  unsignedRequest,
} from "../protocol/relay_wire.ts";
import { MAX_CONTENT } from "../protocol/padding.ts";
import { isRelayWireError } from "../protocol/relay_wire_error.ts";
import {
  digestValue,
  rateLimitScope,
  unpackProof,
  type ZkGroup,
  type ZkProof,
  type ZkVerifier,
} from "../zk/mod.ts";
import { ZkError } from "../zk/zk_error.ts";
import { groupToText } from "../zk/group.ts";
import type { RelayStore } from "./relay_store.ts";
import { epochOpen, nullifierExpiry, type RelayRules } from "./relay_rules.ts";

/** Request bytes before the envelope: header (2) + deposit id (16) + epoch (4) + slot (4) + proof. */
const DEPOSIT_OVERHEAD = 2 + 16 + 8 + PROOF_BYTES;
/** A FETCH reply's own bytes: header, status, count. */
const FETCH_REPLY_OVERHEAD = 2 + 1 + 2;

export interface RelayServiceOptions {
  store: RelayStore;
  rules: RelayRules;
  /** The relay's onion (`….onion`): the verifier name in deposit scopes. */
  onion: string;
  /** The relay's Ed25519 public key: bound into every owner signature. */
  publicKey: Uint8Array;
  verifier: ZkVerifier;
  /** The member group as it is now (reloaded by the server after admit/revoke). */
  group: () => ZkGroup;
  sodium: Sodium;
  now?: () => number;
}

export type RequestKind = RelayRequest["kind"] | "unknown";

export class RelayService {
  readonly #o: RelayServiceOptions;
  readonly #now: () => number;
  readonly #refused = new Map<string, number>();
  /** Accepted deposits since start (for events; not persisted). */
  deposits = 0;

  constructor(options: RelayServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** A fresh challenge for a new stream. */
  challenge(): Uint8Array {
    return new Uint8Array(randomBytes(32));
  }

  /** Handles one request message; returns the reply message and what was asked. */
  async handle(
    message: Uint8Array,
    challenge: Uint8Array,
  ): Promise<{ kind: RequestKind; reply: Uint8Array; refusal?: Refusal }> {
    // 1. size: a deposit's envelope length is known from the message length alone.
    if (
      message.length >= 2 && message[1] === 0x02 &&
      message.length - DEPOSIT_OVERHEAD > this.#o.rules.maxEnvelopeBytes
    ) {
      return this.#refuse("deposit", "oversized");
    }
    let request: RelayRequest;
    try {
      request = decodeRequest(message);
    } catch (err) {
      if (!isRelayWireError(err)) throw err;
      const kind = message[1] === 0x02 ? "deposit" : "unknown";
      return this.#refuse(kind, "malformed");
    }
    const result = await this.#dispatch(request, challenge);
    if (typeof result === "string") return this.#refuse(request.kind, result);
    return { kind: request.kind, reply: encodeReply({ ok: true, body: result }) };
  }

  /** Refusal counts since the last drain (`deposit.oversized` → 3, …), then resets them. */
  drainRefusals(): Map<string, number> {
    const out = new Map(this.#refused);
    this.#refused.clear();
    return out;
  }

  #refuse(kind: RequestKind, refusal: Refusal) {
    const key = `${kind}.${refusal}`;
    this.#refused.set(key, (this.#refused.get(key) ?? 0) + 1);
    return { kind, reply: encodeReply({ ok: false, refusal }), refusal };
  }

  #dispatch(
    request: RelayRequest,
    challenge: Uint8Array,
  ): Promise<Uint8Array | Refusal> | Uint8Array | Refusal {
    switch (request.kind) {
      case "deposit":
        return this.#deposit(request);
      case "group":
        return new TextEncoder().encode(groupText(this.#o.group()));
      case "open":
        return this.#open(request, challenge);
      default:
        return this.#owned(request, challenge);
    }
  }

  async #deposit(
    request: Extract<RelayRequest, { kind: "deposit" }>,
  ): Promise<Uint8Array | Refusal> {
    const { store, rules } = this.#o;
    // 2. format of the proof (ranges, canonical values)
    let proof: ZkProof;
    try {
      proof = unpackProof(request.proof);
    } catch (err) {
      if (err instanceof ZkError) return "malformed";
      throw err;
    }
    // 3. mailbox and room
    const use = store.mailboxUse(request.depositId);
    if (!use) return "unknown_mailbox";
    if (
      use.items + 1 > rules.mailboxItems ||
      use.bytes + request.envelope.length > rules.mailboxBytes
    ) return "mailbox_full";
    // 4. root window
    const now = this.#now();
    const group = this.#o.group();
    const status = group.rootStatus(proof.root, now);
    if (status === "unknown") return "unknown_root";
    if (status === "stale") return "stale_root";
    // 5. scope and message
    if (!epochOpen(rules, request.epoch, now)) return "wrong_epoch";
    if (request.slot >= rules.slotsPerEpoch) return "bad_slot";
    const scope = rateLimitScope(this.#o.onion, request.epoch, request.slot);
    if (proof.scope !== scope) return "wrong_scope";
    const message = digestValue(request.envelope);
    if (proof.message !== message) return "wrong_message";
    // 6. nullifier
    if (store.isSpent(proof.nullifier)) return "nullifier_spent";
    // 7. the proof itself (the verifier repeats 4–5 for free, then the curve checks and pairing)
    let outcome;
    try {
      outcome = this.#o.verifier.verify(proof, { scope, message });
    } catch (err) {
      if (err instanceof ZkError) return "invalid_proof";
      throw err;
    }
    if (!outcome.ok) {
      return outcome.reason === "nullifier_spent"
        ? "nullifier_spent"
        : outcome.reason === "stale_root"
        ? "stale_root"
        : outcome.reason === "unknown_root"
        ? "unknown_root"
        : "invalid_proof";
    }
    // 8. store
    const stored = await store.deposit({
      depositId: request.depositId,
      envelope: request.envelope,
      nullifier: proof.nullifier,
      nullifierExpiresAt: nullifierExpiry(rules, request.epoch),
      expiresAt: coarseExpiry(now + rules.ttlSeconds * 1000),
      quota: { items: rules.mailboxItems, bytes: rules.mailboxBytes },
    });
    if (stored !== "stored") return stored;
    this.deposits++;
    return new Uint8Array(0);
  }

  async #open(
    request: Extract<RelayRequest, { kind: "open" }>,
    challenge: Uint8Array,
  ): Promise<Uint8Array | Refusal> {
    if (!this.#signed(request.ownerKey, request, challenge)) return "unauthorized";
    const { store, rules } = this.#o;
    if (store.mailboxCount() >= rules.maxMailboxes) return "unavailable";
    const ids = await store.openMailbox(
      request.ownerKey,
      this.#now() + rules.mailboxIdleSeconds * 1000,
    );
    return encodeOpened(ids.fetchId, ids.depositId);
  }

  /** FETCH, ACK, CLOSE: the mailbox's owner signed this stream's challenge. */
  async #owned(
    request: Extract<RelayRequest, { kind: "fetch" | "ack" | "close" }>,
    challenge: Uint8Array,
  ): Promise<Uint8Array | Refusal> {
    const { store, rules } = this.#o;
    const mailbox = store.mailboxByFetchId(request.fetchId);
    // Fetch ids are 128-bit secrets, so telling "no such mailbox" from "not your key" leaks nothing
    // worth probing for, and keeps the two failures apart in `relay status`.
    if (!mailbox || !this.#signed(mailbox.ownerKey, request, challenge)) {
      return mailbox ? "unauthorized" : "unknown_mailbox";
    }
    const now = this.#now();
    switch (request.kind) {
      case "fetch": {
        await store.touch(request.fetchId, now + rules.mailboxIdleSeconds * 1000);
        const budget = MAX_CONTENT - FETCH_REPLY_OVERHEAD;
        const items = store.items(mailbox.depositId, request.maxItems, now);
        const fitting = [];
        let used = 0;
        for (const item of items) {
          used += fetchedItemBytes(item.envelope.length);
          if (used > budget) break;
          fitting.push(item);
        }
        return encodeFetched(fitting);
      }
      case "ack":
        return encodeAcked(await store.ack(mailbox.depositId, request.itemIds));
      case "close":
        await store.closeMailbox(request.fetchId);
        return new Uint8Array(0);
    }
  }

  #signed(
    key: Uint8Array,
    request: Extract<RelayRequest, { kind: "open" | "fetch" | "ack" | "close" }>,
    challenge: Uint8Array,
  ): boolean {
    const signed = authMessage(this.#o.publicKey, challenge, unsignedRequest(request));
    try {
      return this.#o.sodium.crypto_sign_verify_detached(request.signature, signed, key);
    } catch {
      return false;
    }
  }
}

const cache = new WeakMap<ZkGroup, string>();

/** The group as the GROUP reply carries it (src/zk/group.ts's file format), once per version. */
function groupText(group: ZkGroup): string {
  let text = cache.get(group);
  if (text === undefined) cache.set(group, text = groupToText(group));
  return text;
}

/** Expiries are kept to the next hour, so a seized relay.db does not date each deposit. */
export const EXPIRY_GRANULARITY_MS = 3_600_000;

/** `at` rounded up to the next {@link EXPIRY_GRANULARITY_MS}. */
export function coarseExpiry(at: number): number {
  return Math.ceil(at / EXPIRY_GRANULARITY_MS) * EXPIRY_GRANULARITY_MS;
}
