/**
 * 1:1 sessions: PQXDH to start, then the Double Ratchet — all done by libsignal, never by hand.
 * This module only adapts it: addresses, a framed ciphertext, and typed errors.
 *
 * Ciphertext wire format (what the messaging layer carries):
 *
 *   TYPE (1) || libsignal message
 *   TYPE = 3: PreKeySignalMessage (until the peer's first reply; ≈1.8 KB of overhead, carries the
 *             Kyber ciphertext and the PQXDH base key)
 *   TYPE = 2: SignalMessage (≈ plaintext + 70 B)
 *
 * Out-of-order messages decrypt (libsignal keeps up to 2,000 skipped message keys per chain);
 * a replay fails with reason `duplicate`, and so does a message more than 2,000 behind.
 *
 * Peers are named by their Ed25519 identity key in hex; device id is always 1.
 */
import {
  CiphertextMessageType,
  ErrorCode,
  IdentityKeyStore,
  KEMPublicKey,
  KyberPreKeyStore,
  LibSignalErrorBase,
  PreKeyBundle,
  PreKeySignalMessage,
  PreKeyStore,
  processPreKeyBundle,
  ProtocolAddress,
  PublicKey,
  SessionStore,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
  SignalMessage,
  SignedPreKeyStore,
} from "@signalapp/libsignal-client";
import { SessionError } from "./session_error.ts";
import type { CardPreKey } from "./card.ts";

export const DEVICE_ID = 1;
/** Marker in the error a Kyber store throws for a reused (kyber id, signed prekey id, base key). */
export const KYBER_REPLAY = "Kyber prekey already used with this base key";
export const TYPE_PREKEY = CiphertextMessageType.PreKey;
export const TYPE_MESSAGE = CiphertextMessageType.Whisper;

/** The five libsignal stores plus this node's own address name. */
export interface SessionStores {
  localAddress: string;
  identity: IdentityKeyStore;
  session: SessionStore;
  preKey: PreKeyStore;
  signedPreKey: SignedPreKeyStore;
  kyberPreKey: KyberPreKeyStore;
}

/** What a card gives to start a session (PQXDH needs the signed and the Kyber prekey). */
export interface PreKeyBundleInput {
  registrationId: number;
  identityKey: Uint8Array;
  signedPreKey: CardPreKey;
  kyberPreKey: CardPreKey;
}

/** Most addresses ever cached (one per contact in use, plus our own); beyond it the cache restarts. */
const MAX_CACHED_ADDRESSES = 1_024;
const addresses = new Map<string, ProtocolAddress>();

/**
 * The libsignal address of `name` (device 1), one immutable object per name. Reused rather than
 * made per message: under Deno every libsignal object costs ≈50 bytes of Node-API bookkeeping that
 * is never freed, even after the object is collected (docs/security.md, "Memory").
 */
export function address(name: string): ProtocolAddress {
  let cached = addresses.get(name);
  if (!cached) {
    if (addresses.size >= MAX_CACHED_ADDRESSES) addresses.clear();
    cached = ProtocolAddress.new(name, DEVICE_ID);
    addresses.set(name, cached);
  }
  return cached;
}

/** True when there is a session with `remote` that can send. */
export async function hasSession(stores: SessionStores, remote: string): Promise<boolean> {
  const record = await stores.session.getSession(address(remote));
  return record?.hasCurrentState() ?? false;
}

/**
 * Starts a session with `remote` from its prekey bundle (PQXDH initiator side). The bundle's
 * identity key must be the one the identity store trusts for `remote`.
 */
export async function startSession(
  stores: SessionStores,
  remote: string,
  bundle: PreKeyBundleInput,
  options: { now?: number } = {},
): Promise<void> {
  const prekeyBundle = PreKeyBundle.new(
    bundle.registrationId,
    DEVICE_ID,
    null,
    null,
    bundle.signedPreKey.id,
    PublicKey.deserialize(bundle.signedPreKey.key.slice()),
    bundle.signedPreKey.signature.slice(),
    PublicKey.deserialize(bundle.identityKey.slice()),
    bundle.kyberPreKey.id,
    KEMPublicKey.deserialize(bundle.kyberPreKey.key.slice()),
    bundle.kyberPreKey.signature.slice(),
  );
  await translate("start a session", () =>
    processPreKeyBundle(
      prekeyBundle,
      address(remote),
      address(stores.localAddress),
      stores.session,
      stores.identity,
      options.now === undefined ? undefined : new Date(options.now),
    ));
}

