/**
 * What every listener does with a new inbound channel: count it against the bound on concurrent
 * inbound streams (over the bound it is destroyed at once), run the hello, hand an accepted stream
 * to the handler, and close the stream when the handler is done.
 */
import type { ByteChannel } from "./byte_channel.ts";
import { acceptHandshake } from "./hello_handshake.ts";
import type { InboundHandler, TransportOptions } from "./transport.ts";
import { ReplayCache } from "../protocol/replay_cache.ts";
import { onionAddress } from "../crypto/onion.ts";

export const DEFAULT_MAX_INBOUND = 32;

export class InboundAcceptor {
  #open = 0;
  readonly #replay = new ReplayCache();
  readonly #channels = new Set<ByteChannel>();

  constructor(
    private readonly options: TransportOptions,
    private readonly handler: InboundHandler,
  ) {}

  /** Streams currently open (in hello or in a handler). */
  get open(): number {
    return this.#open;
  }

  async accept(channel: ByteChannel): Promise<void> {
    if (this.#open >= (this.options.maxInbound ?? DEFAULT_MAX_INBOUND)) {
      channel.destroy();
      this.options.onReject?.("busy");
      return;
    }
    this.#open++;
    this.#channels.add(channel);
    try {
      const result = await acceptHandshake(channel, {
        selfKey: this.options.identity.publicKey,
        knownPeers: this.options.knownPeers,
        now: this.options.now ?? Date.now,
        windowMs: this.options.helloWindowMs,
        replay: this.#replay,
        timeoutMs: this.options.helloTimeoutMs,
        stream: this.options.stream,
      });
      if (!result.ok) {
        this.options.onReject?.(result.reason);
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
      this.#channels.delete(channel);
      this.#open--;
    }
  }

  /** Destroys every open inbound channel. */
  destroyAll(): void {
    for (const channel of this.#channels) channel.destroy();
  }
}
