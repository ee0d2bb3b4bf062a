/**
 * An in-memory stand-in for Tor with the same Transport interface and the same hello and framing
 * code, for fast unit tests. Nodes on one MemoryNetwork reach each other by onion address.
 *
 * Fault injection: `setReachable(onion, false)` makes dials fail like an offline peer;
 * `rawDial(onion)` returns the dialer's end of a raw channel for sending arbitrary bytes.
 */
import type { ByteChannel, ChannelHandlers } from "./byte_channel.ts";
import { dialHandshake } from "./hello_handshake.ts";
import { fetchCardOver } from "./card_fetch.ts";
import { InboundAcceptor } from "./inbound_acceptor.ts";
import type { FramedStream } from "./framed_stream.ts";
import type { InboundHandler, Listener, Transport, TransportOptions } from "./transport.ts";
import { onionAddress, onionPublicKey } from "../crypto/onion.ts";
import { TransportError } from "./transport_error.ts";

export class MemoryNetwork {
  readonly #listeners = new Map<string, InboundAcceptor>();
  readonly #unreachable = new Set<string>();

  /** A transport for one node on this network. */
  transport(options: TransportOptions): Transport {
    return new MemoryTransport(this, options);
  }

  setReachable(onion: string, reachable: boolean): void {
    if (reachable) this.#unreachable.delete(normalise(onion));
    else this.#unreachable.add(normalise(onion));
  }

  /** Opens a raw channel to a listening node; the far end goes through its acceptor. */
  rawDial(onion: string): ByteChannel {
    const acceptor = this.#listeners.get(normalise(onion));
    if (!acceptor || this.#unreachable.has(normalise(onion))) {
      throw new TransportError("peer_unreachable", `Cannot reach ${onion}: not listening`);
    }
    const [near, far] = memoryChannelPair();
    void acceptor.accept(far);
    return near;
  }

  /** @internal used by MemoryTransport */
  register(onion: string, acceptor: InboundAcceptor): void {
    if (this.#listeners.has(onion)) throw new TypeError(`${onion} is already listening`);
    this.#listeners.set(onion, acceptor);
  }

  /** @internal used by MemoryTransport */
  unregister(onion: string): void {
    this.#listeners.get(onion)?.destroyAll();
    this.#listeners.delete(onion);
  }
}

class MemoryTransport implements Transport {
  readonly onion: string;

  constructor(readonly network: MemoryNetwork, readonly options: TransportOptions) {
    this.onion = `${onionAddress(options.identity.publicKey)}.onion`;
  }

  async dial(onion: string): Promise<FramedStream> {
    const recipientKey = onionPublicKey(onion);
    if (!recipientKey) throw new TransportError("bad_address", `Not an onion address: ${onion}`);
    const channel = this.network.rawDial(onion);
    return await dialHandshake(channel, {
      identity: this.options.identity,
      recipientKey,
      now: (this.options.now ?? Date.now)(),
      timeoutMs: this.options.helloTimeoutMs,
      stream: this.options.stream,
    });
  }

  async fetchCard(onion: string, hash: Uint8Array): Promise<string> {
    if (!onionPublicKey(onion)) {
      throw new TransportError("bad_address", `Not an onion address: ${onion}`);
    }
    return await fetchCardOver(this.network.rawDial(onion), hash, this.options.helloTimeoutMs);
  }

  listen(handler: InboundHandler): Promise<Listener> {
    const acceptor = new InboundAcceptor(this.options, handler);
    this.network.register(this.onion, acceptor);
    let closed = false;
    return Promise.resolve({
      onion: this.onion,
      close: () => {
        if (!closed) this.network.unregister(this.onion);
        closed = true;
        return Promise.resolve();
      },
    });
  }
}

/** Two connected in-memory channel ends; bytes are copied and delivered asynchronously in order. */
export function memoryChannelPair(): [ByteChannel, ByteChannel] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class MemoryEnd implements ByteChannel {
  peer!: MemoryEnd;
  #handlers: ChannelHandlers | undefined;
  #inbox: Array<Uint8Array | null> = [];
  #paused = false;
  #ended = false;
  #writable = true;
  #scheduled = false;
  #unreportedEnd: Error | undefined;

  start(handlers: ChannelHandlers): void {
    if (this.#handlers) throw new TypeError("channel already started");
    this.#handlers = handlers;
    if (this.#unreportedEnd) queueMicrotask(() => handlers.end(this.#unreportedEnd));
    this.#schedule();
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.#writable || this.#ended) return Promise.reject(new Error("connection closed"));
    this.peer.#deliver(bytes.slice());
    return Promise.resolve();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  close(): void {
    if (!this.#writable) return;
    this.#writable = false;
    this.peer.#deliver(null);
  }

  destroy(): void {
    this.#writable = false;
    this.#finish(new Error("connection destroyed"));
    this.peer.#finish(new Error("connection reset by peer"));
  }

  #deliver(chunk: Uint8Array | null): void {
    if (this.#ended) return;
    this.#inbox.push(chunk);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#handlers && !this.#paused && !this.#ended && this.#inbox.length > 0) {
      const chunk = this.#inbox.shift()!;
      if (chunk === null) {
        this.#ended = true;
        this.#handlers.end();
      } else this.#handlers.data(chunk);
    }
  }

  #finish(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#inbox = [];
    if (this.#handlers) this.#handlers.end(error);
    else this.#unreportedEnd = error;
  }
}

function normalise(onion: string): string {
  const lower = onion.toLowerCase();
  return lower.endsWith(".onion") ? lower : `${lower}.onion`;
}
