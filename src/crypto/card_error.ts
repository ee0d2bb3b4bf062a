/**
 * Why a contact card was refused. Every reason is its own stable value (for tests and `--json`),
 * and all of them exit 65 (bad or unauthenticated data): a parse error never reads as a
 * signature failure, and a signature failure never as an expired card.
 */
import { type LegionErrorOptions, ReasonError } from "../errors.ts";

export type CardRefusal =
  | "too_large"
  | "bad_armor"
  | "not_json"
  | "not_canonical"
  | "unsupported_version"
  | "bad_field"
  | "bad_signature"
  | "onion_mismatch"
  | "bad_binding_signature"
  | "bad_signed_prekey_signature"
  | "bad_kyber_prekey_signature"
  | "expired"
  | "not_yet_valid"
  | "self"
  | "key_changed"
  | "identity_key_in_use"
  | "bad_short_form"
  | "card_mismatch";

export class CardError extends ReasonError<CardRefusal> {
  override readonly name = "CardError";

  constructor(reason: CardRefusal, message: string, options: LegionErrorOptions = {}) {
    super(reason, message, options);
  }
}

/** Type guard, optionally narrowed to one reason: `isCardError(e, "expired")`. */
export function isCardError(err: unknown, reason?: CardRefusal): err is CardError {
  return err instanceof CardError && (reason === undefined || err.reason === reason);
}
