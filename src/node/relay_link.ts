/**
 * How the node reaches relays: a dialer making one raw stream to a relay's onion (through tor's
 * SOCKS port, or a loopback socket in tests), and the user's ZK identity for relays.
 *
 * The relay identity is derived from the recovery phrase's ZK secret (sealed in the store with the
 * identity) under its own tag, so it is restored with the phrase and its commitment differs from
 * `legion auth id`'s: being admitted at a relay does not show up as the same member elsewhere.
 */
import type { ByteChannel } from "../transport/byte_channel.ts";
import { socketChannel } from "../transport/byte_channel.ts";
import { dialSocks } from "../transport/socks_dialer.ts";
import type { PortAddress } from "../transport/address.ts";
import type { RelayEndpoint } from "../relay/relay_client.ts";
import type { UnlockedStore } from "../store/open_store.ts";
import { loadIdentity } from "../store/identity_store.ts";
import { sodium } from "../crypto/sodium.ts";
import { type ZkIdentity, zkIdentity } from "../zk/zk_identity.ts";
import { LegionError } from "../errors.ts";

/** Opens one stream to `onion` (port 80). */
export type RelayDialer = (onion: string, signal?: AbortSignal) => Promise<ByteChannel>;

export const RELAY_IDENTITY_TAG = "legion/v1/relay-zk-identity";

/** A dialer through tor's SOCKS port. */
export function socksRelayDialer(socks: PortAddress): RelayDialer {
  return async (onion, signal) => socketChannel(await dialSocks(socks, onion, { signal }));
}

export function relayEndpoint(
  dialer: RelayDialer,
  relay: { onion: string; key: Uint8Array },
  signal?: AbortSignal,
): RelayEndpoint {
  return { publicKey: relay.key, connect: () => dialer(relay.onion, signal) };
}

/** This user's Semaphore identity for relays (see the module doc). */
export async function relayZkIdentity(store: UnlockedStore): Promise<ZkIdentity> {
  const na = await sodium();
  const identity = loadIdentity(store.db, store.sealer);
  identity.seed.fill(0);
  const secret = na.crypto_generichash(
    32,
    new TextEncoder().encode(RELAY_IDENTITY_TAG),
    identity.zkSecret,
  );
  identity.zkSecret.fill(0);
  try {
    return zkIdentity(secret);
  } finally {
    secret.fill(0);
  }
}

/** The relay timings, from the environment (seconds): see README, "Relays". */
export interface RelaySettings {
  /** `LEGION_RELAY_DELAY`: direct delivery failing this long → deposit (default 120). */
  delayMs: number;
  /** `LEGION_RELAY_FETCH_INTERVAL`: a running node fetches its mailboxes this often (180). */
  fetchIntervalMs: number;
}

export function relaySettings(env: Readonly<Record<string, string | undefined>>): RelaySettings {
  const seconds = (name: string, fallback: number, min: number) => {
    const text = env[name];
    if (text === undefined || text === "") return fallback * 1000;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) {
      throw new LegionError("usage", `${name} must be a number of seconds ≥ ${min}`);
    }
    return n * 1000;
  };
  return {
    delayMs: seconds("LEGION_RELAY_DELAY", 120, 0),
    fetchIntervalMs: seconds("LEGION_RELAY_FETCH_INTERVAL", 180, 5),
  };
}
