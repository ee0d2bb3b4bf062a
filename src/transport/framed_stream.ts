/**
 * Frames over a byte channel: `send(content)` pads and frames, `receive()` resolves with the next
 * whole frame's content. Wire format: src/protocol/frame.ts and padding.ts.
 *
 * Limits: a body over `maxBody` (by default the 1 MiB hard cap) tears the stream down as soon as its
 * 4-byte header arrives, before anything of it is buffered; at most `maxQueuedFrames` received
 * frames wait for `receive()` before reading pauses; `receive()` gives up after `readTimeoutMs`;
 * a stream with no traffic either way for `idleTimeoutMs` is torn down.
 */
import { encodeFrame, FrameDecoder } from "../protocol/frame.ts";
import { FrameError } from "../protocol/frame_error.ts";
import { MAX_BODY } from "../protocol/padding.ts";
import type { ByteChannel } from "./byte_channel.ts";
import { StreamError } from "./stream_error.ts";

export interface FramedStreamOptions {
  /** Largest accepted frame body (default and maximum: 1 MiB). */
  maxBody?: number;
  /** Default time `receive()` waits (default 60 s). */
  readTimeoutMs?: number;
  /** Tear down after this long without traffic (default 5 min). */
  idleTimeoutMs?: number;
  /** Received frames held for `receive()` before reading pauses (default 16). */
  maxQueuedFrames?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 60_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

interface Waiter {
  resolve: (content: Uint8Array) => void;
  reject: (err: StreamError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

export class FramedStream {
  readonly #channel: ByteChannel;
  readonly #decoder: FrameDecoder;
  readonly #queue: Uint8Array[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #readTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #maxQueued: number;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #error: StreamError | undefined;
  #paused = false;
  #resolveClosed!: (error: StreamError) => void;
  /** Resolves (never rejects) with the reason once the stream has stopped. */
  readonly closed: Promise<StreamError>;

  constructor(channel: ByteChannel, options: FramedStreamOptions = {}) {
    this.#channel = channel;
    this.#decoder = new FrameDecoder(options.maxBody ?? MAX_BODY);
    this.#readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#maxQueued = options.maxQueuedFrames ?? 16;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#touch();
    channel.start({
      data: (chunk) => this.#onData(chunk),
      end: (error) => {
        if (error) this.#stop(new StreamError("reset", `Stream failed: ${error.message}`));
        else {
          try {
            this.#decoder.end();
            this.#stop(new StreamError("closed", "The peer closed the stream"));
          } catch (err) {
            this.#stop(protocolError(err));
          }
        }
      },
    });
  }

  /** Changes the body cap for frames not yet started (the listener keeps it tiny until the hello). */
  setMaxBody(maxBody: number): void {
    this.#decoder.setMaxBody(maxBody);
  }

  /** True once the stream has stopped for any reason. */
  get isClosed(): boolean {
    return this.#error !== undefined;
  }

  /**
   * Sends one frame.
   * @throws {StreamError} when the stream is closed
   * @throws {FrameError} `content_too_large` for content over 1 MiB − 4 bytes
   */
  async send(content: Uint8Array): Promise<void> {
    if (this.#error) throw this.#error;
    const frame = encodeFrame(content);
    this.#touch();
    try {
      await this.#channel.write(frame);
    } catch (err) {
      this.#stop(new StreamError("reset", `Cannot send: ${(err as Error).message}`));
      throw this.#error!;
    }
  }

  /**
   * Resolves with the next frame's content.
   * @throws {StreamError} `closed`, `reset`, `protocol`, `idle` or `local` once the stream stopped;
   * `timeout` after `timeoutMs` (the stream stays usable)
   */
  receive(options: { timeoutMs?: number } = {}): Promise<Uint8Array> {
    const next = this.#queue.shift();
    if (next) {
      this.#maybeResume();
      return Promise.resolve(next);
    }
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      const timeoutMs = options.timeoutMs ?? this.#readTimeoutMs;
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const index = this.#waiters.indexOf(waiter);
          if (index !== -1) this.#waiters.splice(index, 1);
          reject(new StreamError("timeout", `No frame within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
  }

  /** Ends the stream after pending writes (graceful). Idempotent. */
  close(): void {
    if (this.#error) return;
    this.#stop(new StreamError("local", "The stream was closed"));
    this.#channel.close();
  }

  /** Tears the stream down at once, e.g. to drop a stranger without a word. Idempotent. */
  destroy(): void {
    if (!this.#error) this.#stop(new StreamError("local", "The stream was closed"));
    this.#channel.destroy();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#error) return;
    this.#touch();
    let contents: Uint8Array[];
    try {
      contents = this.#decoder.push(chunk);
    } catch (err) {
      this.#stop(protocolError(err));
      this.#channel.destroy();
      return;
    }
    for (const content of contents) {
      const waiter = this.#waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(content);
      } else {
        this.#queue.push(content);
      }
    }
    if (this.#queue.length >= this.#maxQueued && !this.#paused) {
      this.#paused = true;
      this.#channel.pause();
    }
  }

  #maybeResume(): void {
    if (this.#paused && this.#queue.length < this.#maxQueued) {
      this.#paused = false;
      this.#channel.resume();
    }
  }

  #touch(): void {
    if (this.#error) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#stop(new StreamError("idle", `No traffic for ${this.#idleTimeoutMs} ms`));
      this.#channel.destroy();
    }, this.#idleTimeoutMs);
  }

  #stop(error: StreamError): void {
    if (this.#error) return;
    this.#error = error;
    clearTimeout(this.#idleTimer);
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.#resolveClosed(error);
  }
}

function protocolError(err: unknown): StreamError {
  const message = err instanceof FrameError ? err.message : String(err);
  return new StreamError("protocol", `Bad frame from the peer: ${message}`, { cause: err });
}
