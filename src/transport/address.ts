/**
 * Addresses of tor's ports as given on the command line or in the environment:
 * `HOST:PORT` (`127.0.0.1:9051`, `[::1]:9051`), a bare port (`9051`, meaning 127.0.0.1), or
 * `unix:/path/to/socket`.
 */
import { isIPv4, isIPv6 } from "node:net";
import { TransportError } from "./transport_error.ts";

export type PortAddress = { host: string; port: number } | { path: string };

export function parsePortAddress(text: string, what: string): PortAddress {
  const value = text.trim();
  if (value.startsWith("unix:") && value.length > 5) return { path: value.slice(5) };
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TransportError("bad_address", `Cannot parse the ${what} address: ${value}`, {
      hint: "use HOST:PORT, a port number, or unix:/path/to/socket",
    });
  }
  return { host: match[1] || match[2] || "127.0.0.1", port };
}

export function formatPortAddress(address: PortAddress): string {
  if ("path" in address) return `unix:${address.path}`;
  return address.host.includes(":")
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** Whether `host` is a loopback address: 127.0.0.0/8, ::1, or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  if (isIPv4(host)) return host.split(".")[0] === "127";
  return isIPv6(host) && new URL(`http://[${host}]/`).hostname === "[::1]";
}

/**
 * A control port Legion may attach to: a unix socket or a loopback TCP port. Anything else would
 * carry the identity key off this machine, or to whoever answers on another host's port.
 * @throws {TransportError} `control_not_local` for any other host
 */
export function assertLocalControl(address: PortAddress): PortAddress {
  if ("path" in address || isLoopbackHost(address.host)) return address;
  throw new TransportError(
    "control_not_local",
    `Refusing the Tor control port ${formatPortAddress(address)}: it is not on loopback`,
    { hint: "use unix:/run/tor/control, or a 127.0.0.0/8, ::1 or localhost address" },
  );
}
