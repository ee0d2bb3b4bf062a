/**
 * The transport seam messaging builds on. A real implementation (TorTransport) and an
 * in-memory one (MemoryNetwork) share it and the hello logic behind it.
 *
 * @example
 * ```ts
 * const listener = await transport.listen(async (stream, peer) => {
 *   const request = await stream.receive();
 *   await stream.send(reply(request));
 * }); // the stream is closed when the handler's promise settles
 * const stream = await transport.dial(peerOnion); // hello sent and accepted
 * await stream.send(bytes);
 * ```
 */
import type { FramedStream, FramedStreamOptions } from "./framed_stream.ts";
import type { KnownPeers } from "../protocol/known_peers.ts";
import type { HelloRejection, Signer } from "../protocol/hello.ts";
import type { AdmissionRefusal, CardRequestOutcome } from "./hello_handshake.ts";

/**
 * Why an inbound stream was dropped: its hello was bad or late (`timeout`), it was evicted from the
 * full hello pool by a newer stream (`evicted`), or a valid peer found the authenticated pool full
 * (`busy`) or already held its share of it (`peer_limit`). A stranger's card request ends as
 * `card_served` or `card_refused` (unknown hash, or over the rate limit).
 */
export type InboundRejection =
  | HelloRejection
  | "timeout"
  | "evicted"
  | AdmissionRefusal
  | CardRequestOutcome;

export interface PeerInfo {
  /** The peer's Ed25519 public key, proven by its hello. */
  publicKey: Uint8Array;
  /** The peer's onion address (`….onion`), derived from that key. */
  onion: string;
}

/** Handles one accepted inbound stream; the stream is closed when the returned promise settles. */
export type InboundHandler = (stream: FramedStream, peer: PeerInfo) => void | Promise<void>;

export interface Listener {
  /** This node's onion address (`….onion`). */
  readonly onion: string;
  /** Stops accepting, tears down open inbound streams and unpublishes the service. */
  close(): Promise<void>;
}

export interface DialOptions {
  signal?: AbortSignal;
}

export interface Transport {
  /** This node's onion address (`….onion`). */
  readonly onion: string;
  /**
   * Opens a stream to `onion` and completes the hello.
   * @throws {TransportError} `peer_unreachable` / `peer_refused` (it dropped our hello) or
   * `tor_unavailable` (our tor is down)
   */
  dial(onion: string, options?: DialOptions): Promise<FramedStream>;
  /** Publishes this node and hands every accepted stream to `handler`. One listener at a time. */
  listen(handler: InboundHandler): Promise<Listener>;
  /**
   * Asks `onion` for the card whose SHA-256 is `hash`, without a hello (no contact needed), and
   * returns the text the peer sent; the caller checks its hash and verifies it.
   * @throws {TransportError} `peer_unreachable`, `peer_refused` (no such card) or `tor_unavailable`
   */
  fetchCard(onion: string, hash: Uint8Array, options?: DialOptions): Promise<string>;
}

export interface TransportOptions {
  /** This node's Ed25519 identity (signs hellos; for Tor also the onion service key). */
  identity: Signer;
  /** Who may open streams to this node. */
  knownPeers: KnownPeers;
  /** Clock, ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** Accepted hello clock difference, either direction (default 5 min). */
  helloWindowMs?: number;
  /** How long a dialer waits for the listener's ack to its hello (default 30 s). */
  helloTimeoutMs?: number;
  /** How long an inbound stream has to present its hello (default 5 s). */
  helloDeadlineMs?: number;
  /** Inbound streams still in their hello; a new one evicts the oldest (default 16). */
  maxHandshaking?: number;
  /** Inbound streams admitted after a valid hello, over all peers (default 32). */
  maxInbound?: number;
  /** Inbound streams admitted after a valid hello, per peer (default 4). */
  maxPerPeer?: number;
  /** The unexpired card this node exported whose SHA-256 is `hash`: given to anyone naming it. */
  cards?: (hash: Uint8Array) => string | undefined;
  /** Card requests answered per minute, over all strangers (default 30). */
  maxCardRepliesPerMinute?: number;
  /** Options for every stream after the hello. */
  stream?: FramedStreamOptions;
  /** Told why a hello was dropped (the peer is told nothing). For logs and tests. */
  onReject?: (reason: InboundRejection) => void;
}
