/**
 * Safety numbers: libsignal's `Fingerprint` (version 2, 5200 SHA-512 iterations), computed over
 * each side's Ed25519 identity (the stable identifier, 32 bytes) and libsignal identity key.
 * Both sides get the same 60 digits; a change of either key on either side changes them.
 */
import { Fingerprint, PublicKey } from "@signalapp/libsignal-client";

export const FINGERPRINT_ITERATIONS = 5200;
export const FINGERPRINT_VERSION = 2;

export interface SafetyParty {
  /** Ed25519 identity public key, 32 bytes. */
  ed25519: Uint8Array;
  /** Serialised libsignal identity public key, 33 bytes. */
  identityKey: Uint8Array;
}

/** The 60-digit safety number between `local` and `remote` (no spaces). */
export function safetyNumber(local: SafetyParty, remote: SafetyParty): string {
  const fingerprint = Fingerprint.new(
    FINGERPRINT_ITERATIONS,
    FINGERPRINT_VERSION,
    local.ed25519.slice(),
    PublicKey.deserialize(local.identityKey.slice()),
    remote.ed25519.slice(),
    PublicKey.deserialize(remote.identityKey.slice()),
  );
  return fingerprint.displayableFingerprint().toString();
}

export { formatSafetyNumber } from "./safety_number_format.ts";
