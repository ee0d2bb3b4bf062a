/**
 * The relay's card: what a user needs to open a mailbox there and what a depositor needs to prove
 * membership — signed by the relay's Ed25519 key (its onion derives from that key).
 *
 *   {
 *     "type": "legion_relay_card", "version": 1,
 *     "onion": "<56 chars>.onion", "key": "<base64 Ed25519 public key>",
 *     "group": { "root": "<decimal>", "members": <active members> },
 *     "rules": { "slotsPerEpoch", "epochSeconds", "maxEnvelopeBytes", "ttlSeconds",
 *                "mailboxItems", "mailboxBytes" },
 *     "createdAt": "<ISO 8601>",
 *     "signature": "<base64 Ed25519 over RELAY_CARD_DOMAIN || canonical JSON without signature>"
 *   }
 */
import type { Sodium } from "../crypto/sodium.ts";
import { canonicalJson, type JsonValue } from "../crypto/canonical_json.ts";
import { fromBase64, toBase64 } from "../crypto/base64.ts";
import { onionAddress } from "../crypto/onion.ts";
import { LegionError } from "../errors.ts";
import type { RelayRules } from "./relay_rules.ts";

export const RELAY_CARD_TYPE = "legion_relay_card";
export const RELAY_CARD_DOMAIN = "legion/v1/relay-card\0";
const RULE_NAMES = [
  "slotsPerEpoch",
  "epochSeconds",
  "maxEnvelopeBytes",
  "ttlSeconds",
  "mailboxItems",
  "mailboxBytes",
] as const;

export interface RelayCard {
  onion: string;
  publicKey: Uint8Array;
  groupRoot: bigint;
  members: number;
  rules: Pick<RelayRules, typeof RULE_NAMES[number]>;
  createdAt: number;
}

function unsignedJson(card: RelayCard): JsonValue {
  return {
    type: RELAY_CARD_TYPE,
    version: 1,
    onion: card.onion,
    key: toBase64(card.publicKey),
    group: { root: card.groupRoot.toString(), members: card.members },
    rules: Object.fromEntries(RULE_NAMES.map((n) => [n, card.rules[n]])),
    createdAt: new Date(card.createdAt).toISOString(),
  };
}

function signedBytes(json: JsonValue): Uint8Array {
  return new TextEncoder().encode(RELAY_CARD_DOMAIN + canonicalJson(json));
}

/** The signed card as JSON text (one line). */
export function signRelayCard(
  na: Sodium,
  card: RelayCard,
  signer: { seed: Uint8Array },
): string {
  const json = unsignedJson(card) as Record<string, JsonValue>;
  const { privateKey } = na.crypto_sign_seed_keypair(signer.seed);
  try {
    json.signature = toBase64(na.crypto_sign_detached(signedBytes(json), privateKey));
  } finally {
    privateKey.fill(0);
  }
  return canonicalJson(json);
}

/** Parses and verifies a relay card. @throws LegionError `bad_data` */
export function parseRelayCard(na: Sodium, text: string): RelayCard {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  if (typeof value !== "object" || value === null || value.type !== RELAY_CARD_TYPE) {
    throw bad("not a relay card");
  }
  if (value.version !== 1) throw bad(`unknown version ${JSON.stringify(value.version)}`);
  const key = typeof value.key === "string" ? fromBase64(value.key) : undefined;
  if (!key || key.length !== 32) throw bad("key must be 32 bytes of base64");
  const onion = `${onionAddress(key)}.onion`;
  if (value.onion !== onion) throw bad("the onion does not derive from the key");
  const group = value.group as { root?: unknown; members?: unknown } | undefined;
  if (
    typeof group?.root !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(group.root) ||
    typeof group.members !== "number" || !Number.isSafeInteger(group.members) || group.members < 0
  ) throw bad("group must have a decimal root and a member count");
  const rulesValue = value.rules as Record<string, unknown> | undefined;
  const rules = {} as RelayCard["rules"];
  for (const name of RULE_NAMES) {
    const v = rulesValue?.[name];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw bad(`rules.${name}`);
    rules[name] = v;
  }
  const createdAt = typeof value.createdAt === "string" ? Date.parse(value.createdAt) : NaN;
  if (Number.isNaN(createdAt)) throw bad("createdAt must be an ISO 8601 time");
  const signature = typeof value.signature === "string" ? fromBase64(value.signature) : undefined;
  if (!signature || signature.length !== 64) throw bad("signature must be 64 bytes of base64");
  const card: RelayCard = {
    onion,
    publicKey: key,
    groupRoot: BigInt(group.root),
    members: group.members,
    rules,
    createdAt,
  };
  const expected = unsignedJson(card);
  const { signature: _, ...rest } = value;
  // Only the fields we understand are signed-and-checked; extra fields make the card invalid.
  if (canonicalJson(rest as JsonValue) !== canonicalJson(expected)) {
    throw bad("unexpected or non-canonical fields");
  }
  if (!na.crypto_sign_verify_detached(signature, signedBytes(expected), key)) {
    throw bad("the signature does not verify");
  }
  return card;
}

function bad(reason: string): LegionError {
  return new LegionError("bad_data", `Cannot parse relay card: ${reason}`);
}
