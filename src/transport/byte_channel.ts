/**
 * The seam between framing and the network: a bidirectional byte pipe. A Tor stream (a
 * `node:net` socket from the SOCKS dialer or the onion listener) and the in-memory fake both
 * implement it, so everything above — frames, hello, handlers — runs the same code in unit tests.
 */
import type { Socket } from "node:net";

export interface ChannelHandlers {
  /** Called for each chunk received, in order. */
  data(chunk: Uint8Array): void;
  /** Called exactly once: clean end of stream (no argument) or failure. */
  end(error?: Error): void;
}

export interface ByteChannel {
  /** Starts delivery to `handlers`; call once. */
  start(handlers: ChannelHandlers): void;
  /** Resolves when the bytes are handed to the network (rejects if the channel is gone). */
  write(bytes: Uint8Array): Promise<void>;
  /** Stops reading (backpressure) until `resume()`. */
  pause(): void;
  resume(): void;
  /** Finishes pending writes, then closes. */
  close(): void;
  /** Tears the connection down at once. */
  destroy(): void;
}

/** Wraps a connected `node:net` socket. */
export function socketChannel(socket: Socket): ByteChannel {
  let started = false;
  return {
    start(handlers) {
      if (started) throw new TypeError("channel already started");
      started = true;
      let ended = false;
      const end = (error?: Error) => {
        if (ended) return;
        ended = true;
        handlers.end(error);
      };
      socket.on("data", (chunk: Uint8Array) => handlers.data(new Uint8Array(chunk)));
      socket.on("end", () => end());
      socket.on("error", (err) => end(err));
      socket.on("close", () => end(new Error("connection closed")));
    },
    write(bytes) {
      return new Promise((resolve, reject) => {
        if (socket.destroyed) return reject(new Error("connection closed"));
        socket.write(bytes, (err) => (err ? reject(err) : resolve()));
      });
    },
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    close: () => void socket.end(),
    destroy: () => void socket.destroy(),
  };
}
