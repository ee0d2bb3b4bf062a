/**
 * Dials `<onion>:80` through tor's SOCKS5 port (`npm:socks`; tor resolves the name, nothing is
 * looked up locally). Each attempt has a timeout; failed attempts are retried a bounded number of
 * times with exponential backoff. Errors say what failed:
 *
 * - `tor_unavailable`: nothing answers on the SOCKS port (our tor is down) — not retried;
 * - `peer_unavailable`: tor answered but could not reach the onion (descriptor not found,
 *   introduction failed, timeout) — after the last retry.
 *
 * An abort through `signal` destroys the connection to the SOCKS port at once (a connect to an
 * offline onion otherwise lasts as long as tor's own timeout) and rejects with the signal's reason.
 */
import { connect, type Socket } from "node:net";
import { SocksClient } from "socks";
import { formatPortAddress, type PortAddress } from "./address.ts";
import { TransportError } from "./transport_error.ts";

export interface SocksDialOptions {
  /** Attempts in all (default 3). */
  attempts?: number;
  /** Per attempt (default 60 s: a first connect to an onion builds several circuits). */
  timeoutMs?: number;
  /** Delay before the second attempt, doubled each time (default 1 s). */
  backoffMs?: number;
  /** Virtual port (default 80). */
  port?: number;
  signal?: AbortSignal;
}

export async function dialSocks(
  socks: PortAddress,
  onion: string,
  options: SocksDialOptions = {},
): Promise<Socket> {
  if ("path" in socks) {
    throw new TransportError("unsupported", "A unix-socket SocksPort is not supported yet", {
      hint: "give --tor-socks HOST:PORT",
    });
  }
  const attempts = options.attempts ?? 3;
  let delay = options.backoffMs ?? 1_000;
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    options.signal?.throwIfAborted();
    // Our own connection to the SOCKS port, handed to npm:socks, so an abort can destroy it.
    const proxySocket = connect({ host: socks.host, port: socks.port });
    const abort = () => proxySocket.destroy();
    options.signal?.addEventListener("abort", abort, { once: true });
    try {
      const { socket } = await SocksClient.createConnection({
        proxy: { host: socks.host, port: socks.port, type: 5 },
        command: "connect",
        destination: { host: onion, port: options.port ?? 80 },
        timeout: options.timeoutMs ?? 60_000,
        existing_socket: proxySocket,
      });
      options.signal?.throwIfAborted();
      return socket;
    } catch (err) {
      proxySocket.destroy();
      options.signal?.throwIfAborted();
      const message = (err as Error).message;
      if (isTorDown(message)) {
        throw new TransportError(
          "tor_unavailable",
          `Tor's SOCKS port ${formatPortAddress(socks)} does not answer: ${message}`,
          { hint: "is tor running?", cause: err },
        );
      }
      lastError = describe(message);
    } finally {
      options.signal?.removeEventListener("abort", abort);
    }
    if (attempt < attempts) {
      await sleep(delay, options.signal);
      delay *= 2;
    }
  }
  throw new TransportError(
    "peer_unreachable",
    `Cannot reach ${onion} through Tor after ${attempts} attempts: ${lastError}`,
    { hint: "the peer may be offline; it is retried later" },
  );
}

function isTorDown(message: string): boolean {
  return /ECONNREFUSED|ENOENT|EHOSTUNREACH|EADDRNOTAVAIL|connection refused/i.test(message) ||
    /initial handshake/i.test(message);
}

/**
 * `npm:socks` reports `Socks5 proxy rejected connection - <name>`; tor's onion-specific replies
 * (0xF0–0xF7) have no name there and show as `undefined`, so they read as a generic refusal.
 */
function describe(message: string): string {
  const code = /rejected connection - (\w+)/.exec(message)?.[1];
  if (code === "undefined") return "tor could not reach the onion service";
  if (code) return `tor reports ${code}`;
  return message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
