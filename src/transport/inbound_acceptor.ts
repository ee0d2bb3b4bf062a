/**
 * What every listener does with a new inbound channel: admission, the hello, the handler, and
 * closing the stream when the handler is done.
 *
 * Admission keeps two pools apart, so that strangers cannot lock contacts out:
 * - streams still in their hello sit in a small pool (`maxHandshaking`, default 16) with a short
 *   deadline (`helloDeadlineMs`, default 5 s). When the pool is full, a new stream evicts the one
 *   that has waited longest: a flood of silent streams costs each of them its slot within
 *   `maxHandshaking` arrivals, while an honest dialer's hello (one round trip) gets through.
 * - streams whose hello proved a known peer (a contact, or a group peer: `knownPeers`) move to the
 *   authenticated pool (`maxInbound`, default 32), at most `maxPerPeer` (default 4) from any one. Nobody enters it without a valid hello,
 *   so strangers never hold one of its slots; a contact over its share is refused after its hello.
 * The one thing a stranger gets is the node's card, named by hash (src/protocol/card_request.ts):
 * its request stays in the hello pool and under the hello deadline, and replies are rate-limited.
 */
import type { ByteChannel } from "./byte_channel.ts";
import { acceptHandshake, type AdmissionRefusal } from "./hello_handshake.ts";
import type { InboundHandler, TransportOptions } from "./transport.ts";
import { ReplayCache } from "../protocol/replay_cache.ts";
import { onionAddress } from "../crypto/onion.ts";
import { toHex } from "../crypto/hex.ts";

export const DEFAULT_MAX_INBOUND = 32;
export const DEFAULT_MAX_HANDSHAKING = 16;
export const DEFAULT_MAX_PER_PEER = 4;
export const DEFAULT_MAX_CARD_REPLIES_PER_MINUTE = 30;

export class InboundAcceptor {
  /** Channels still in their hello, oldest first (a Set keeps insertion order). */
  readonly #handshaking = new Set<ByteChannel>();
  readonly #evicted = new WeakSet<ByteChannel>();
  readonly #perPeer = new Map<string, number>();
  #authenticated = 0;
  readonly #replay = new ReplayCache();
  readonly #channels = new Set<ByteChannel>();
  /** When recent card replies were granted (ms), oldest first. */
  #cardReplies: number[] = [];

  constructor(
    private readonly options: TransportOptions,
    private readonly handler: InboundHandler,
  ) {}

  /** Streams open at once: in their hello or in a handler. */
  get open(): number {
    return this.#handshaking.size + this.#authenticated;
  }

  /** Streams still in their hello. */
  get handshaking(): number {
    return this.#handshaking.size;
  }

  /** Streams admitted after a valid hello (in a handler). */
  get authenticated(): number {
    return this.#authenticated;
  }

  async accept(channel: ByteChannel): Promise<void> {
    const oldest = this.#handshaking.values().next().value;
    if (
      oldest && this.#handshaking.size >= (this.options.maxHandshaking ?? DEFAULT_MAX_HANDSHAKING)
    ) {
      this.#handshaking.delete(oldest);
      this.#evicted.add(oldest);
      oldest.destroy();
    }
    this.#handshaking.add(channel);
    this.#channels.add(channel);
    let peerKey: string | undefined;
    try {
      const result = await acceptHandshake(channel, {
        selfKey: this.options.identity.publicKey,
        knownPeers: this.options.knownPeers,
        now: this.options.now ?? Date.now,
        windowMs: this.options.helloWindowMs,
        replay: this.#replay,
        timeoutMs: this.options.helloDeadlineMs,
        stream: this.options.stream,
        serveCard: this.options.cards ? (hash) => this.#serveCard(hash) : undefined,
        admit: (key) => {
          const refusal = this.#admit(channel, toHex(key));
          if (refusal === null) peerKey = toHex(key);
          return refusal;
        },
      });
      if (!result.ok) {
        this.options.onReject?.(this.#evicted.has(channel) ? "evicted" : result.reason);
        return;
      }
      const peer = {
        publicKey: result.peerKey,
        onion: `${onionAddress(result.peerKey)}.onion`,
      };
      try {
        await this.handler(result.stream, peer);
      } catch {
        // A failing handler only loses its own stream.
      } finally {
        result.stream.close();
      }
    } finally {
      this.#handshaking.delete(channel);
      this.#channels.delete(channel);
      if (peerKey !== undefined) this.#release(peerKey);
    }
  }

  /** Destroys every open inbound channel. */
  destroyAll(): void {
    for (const channel of this.#channels) channel.destroy();
  }

  /** Moves a channel with a valid hello into the authenticated pool, or says why not. */
  #admit(channel: ByteChannel, key: string): AdmissionRefusal | null {
    if (this.#authenticated >= (this.options.maxInbound ?? DEFAULT_MAX_INBOUND)) return "busy";
    const held = this.#perPeer.get(key) ?? 0;
    if (held >= (this.options.maxPerPeer ?? DEFAULT_MAX_PER_PEER)) return "peer_limit";
    this.#handshaking.delete(channel);
    this.#perPeer.set(key, held + 1);
    this.#authenticated++;
    return null;
  }

  /** The card a stranger names, within the rate limit (a refused request costs no budget). */
  #serveCard(hash: Uint8Array): string | undefined {
    const now = (this.options.now ?? Date.now)();
    this.#cardReplies = this.#cardReplies.filter((t) => now - t < 60_000);
    const limit = this.options.maxCardRepliesPerMinute ?? DEFAULT_MAX_CARD_REPLIES_PER_MINUTE;
    if (this.#cardReplies.length >= limit) return undefined;
    const card = this.options.cards?.(hash);
    if (card !== undefined) this.#cardReplies.push(now);
    return card;
  }

  #release(key: string): void {
    this.#authenticated--;
    const held = (this.#perPeer.get(key) ?? 1) - 1;
    if (held > 0) this.#perPeer.set(key, held);
    else this.#perPeer.delete(key);
  }
}
