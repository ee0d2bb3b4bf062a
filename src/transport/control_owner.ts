/**
 * Who owns the control port Legion connected to. A password (HashedControlPassword) proves Legion
 * to tor but not tor to Legion, so before sending one Legion checks that the listener belongs to
 * root, the invoking user or tor's account: for TCP, every LISTEN socket on that port in
 * /proc/net/tcp{,6} (Linux); for a unix socket, the socket file's owner.
 */
import { lstat, readFile } from "node:fs/promises";
import type { PortAddress } from "./address.ts";

/** TCP state LISTEN in /proc/net/tcp (include/net/tcp_states.h). */
const TCP_LISTEN = "0A";

/**
 * The uids of the LISTEN sockets on `port` in /proc/net/tcp or tcp6 text:
 * `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid …`, addresses as
 * `HEXIP:HEXPORT`.
 */
export function listenerUids(procNetText: string, port: number): number[] {
  const uids: number[] = [];
  for (const line of procNetText.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8 || fields[3] !== TCP_LISTEN) continue;
    const localPort = parseInt(fields[1].split(":")[1] ?? "", 16);
    if (localPort === port) uids.push(Number(fields[7]));
  }
  return uids;
}

/**
 * The uids owning the control port at `address`, or `undefined` when this system cannot tell
 * (no /proc/net: not Linux).
 */
export async function controlPortOwners(address: PortAddress): Promise<number[] | undefined> {
  if ("path" in address) {
    const stat = await lstat(address.path).catch(() => undefined);
    return stat?.isSocket() ? [stat.uid] : [];
  }
  const tables = await Promise.all(
    ["/proc/net/tcp", "/proc/net/tcp6"].map((path) => readFile(path, "utf8").catch(() => "")),
  );
  if (tables.every((text) => text === "")) return undefined;
  return tables.flatMap((text) => listenerUids(text, address.port));
}
