/**
 * The hello: the first frame a dialer sends on a new stream, proving it holds a key the listener
 * knows, bound to this listener and to this moment.
 *
 *   hello     = "LGH1" (4) || dialer_key (32) || recipient_key (32) || nonce (16)
 *               || timestamp_ms (u64, big-endian) (8) || signature (64)           = 156 bytes
 *               timestamp_ms: 2020 ≤ t < 2200 (timestamp.ts), else the hello is malformed
 *   signature = Ed25519(dialer, "legion/v1/hello" || hello[0..92])                 (RFC 8032)
 *   ack       = "LGA1" (4) || nonce (16)                                          = 20 bytes
 *
 * `recipient_key` is the Ed25519 key inside the recipient's onion address, so a hello for one node
 * is useless at any other. The listener checks, cheapest first: shape, recipient, clock window,
 * known key, replay, and only then the signature — a stranger costs a few comparisons, or one
 * signature verification per stream if it names a contact's (public) key (docs/security.md,
 * "Traced, not reproduced"). On any failure the listener closes the stream without a word; on
 * success it answers with the ack echoing the nonce.
 */
import { sodium } from "../crypto/sodium.ts";
import { HelloError } from "./hello_error.ts";
import type { KnownPeers } from "./known_peers.ts";
import type { ReplayCache } from "./replay_cache.ts";
import { isWireTimestamp } from "./timestamp.ts";

export const HELLO_MAGIC = new TextEncoder().encode("LGH1");
export const ACK_MAGIC = new TextEncoder().encode("LGA1");
export const HELLO_DOMAIN = new TextEncoder().encode("legion/v1/hello");
export const NONCE_BYTES = 16;
export const SIGNED_BYTES = 4 + 32 + 32 + NONCE_BYTES + 8;
export const HELLO_BYTES = SIGNED_BYTES + 64;
export const ACK_BYTES = 4 + NONCE_BYTES;
/** Default accepted clock difference, either direction. */
export const DEFAULT_CLOCK_WINDOW_MS = 5 * 60_000;

export interface HelloFields {
  dialerKey: Uint8Array;
  recipientKey: Uint8Array;
  nonce: Uint8Array;
  timestampMs: number;
}

export interface Signer {
  /** Ed25519 seed (32 bytes). */
  seed: Uint8Array;
  /** The matching public key (32 bytes). */
  publicKey: Uint8Array;
}

/** Builds and signs a hello from `signer` to `recipientKey`. */
export async function createHello(
  signer: Signer,
  recipientKey: Uint8Array,
  options: { nonce: Uint8Array; timestampMs: number },
): Promise<Uint8Array> {
  assertLength(signer.seed, 32, "seed");
  assertLength(signer.publicKey, 32, "publicKey");
  assertLength(recipientKey, 32, "recipientKey");
  assertLength(options.nonce, NONCE_BYTES, "nonce");
  if (!isWireTimestamp(options.timestampMs)) {
    throw new RangeError("timestampMs must be an integer ms time from 2020 to 2200");
  }
  const hello = new Uint8Array(HELLO_BYTES);
  hello.set(HELLO_MAGIC, 0);
  hello.set(signer.publicKey, 4);
  hello.set(recipientKey, 36);
  hello.set(options.nonce, 68);
  new DataView(hello.buffer).setBigUint64(84, BigInt(options.timestampMs));
  const na = await sodium();
  const { privateKey } = na.crypto_sign_seed_keypair(signer.seed);
  try {
    hello.set(na.crypto_sign_detached(signedMessage(hello), privateKey), SIGNED_BYTES);
  } finally {
    privateKey.fill(0);
  }
  return hello;
}

/**
 * Splits a hello into its fields, checking only its shape (length, magic, timestamp range).
 * @throws {HelloError} `bad_length`, `bad_magic` or `bad_timestamp`
 */
