/**
 * A serving relay: the service (relay_service.ts) on a loopback listener (relay_server.ts), a warm
 * verifier, and three timers — reload the member group when `relay admit`/`revoke` changed its file
 * (every second), sweep expired items, mailboxes and nullifiers (every minute), and add the refusal
 * counters to the database (every 5 s, and on close).
 */
import { sodium } from "../crypto/sodium.ts";
import type { Refusal } from "../protocol/relay_wire.ts";
import { ZkVerifier } from "../zk/verifier.ts";
import type { ZkGroup } from "../zk/group.ts";
import { groupFileVersion, type OpenRelay, readRelayGroup } from "./relay_home.ts";
import { RelayService, type RequestKind } from "./relay_service.ts";
import { listenRelay, type RelayListener, type RelayServerOptions } from "./relay_server.ts";

export type RelayEvent =
  | { type: "relay_request"; request: RequestKind; outcome: "ok" | Refusal }
  | { type: "relay_group"; root: string; members: number }
  | { type: "relay_sweep"; items: number; mailboxes: number; nullifiers: number }
  | { type: "relay_error"; message: string };

export interface RunningRelay {
  service: RelayService;
  listener: RelayListener;
  group(): ZkGroup;
  /** Flushes counters and stops the listener and timers (the store stays open). */
  close(): Promise<void>;
}

export interface StartRelayOptions {
  home: string;
  emit?: (event: RelayEvent) => void;
  now?: () => number;
  port?: number;
  server?: Omit<RelayServerOptions, "onRequest" | "onError">;
  /** Timer periods (tests shorten them). */
  reloadMs?: number;
  sweepMs?: number;
  flushMs?: number;
}

export async function startRelay(
  relay: OpenRelay,
  options: StartRelayOptions,
): Promise<RunningRelay> {
  const now = options.now ?? Date.now;
  const emit = options.emit ?? (() => {});
  let group = await readRelayGroup(options.home, { lazy: true });
  let version = groupFileVersion(options.home);
  const verifier = new ZkVerifier({ group, warm: true, now });
  const service = new RelayService({
    store: relay.store,
    rules: relay.rules,
    onion: relay.identity.onion,
    publicKey: relay.identity.publicKey,
    verifier,
    group: () => group,
    sodium: await sodium(),
    now,
  });
  const listener = await listenRelay(service, {
    ...options.server,
    onRequest: (request, refusal) =>
      emit({ type: "relay_request", request, outcome: refusal ?? "ok" }),
    onError: (err) => emit({ type: "relay_error", message: (err as Error).message }),
  }, options.port);

  let reloading = false;
  const reload = async () => {
    const next = groupFileVersion(options.home);
    if (next === version || reloading) return;
    reloading = true;
    try {
      group = await readRelayGroup(options.home, { lazy: true });
      version = next;
      verifier.setGroup(group);
      emit({ type: "relay_group", root: group.root.toString(), members: group.activeSize });
    } catch (err) {
      emit({ type: "relay_error", message: `cannot reload the group: ${(err as Error).message}` });
    } finally {
      reloading = false;
    }
  };
  const sweep = async () => {
    const swept = await relay.store.sweep(now());
    if (swept.items + swept.mailboxes + swept.nullifiers > 0) {
      emit({ type: "relay_sweep", ...swept });
    }
  };
  const flush = () => relay.store.addRefusals(service.drainRefusals());
  const guard = (fn: () => Promise<void>) => () =>
    void fn().catch((err) => emit({ type: "relay_error", message: (err as Error).message }));
  const timers = [
    setInterval(guard(reload), options.reloadMs ?? 1000),
    setInterval(guard(sweep), options.sweepMs ?? 60_000),
    setInterval(guard(flush), options.flushMs ?? 5000),
  ];
  await sweep();
  let closing: Promise<void> | undefined;
  return {
    service,
    listener,
    group: () => group,
    close: () =>
      closing ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        await listener.close();
        await flush();
      })(),
  };
}
