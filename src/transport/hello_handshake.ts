/**
 * The hello exchange on a fresh channel (format: src/protocol/hello.ts).
 *
 * Dialer: send hello, wait for the ack echoing its nonce. Listener: read one frame with the body cap
 * lowered to the smallest bucket (256 B — a stranger cannot make it buffer more), verify it, and
 * either answer with the ack or destroy the channel without a word. Between a valid hello and the ack,
 * `admit` may still refuse a known peer (the listener's bounds on authenticated streams).
 */
import { randomBytes } from "node:crypto";
import type { ByteChannel } from "./byte_channel.ts";
import { FramedStream, type FramedStreamOptions } from "./framed_stream.ts";
import { StreamError } from "./stream_error.ts";
import {
  createAck,
  createHello,
  type HelloRejection,
  isAckFor,
  NONCE_BYTES,
  type Signer,
  verifyHello,
} from "../protocol/hello.ts";
import { BUCKETS, MAX_BODY } from "../protocol/padding.ts";
import { createCardReply, parseCardRequest } from "../protocol/card_request.ts";
import type { KnownPeers } from "../protocol/known_peers.ts";
import type { ReplayCache } from "../protocol/replay_cache.ts";
import { TransportError } from "./transport_error.ts";

/** How long a dialer waits for the listener's ack. */
export const DEFAULT_HELLO_TIMEOUT_MS = 30_000;
/** How long a listener waits for an inbound stream's hello. */
export const DEFAULT_HELLO_DEADLINE_MS = 5_000;

/** Why a listener refused a peer whose hello was valid. */
export type AdmissionRefusal = "busy" | "peer_limit";

/** A stream that asked for the card instead of saying hello: served (or dropped) and closed. */
export type CardRequestOutcome = "card_served" | "card_refused";

export interface DialHandshakeOptions {
  identity: Signer;
  /** The Ed25519 key inside the recipient's onion address. */
  recipientKey: Uint8Array;
  now: number;
  /** Fresh random nonce unless given (tests). */
  nonce?: Uint8Array;
  timeoutMs?: number;
  stream?: FramedStreamOptions;
}

/**
 * Runs the dialer's side and returns the stream, ready for frames.
 * @throws {TransportError} `peer_refused` when the peer drops the hello or does not answer
 */
export async function dialHandshake(
  channel: ByteChannel,
  options: DialHandshakeOptions,
): Promise<FramedStream> {
  const stream = new FramedStream(channel, options.stream);
  const nonce = options.nonce ?? new Uint8Array(randomBytes(NONCE_BYTES));
  try {
    await stream.send(
      await createHello(options.identity, options.recipientKey, {
        nonce,
        timestampMs: options.now,
      }),
    );
    const ack = await stream.receive({
      timeoutMs: options.timeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    });
    if (!isAckFor(ack, nonce)) throw new StreamError("protocol", "The peer sent no valid ack");
    return stream;
  } catch (err) {
    stream.destroy();
    const detail = err instanceof StreamError && err.reason === "timeout"
      ? "it did not answer our hello"
      : "it dropped our hello (are we its contact? are the clocks right?)";
    throw new TransportError("peer_refused", `The peer refused the stream: ${detail}`, {
      cause: err,
    });
  }
}

export interface AcceptHandshakeOptions {
  selfKey: Uint8Array;
  knownPeers: KnownPeers;
  now: () => number;
  windowMs?: number;
  replay?: ReplayCache;
  /** Hello deadline (default {@link DEFAULT_HELLO_DEADLINE_MS}). */
  timeoutMs?: number;
  stream?: FramedStreamOptions;
  /**
   * Called synchronously once the hello is valid, before the ack: returns why the peer is refused,
   * or null to admit it (the caller then holds whatever slot it reserved).
   */
  admit?: (peerKey: Uint8Array) => AdmissionRefusal | null;
  /**
   * Answers a stranger's card request (src/protocol/card_request.ts): the card text whose SHA-256
   * is `hash`, or undefined to drop the stream. Without it a card request is a malformed hello.
   */
  serveCard?: (hash: Uint8Array) => string | undefined;
}

export type AcceptResult =
  | { ok: true; stream: FramedStream; peerKey: Uint8Array }
  | {
    ok: false;
    reason: HelloRejection | "timeout" | AdmissionRefusal | CardRequestOutcome;
    admitted: boolean;
  };

/** Runs the listener's side; on rejection the channel is already destroyed. */
export async function acceptHandshake(
  channel: ByteChannel,
  options: AcceptHandshakeOptions,
): Promise<AcceptResult> {
  const stream = new FramedStream(channel, { ...options.stream, maxBody: BUCKETS[0] });
  let hello: Uint8Array;
  try {
    hello = await stream.receive({ timeoutMs: options.timeoutMs ?? DEFAULT_HELLO_DEADLINE_MS });
  } catch (err) {
    stream.destroy();
    const timedOut = err instanceof StreamError && err.reason === "timeout";
    return { ok: false, reason: timedOut ? "timeout" : "malformed", admitted: false };
  }
  const cardHash = options.serveCard ? parseCardRequest(hello) : undefined;
  if (cardHash !== undefined) {
    const served = await answerCardRequest(stream, options.serveCard!(cardHash), options.timeoutMs);
    return { ok: false, reason: served ? "card_served" : "card_refused", admitted: false };
  }
  const verdict = await verifyHello(hello, {
    selfKey: options.selfKey,
    knownPeers: options.knownPeers,
    now: options.now(),
    windowMs: options.windowMs,
    replay: options.replay,
  });
  if (!verdict.ok) {
    stream.destroy();
    return { ...verdict, admitted: false };
  }
  if (stream.isClosed) {
    // Torn down (e.g. evicted) while the signature was checked.
    return { ok: false, reason: "timeout", admitted: false };
  }
  const refusal = options.admit?.(verdict.peerKey) ?? null;
  if (refusal !== null) {
    stream.destroy();
    return { ok: false, reason: refusal, admitted: false };
  }
  stream.setMaxBody(options.stream?.maxBody ?? MAX_BODY);
  try {
    await stream.send(createAck(verdict.nonce));
  } catch {
    stream.destroy();
    return { ok: false, reason: "timeout", admitted: true };
  }
  return { ok: true, stream, peerKey: verdict.peerKey };
}

/**
 * Sends the card (if any) as the one reply frame and closes the stream; the whole exchange shares
 * the hello deadline, so a reader that never drains the reply holds its slot no longer.
 */
async function answerCardRequest(
  stream: FramedStream,
  card: string | undefined,
  timeoutMs = DEFAULT_HELLO_DEADLINE_MS,
): Promise<boolean> {
  if (card === undefined || stream.isClosed) {
    stream.destroy();
    return false;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<false>((resolve) =>
    timer = setTimeout(() => resolve(false), timeoutMs)
  );
  try {
    const sent = await Promise.race([
      stream.send(createCardReply(card)).then(() => true),
      deadline,
    ]);
    if (!sent) {
      stream.destroy();
      return false;
    }
    stream.close();
    return true;
  } catch {
    stream.destroy();
    return false;
  } finally {
    clearTimeout(timer);
  }
}
