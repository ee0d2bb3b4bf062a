/**
 * What one contact may cost this node: how much of its mail is kept, how fast it may deliver, and
 * how many bad deliveries a stream survives. Defaults are in docs/security.md ("Bounds").
 *
 * The rate is a token bucket per contact: `ratePerMinute` deliveries in a burst, refilled evenly over
 * a minute (a group peer who is not a contact has its own bucket, keyed by its key). Every delivery
 * takes a token — stored, duplicate, rejected or refused alike — so bad
 * deliveries count against the rate too. Buckets live in memory: a restart forgives everyone.
 */

export interface InboundLimits {
  /** Incoming messages kept per contact (default 10,000). */
  maxMessages: number;
  /** Sealed bytes of incoming messages kept per contact (default 64 MiB). */
  maxBytes: number;
  /** Deliveries per contact per minute, in a burst of as many (default 600). */
  ratePerMinute: number;
  /** Rejected deliveries after which a stream is closed (default 3). */
  maxBadPerStream: number;
  /** One incoming attachment's size at most (default 100 MiB); a larger one is rejected. */
  maxFileBytes: number;
  /** Bytes of incoming attachments kept per contact (default 1 GiB). */
  maxAttachmentBytes: number;
}

export const DEFAULT_INBOUND_LIMITS: Readonly<InboundLimits> = {
  maxMessages: 10_000,
  maxBytes: 64 * 1024 * 1024,
  ratePerMinute: 600,
  maxBadPerStream: 3,
  maxFileBytes: 100 * 1024 * 1024,
  maxAttachmentBytes: 1024 * 1024 * 1024,
};

/** Why a contact's delivery was not taken now. */
export type LimitReason = "rate" | "messages" | "bytes" | "bad_deliveries";

/** How often one contact's hitting of one limit is reported (the limit may be hit per message). */
const REPORT_EVERY_MS = 60_000;

export class InboundGate {
  readonly limits: Readonly<InboundLimits>;
  readonly #buckets = new Map<number | string, { tokens: number; at: number }>();
  readonly #reported = new Map<string, number>();

  constructor(limits: Partial<InboundLimits> = {}, private readonly now: () => number = Date.now) {
    this.limits = { ...DEFAULT_INBOUND_LIMITS, ...limits };
  }

  /** Takes one delivery from a contact's (or a group peer's) bucket; false when it is empty. */
  take(contactId: number | string): boolean {
    const { ratePerMinute } = this.limits;
    const now = this.now();
    const bucket = this.#buckets.get(contactId) ?? { tokens: ratePerMinute, at: now };
    bucket.tokens = Math.min(
      ratePerMinute,
      bucket.tokens + (Math.max(0, now - bucket.at) * ratePerMinute) / 60_000,
    );
    bucket.at = now;
    this.#buckets.set(contactId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** True at most once a minute per contact and reason: whether to report a limit being hit. */
  shouldReport(contactId: number | string, reason: LimitReason): boolean {
    const key = `${contactId}:${reason}`;
    const now = this.now();
    const last = this.#reported.get(key);
    if (last !== undefined && now - last < REPORT_EVERY_MS) return false;
    this.#reported.set(key, now);
    return true;
  }
}
