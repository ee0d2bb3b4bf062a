/**
 * A client for Tor's control protocol (control-spec.txt): commands are pipelined and their replies
 * matched in order; 650 replies are asynchronous events, dispatched to listeners.
 */
import { connect, type Socket } from "node:net";
import { type ControlReply, ControlReplyParser } from "./control_reply.ts";
import { TorControlError } from "./control_error.ts";
import {
  authenticateControl,
  type ControlAuthOptions,
  parseProtocolInfo,
  type ProtocolInfo,
} from "./control_auth.ts";
import { formatPortAddress, type PortAddress } from "./address.ts";
import { TransportError } from "./transport_error.ts";

export interface AddOnionOptions {
  /** `ED25519-V3:<base64 of the 64-byte expanded secret key>` or `NEW:ED25519-V3`. */
  key: string;
  /** `virtualPort,target` pairs, e.g. `80,127.0.0.1:4711`. */
  ports: string[];
  flags?: string[];
  /** `MaxStreams=N`: streams at once per rendezvous circuit (0 = unlimited, tor's default). */
  maxStreams?: number;
  /** Tor's onion-service proof-of-work defence (tor 0.4.8+, built with the `pow` module). */
  pow?: { queueRate?: number; queueBurst?: number };
}

export type { ProtocolInfo };

export type EventListener = (event: ControlReply) => void;

interface Pending {
  command: string;
  resolve: (reply: ControlReply) => void;
  reject: (err: Error) => void;
}

export class TorControl {
  readonly #socket: Socket;
  readonly #parser = new ControlReplyParser();
  readonly #pending: Pending[] = [];
  readonly #listeners = new Set<EventListener>();
  #closedError: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => this.#onData(text));
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.#fail(new TransportError("tor_unavailable", "The Tor control connection closed"));
        resolve();
      });
    });
    socket.on("error", (err) => this.#fail(torDown(err)));
  }

  /**
   * Connects to a control port.
   * @throws {TransportError} `tor_unavailable` when nothing answers there within `timeoutMs`
   */
  static connect(address: PortAddress, options: { timeoutMs?: number } = {}): Promise<TorControl> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = "path" in address
        ? connect({ path: address.path })
        : connect({ host: address.host, port: address.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new TransportError(
            "tor_unavailable",
            `Tor control port ${formatPortAddress(address)} did not answer`,
          ),
        );
      }, timeoutMs);
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(
          new TransportError(
            "tor_unavailable",
            `Cannot reach the Tor control port ${formatPortAddress(address)}: ${err.message}`,
            { hint: "is tor running with that ControlPort?" },
          ),
        );
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new TorControl(socket));
      });
    });
  }

  /**
   * Sends one command line (no CRLF) and resolves with its reply.
   * @throws {TorControlError} on a 4xx/5xx reply
   */
  command(line: string): Promise<ControlReply> {
    if (/[\r\n]/.test(line)) throw new RangeError("control command must be a single line");
    if (this.#closedError) return Promise.reject(this.#closedError);
    const name = line.split(" ", 1)[0];
    return new Promise((resolve, reject) => {
      this.#pending.push({
        command: name,
        resolve: (reply) => {
          if (reply.status >= 400) {
            const last = reply.lines[reply.lines.length - 1];
            reject(new TorControlError(reply.status, last.text, name));
          } else resolve(reply);
        },
        reject,
      });
      this.#socket.write(line + "\r\n");
    });
  }

  async protocolInfo(): Promise<ProtocolInfo> {
    return parseProtocolInfo(await this.command("PROTOCOLINFO 1"));
  }

  /**
   * Authenticates under control_auth.ts's rules: a password when given and offered, else
   * SAFECOOKIE; never NULL or plain COOKIE.
   * @throws {TorAuthError} (with a hint) when Legion refuses the port or tor refuses Legion
   */
  async authenticate(options: ControlAuthOptions): Promise<ProtocolInfo> {
    return await authenticateControl(this, options);
  }

  /** GETINFO for one or more keys; multi-line values come back joined with "\n". */
  async getInfo(...keys: string[]): Promise<Record<string, string>> {
    const reply = await this.command("GETINFO " + keys.join(" "));
    const out: Record<string, string> = {};
    for (const line of reply.lines) {
      const eq = line.text.indexOf("=");
      if (eq === -1) continue;
      const key = line.text.slice(0, eq);
      out[key] = line.data ?? line.text.slice(eq + 1);
    }
    return out;
  }

  async setEvents(events: readonly string[]): Promise<void> {
    await this.command(["SETEVENTS", ...events].join(" "));
  }

  /** Makes tor exit when this control connection closes (used for a tor we spawned). */
  async takeOwnership(): Promise<void> {
    await this.command("TAKEOWNERSHIP");
  }

  /** ADD_ONION; resolves with the ServiceID (the address without `.onion`). */
  async addOnion(options: AddOnionOptions): Promise<string> {
    const parts = ["ADD_ONION", options.key];
    // control-spec §3.27: Flags, MaxStreams, the PoW keywords, then the ports.
    if (options.flags?.length) parts.push("Flags=" + options.flags.join(","));
    if (options.maxStreams !== undefined) parts.push(`MaxStreams=${options.maxStreams}`);
    if (options.pow) {
      parts.push("PoWDefensesEnabled=1");
      if (options.pow.queueRate !== undefined) parts.push(`PoWQueueRate=${options.pow.queueRate}`);
      if (options.pow.queueBurst !== undefined) {
        parts.push(`PoWQueueBurst=${options.pow.queueBurst}`);
      }
    }
    for (const port of options.ports) parts.push("Port=" + port);
    const reply = await this.command(parts.join(" "));
    for (const line of reply.lines) {
      if (line.text.startsWith("ServiceID=")) return line.text.slice("ServiceID=".length);
    }
    throw new TorControlError(reply.status, "no ServiceID in reply", "ADD_ONION");
  }

  async delOnion(serviceId: string): Promise<void> {
    await this.command("DEL_ONION " + serviceId);
  }

  /** Subscribes to 650 events; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get isClosed(): boolean {
    return this.#closedError !== undefined;
  }

  close(): Promise<void> {
    this.#socket.end();
    this.#socket.destroy();
    return this.closed;
  }

  #onData(text: string): void {
    let replies: ControlReply[];
    try {
      replies = this.#parser.push(text);
    } catch (err) {
      this.#fail(err as Error);
      this.#socket.destroy();
      return;
    }
    for (const reply of replies) {
      if (reply.status === 650) {
        for (const listener of this.#listeners) listener(reply);
      } else {
        this.#pending.shift()?.resolve(reply);
      }
    }
  }

  #fail(err: Error): void {
    this.#closedError ??= err;
    for (const pending of this.#pending.splice(0)) pending.reject(this.#closedError);
  }
}

function torDown(err: Error): TransportError {
  return new TransportError("tor_unavailable", `Tor control connection failed: ${err.message}`);
}
