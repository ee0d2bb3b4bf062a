/**
 * The real transport: inbound streams arrive from tor at a loopback TCP listener that the onion
 * service's virtual port 80 maps to; outbound streams go through tor's SOCKS port.
 */
import { createServer, type Server, type Socket } from "node:net";
import { socketChannel } from "./byte_channel.ts";
import { dialHandshake } from "./hello_handshake.ts";
import { fetchCardOver } from "./card_fetch.ts";
import { InboundAcceptor } from "./inbound_acceptor.ts";
import { publishOnion, type PublishOptions } from "./onion_service.ts";
import { dialSocks, type SocksDialOptions } from "./socks_dialer.ts";
import type { FramedStream } from "./framed_stream.ts";
import type { TorInstance } from "./tor_process.ts";
import type {
  DialOptions,
  InboundHandler,
  Listener,
  Transport,
  TransportOptions,
} from "./transport.ts";
import { onionAddress, onionPublicKey } from "../crypto/onion.ts";
import { TransportError } from "./transport_error.ts";

export interface TorTransportOptions extends TransportOptions {
  tor: Pick<TorInstance, "control" | "socks">;
  /** SOCKS attempts, timeouts and backoff. */
  socks?: Omit<SocksDialOptions, "signal">;
  /** How long to wait for the descriptor upload (default 120 s). */
  publishTimeoutMs?: number;
  /** ADD_ONION's `MaxStreams` per rendezvous circuit (default 8; the circuit is closed beyond it). */
  maxStreamsPerCircuit?: number;
  /** Tor's PoW defence and its queue (default on: 25 requests/s, burst 250); `false` for off. */
  pow?: PublishOptions["pow"];
}

export class TorTransport implements Transport {
  readonly onion: string;
  /** Seconds the last `listen()` waited for its descriptor upload. */
  publishSeconds = 0;
  /** Whether the last `listen()` got tor's proof-of-work defence. */
  pow = false;

  constructor(readonly options: TorTransportOptions) {
    this.onion = `${onionAddress(options.identity.publicKey)}.onion`;
  }

  async dial(onion: string, options: DialOptions = {}): Promise<FramedStream> {
    const recipientKey = onionPublicKey(onion);
    if (!recipientKey) throw new TransportError("bad_address", `Not an onion address: ${onion}`);
    const address = onion.endsWith(".onion") ? onion : `${onion}.onion`;
    const socket = await dialSocks(this.options.tor.socks, address, {
      ...this.options.socks,
      signal: options.signal,
    });
    socket.setNoDelay(true);
    // An abort during the hello destroys the socket, which ends the handshake's wait at once.
    const abort = () => socket.destroy();
    options.signal?.addEventListener("abort", abort, { once: true });
    try {
      const stream = await dialHandshake(socketChannel(socket), {
        identity: this.options.identity,
        recipientKey,
        now: (this.options.now ?? Date.now)(),
        timeoutMs: this.options.helloTimeoutMs,
        stream: this.options.stream,
      });
      if (options.signal?.aborted) stream.destroy();
      options.signal?.throwIfAborted();
      return stream;
    } catch (err) {
      options.signal?.throwIfAborted();
      throw err;
    } finally {
      options.signal?.removeEventListener("abort", abort);
    }
  }

  async fetchCard(onion: string, hash: Uint8Array, options: DialOptions = {}): Promise<string> {
    if (!onionPublicKey(onion)) {
      throw new TransportError("bad_address", `Not an onion address: ${onion}`);
    }
    const address = onion.endsWith(".onion") ? onion : `${onion}.onion`;
    const socket = await dialSocks(this.options.tor.socks, address, {
      ...this.options.socks,
      signal: options.signal,
    });
    socket.setNoDelay(true);
    const abort = () => socket.destroy();
    options.signal?.addEventListener("abort", abort, { once: true });
    try {
      return await fetchCardOver(socketChannel(socket), hash, this.options.helloTimeoutMs);
    } finally {
      options.signal?.removeEventListener("abort", abort);
      options.signal?.throwIfAborted();
    }
  }

  async listen(handler: InboundHandler): Promise<Listener> {
    const acceptor = new InboundAcceptor(this.options, handler);
    const sockets = new Set<Socket>();
    const server = createServer({ pauseOnConnect: false }, (socket) => {
      sockets.add(socket);
      socket.setNoDelay(true); // small frames must not wait for Nagle + delayed ACK (≈40 ms)
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => {}); // reported through the channel
      void acceptor.accept(socketChannel(socket));
    });
    const port = await listenLoopback(server);
    let published;
    try {
      published = await publishOnion(
        this.options.tor.control,
        this.options.identity,
        { host: "127.0.0.1", port },
        {
          timeoutMs: this.options.publishTimeoutMs,
          maxStreams: this.options.maxStreamsPerCircuit,
          pow: this.options.pow,
        },
      );
    } catch (err) {
      server.close();
      throw err;
    }
    this.publishSeconds = published.publishSeconds;
    this.pow = published.pow;
    let closing: Promise<void> | undefined;
    return {
      onion: published.onion,
      close: () =>
        closing ??= (async () => {
          await published.remove();
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          acceptor.destroyAll();
          for (const socket of sockets) socket.destroy();
          await closed;
        })(),
    };
  }
}

function listenLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address && typeof address === "object") resolve(address.port);
      else reject(new Error("no listening port"));
    });
  });
}
