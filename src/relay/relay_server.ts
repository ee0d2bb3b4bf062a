/**
 * The relay's listener: a loopback TCP port (that the onion service's port 80 maps to) where every
 * stream gets a fresh challenge, carries one request and gets one reply, then closes. Frames are
 * Legion's padded frames (src/transport/framed_stream.ts); there is no hello — depositors are
 * anonymous by design and owners sign the challenge instead.
 *
 * Bounds: at most `maxStreams` streams at once (more are dropped on arrival), a request must
 * arrive within `requestTimeoutMs`, and frames are capped at the 1 MiB frame limit.
 */
import { createServer, type Server, type Socket } from "node:net";
import { socketChannel } from "../transport/byte_channel.ts";
import { FramedStream } from "../transport/framed_stream.ts";
import { encodeChallenge } from "../protocol/relay_wire.ts";
import type { Refusal } from "../protocol/relay_wire.ts";
import type { RelayService, RequestKind } from "./relay_service.ts";

export const DEFAULT_MAX_STREAMS = 64;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface RelayServerOptions {
  maxStreams?: number;
  requestTimeoutMs?: number;
  /** Called after each request (for events): what was asked and how it ended. */
  onRequest?: (kind: RequestKind, refusal: Refusal | undefined) => void;
  /** Called when handling failed unexpectedly (the stream is dropped). */
  onError?: (err: unknown) => void;
}

export interface RelayListener {
  port: number;
  close(): Promise<void>;
}

/** Serves `service` on 127.0.0.1 (port 0: any free one). */
export async function listenRelay(
  service: RelayService,
  options: RelayServerOptions = {},
  port = 0,
): Promise<RelayListener> {
  const sockets = new Set<Socket>();
  const max = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  const server = createServer((socket) => {
    if (sockets.size >= max) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    void serveStream(service, socket, options);
  });
  const bound = await listenLoopback(server, port);
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close: () =>
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function serveStream(
  service: RelayService,
  socket: Socket,
  options: RelayServerOptions,
): Promise<void> {
  const stream = new FramedStream(socketChannel(socket), {
    readTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    idleTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxQueuedFrames: 1,
  });
  try {
    const challenge = service.challenge();
    await stream.send(encodeChallenge(challenge));
    const request = await stream.receive();
    const { kind, reply, refusal } = await service.handle(request, challenge);
    await stream.send(reply);
    options.onRequest?.(kind, refusal);
    stream.close();
  } catch (err) {
    // Timeouts, resets and oversized frames end the stream; only real failures are reported.
    if ((err as Error)?.name !== "StreamError") options.onError?.(err);
    stream.destroy();
  }
}

function listenLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address && typeof address === "object") resolve(address.port);
      else reject(new Error("no listening port"));
    });
  });
}
