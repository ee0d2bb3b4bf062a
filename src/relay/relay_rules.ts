/**
 * A relay's rules, fixed at `relay init` and published on its card: how many deposits each member
 * may make per epoch (k slots), how long an epoch is, the envelope cap, how long items live, and the
 * per-mailbox quotas.
 */
import { LegionError } from "../errors.ts";

export interface RelayRules {
  /** k: deposits per member per epoch (slots 0..k−1). */
  slotsPerEpoch: number;
  epochSeconds: number;
  /** Largest envelope accepted, bytes. */
  maxEnvelopeBytes: number;
  /** How long a deposited item is kept, seconds (at most 7 days). */
  ttlSeconds: number;
  /** Per-mailbox quotas. */
  mailboxItems: number;
  mailboxBytes: number;
  /** Mailboxes the relay holds at most. */
  maxMailboxes: number;
  /** A mailbox nobody fetched from for this long is deleted, seconds. */
  mailboxIdleSeconds: number;
}

export const MAX_TTL_SECONDS = 7 * 24 * 3600;
/** The wire's frame content cap (1 MiB − 4) minus the deposit header and proof. */
export const MAX_ENVELOPE_LIMIT = 1024 * 1024 - 4 - 2 - 24 - 385;
/** A deposit for the previous epoch is still accepted this long after the boundary (clock skew). */
export const EPOCH_GRACE_MS = 5 * 60_000;

export const DEFAULT_RULES: Readonly<RelayRules> = {
  slotsPerEpoch: 200,
  epochSeconds: 24 * 3600,
  maxEnvelopeBytes: 256 * 1024,
  ttlSeconds: MAX_TTL_SECONDS,
  mailboxItems: 1000,
  mailboxBytes: 32 * 1024 * 1024,
  maxMailboxes: 10_000,
  mailboxIdleSeconds: 30 * 24 * 3600,
};

const LIMITS: Record<keyof RelayRules, [number, number]> = {
  slotsPerEpoch: [1, 100_000],
  epochSeconds: [60, 366 * 24 * 3600],
  maxEnvelopeBytes: [1, MAX_ENVELOPE_LIMIT],
  ttlSeconds: [60, MAX_TTL_SECONDS],
  mailboxItems: [1, 1_000_000],
  mailboxBytes: [1, 2 ** 40],
  maxMailboxes: [1, 10_000_000],
  mailboxIdleSeconds: [60, 366 * 24 * 3600],
};

/** Validates rules (from init options or the database). @throws LegionError `usage` */
export function parseRules(value: unknown): RelayRules {
  if (typeof value !== "object" || value === null) throw bad("rules must be an object");
  const record = value as Record<string, unknown>;
  const out = {} as RelayRules;
  for (
    const [name, [min, max]] of Object.entries(LIMITS) as [keyof RelayRules, [number, number]][]
  ) {
    const v = record[name] ?? DEFAULT_RULES[name];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
      throw bad(`${name} must be an integer from ${min} to ${max}`);
    }
    out[name] = v;
  }
  return out;
}

/** The epoch number at `now` (ms). */
export function epochAt(rules: Pick<RelayRules, "epochSeconds">, now: number): number {
  return Math.floor(now / (rules.epochSeconds * 1000));
}

/** Whether deposits for `epoch` are accepted at `now`: the current one, or the last during grace. */
export function epochOpen(rules: RelayRules, epoch: number, now: number): boolean {
  const current = epochAt(rules, now);
  if (epoch === current) return true;
  return epoch === current - 1 && now - current * rules.epochSeconds * 1000 < EPOCH_GRACE_MS;
}

/** When a nullifier of `epoch` can be forgotten: once no deposit for that epoch is accepted. */
export function nullifierExpiry(rules: RelayRules, epoch: number): number {
  return (epoch + 1) * rules.epochSeconds * 1000 + EPOCH_GRACE_MS;
}

function bad(message: string): LegionError {
  return new LegionError("usage", `Bad relay rules: ${message}`);
}