/** Encrypts for `remote` with the existing session; returns `TYPE || message`. */
export async function sessionEncrypt(
  stores: SessionStores,
  remote: string,
  plaintext: Uint8Array,
  options: { now?: number } = {},
): Promise<Uint8Array> {
  if (!(await hasSession(stores, remote))) {
    throw new SessionError("no_session", "No session with this contact");
  }
  const message = await translate("encrypt", () =>
    signalEncrypt(
      plaintext.slice(),
      address(remote),
      address(stores.localAddress),
      stores.session,
      stores.identity,
      options.now === undefined ? undefined : new Date(options.now),
    ));
  const body = message.serialize();
  const out = new Uint8Array(1 + body.length);
  out[0] = message.type();
  out.set(body, 1);
  return out;
}

/** Decrypts `TYPE || message` from `remote`, starting the session if it is a PreKey message. */
export async function sessionDecrypt(
  stores: SessionStores,
  remote: string,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  if (ciphertext.length < 2) {
    throw new SessionError("invalid_message", "Cannot decrypt: message is truncated");
  }
  const body = ciphertext.slice(1);
  const remoteAddress = address(remote);
  const localAddress = address(stores.localAddress);
  if (ciphertext[0] === TYPE_PREKEY) {
    const message = await translate("decrypt", () => PreKeySignalMessage.deserialize(body));
    return await translate("decrypt", () =>
      signalDecryptPreKey(
        message,
        remoteAddress,
        localAddress,
        stores.session,
        stores.identity,
        stores.preKey,
        stores.signedPreKey,
        stores.kyberPreKey,
      ));
  }
  if (ciphertext[0] === TYPE_MESSAGE) {
    const message = await translate("decrypt", () => SignalMessage.deserialize(body));
    return await translate(
      "decrypt",
      () => signalDecrypt(message, remoteAddress, localAddress, stores.session, stores.identity),
    );
  }
  throw new SessionError(
    "invalid_message",
    `Cannot decrypt: unknown message type ${ciphertext[0]}`,
  );
}

/** `prekey` or `message` for a framed ciphertext (no decryption). */
export function sessionMessageType(ciphertext: Uint8Array): "prekey" | "message" | "unknown" {
  if (ciphertext[0] === TYPE_PREKEY) return "prekey";
  if (ciphertext[0] === TYPE_MESSAGE) return "message";
  return "unknown";
}

/** Runs a libsignal call and maps its failures to SessionError reasons. */
async function translate<T>(
  action: "start a session" | "encrypt" | "decrypt",
  fn: () => T | Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SessionError) throw err;
    if (err instanceof LibSignalErrorBase) {
      switch (err.code) {
        case ErrorCode.DuplicatedMessage:
          throw new SessionError(
            "duplicate",
            "Cannot decrypt: message was already received (replay), or is too old",
            { cause: err },
          );
        case ErrorCode.UntrustedIdentity:
          throw new SessionError(
            "untrusted_identity",
            `Cannot ${action}: the contact's identity key does not match its card`,
            { cause: err, hint: "import the contact's new card with --replace after verifying it" },
          );
        case ErrorCode.InvalidSession:
          throw new SessionError("no_session", "No usable session with this contact", {
            cause: err,
          });
      }
    }
    const detail = err instanceof Error ? err.message : String(err);
    if (detail.includes(KYBER_REPLAY)) {
      throw new SessionError(
        "duplicate",
        "Cannot decrypt: this session-starting message was already used (replay)",
        { cause: err },
      );
    }
    if (/session.*not found|no session/i.test(detail)) {
      throw new SessionError("no_session", "No session with this contact", { cause: err });
    }
    if (action !== "decrypt") {
      throw new SessionError("invalid_message", `Cannot ${action}: ${detail}`, { cause: err });
    }
    throw new SessionError("invalid_message", "Cannot decrypt: message failed authentication", {
      cause: err,
    });
  }
}