export function decodeHello(hello: Uint8Array): HelloFields {
  if (hello.length !== HELLO_BYTES) {
    throw new HelloError(
      "bad_length",
      `Cannot read hello: ${hello.length} bytes, not ${HELLO_BYTES}`,
    );
  }
  if (!startsWith(hello, HELLO_MAGIC)) {
    throw new HelloError("bad_magic", "Cannot read hello: bad magic");
  }
  const timestamp = new DataView(hello.buffer, hello.byteOffset, hello.byteLength)
    .getBigUint64(84);
  if (!isWireTimestamp(timestamp)) {
    throw new HelloError("bad_timestamp", `Cannot read hello: timestamp ${timestamp} out of range`);
  }
  return {
    dialerKey: hello.slice(4, 36),
    recipientKey: hello.slice(36, 68),
    nonce: hello.slice(68, 84),
    timestampMs: Number(timestamp),
  };
}

/** {@link decodeHello} that answers `undefined` for a malformed hello instead of throwing. */
export function parseHello(hello: Uint8Array): HelloFields | undefined {
  try {
    return decodeHello(hello);
  } catch (err) {
    if (err instanceof HelloError) return undefined;
    throw err;
  }
}

export type HelloRejection =
  | "malformed"
  | "wrong_recipient"
  | "stale"
  | "unknown_key"
  | "replayed"
  | "bad_signature";

export type HelloVerdict =
  | { ok: true; peerKey: Uint8Array; nonce: Uint8Array }
  | { ok: false; reason: HelloRejection };

export interface VerifyHelloOptions {
  /** This node's Ed25519 public key (the one inside its onion address). */
  selfKey: Uint8Array;
  knownPeers: KnownPeers;
  /** Current time, ms since the epoch. */
  now: number;
  /** Accepted clock difference in either direction (default 5 minutes). */
  windowMs?: number;
  /** When given, a nonce seen within the window is rejected and a good one is recorded. */
  replay?: ReplayCache;
}

/** Checks a received hello; see the module comment for the order of checks. */
export async function verifyHello(
  hello: Uint8Array,
  options: VerifyHelloOptions,
): Promise<HelloVerdict> {
  const fields = parseHello(hello);
  if (!fields) return { ok: false, reason: "malformed" };
  if (!equalBytes(fields.recipientKey, options.selfKey)) {
    return { ok: false, reason: "wrong_recipient" };
  }
  const window = options.windowMs ?? DEFAULT_CLOCK_WINDOW_MS;
  if (Math.abs(options.now - fields.timestampMs) > window) return { ok: false, reason: "stale" };
  if (!options.knownPeers.has(fields.dialerKey)) return { ok: false, reason: "unknown_key" };
  if (options.replay?.has(fields.nonce, options.now)) return { ok: false, reason: "replayed" };
  const na = await sodium();
  const signature = hello.subarray(SIGNED_BYTES);
  let valid = false;
  try {
    valid = na.crypto_sign_verify_detached(signature, signedMessage(hello), fields.dialerKey);
  } catch {
    valid = false; // e.g. a key that is not a curve point
  }
  if (!valid) return { ok: false, reason: "bad_signature" };
  options.replay?.add(fields.nonce, fields.timestampMs + window, options.now);
  return { ok: true, peerKey: fields.dialerKey, nonce: fields.nonce };
}

/** The listener's answer to an accepted hello. */
export function createAck(nonce: Uint8Array): Uint8Array {
  assertLength(nonce, NONCE_BYTES, "nonce");
  const ack = new Uint8Array(ACK_BYTES);
  ack.set(ACK_MAGIC, 0);
  ack.set(nonce, 4);
  return ack;
}

/** True when `ack` answers the hello that carried `nonce`. */
export function isAckFor(ack: Uint8Array, nonce: Uint8Array): boolean {
  return ack.length === ACK_BYTES && startsWith(ack, ACK_MAGIC) &&
    equalBytes(ack.subarray(4), nonce);
}

function signedMessage(hello: Uint8Array): Uint8Array {
  const message = new Uint8Array(HELLO_DOMAIN.length + SIGNED_BYTES);
  message.set(HELLO_DOMAIN, 0);
  message.set(hello.subarray(0, SIGNED_BYTES), HELLO_DOMAIN.length);
  return message;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return equalBytes(bytes.subarray(0, prefix.length), prefix);
}

/** Comparison of public values; constant time is not needed here. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertLength(bytes: Uint8Array, length: number, name: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes`);
  }
}
