/**
 * Addresses of tor's ports as given on the command line or in the environment:
 * `HOST:PORT` (`127.0.0.1:9051`, `[::1]:9051`), a bare port (`9051`, meaning 127.0.0.1), or
 * `unix:/path/to/socket`.
 */
import { LegionError } from "../errors.ts";

export type PortAddress = { host: string; port: number } | { path: string };

export function parsePortAddress(text: string, what: string): PortAddress {
  const value = text.trim();
  if (value.startsWith("unix:") && value.length > 5) return { path: value.slice(5) };
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LegionError("usage", `Cannot parse the ${what} address: ${value}`, {
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
