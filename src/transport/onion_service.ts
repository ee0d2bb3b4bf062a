/**
 * Publishes this node's onion service from its identity key:
 *
 *   ADD_ONION ED25519-V3:<base64 of the 64-byte expanded secret key>
 *             Flags=DiscardPK,MaxStreamsCloseCircuit MaxStreams=<n>
 *             PoWDefensesEnabled=1 PoWQueueRate=<r> PoWQueueBurst=<b>
 *             Port=80,127.0.0.1:<local port>
 *
 * `MaxStreams` bounds the streams one rendezvous circuit may hold open at once; with
 * `MaxStreamsCloseCircuit` tor tears down a circuit that asks for more instead of just refusing the
 * stream. The proof-of-work defence (tor 0.4.8+) makes clients solve a puzzle whose effort rises
 * while the introduction queue overflows, so a flood of new circuits costs the flooder. A tor that
 * refuses the PoW keywords (older, or built without the `pow` module) gets the command again
 * without them; `PublishedOnion.pow` says which one it took.
 *
 * The ServiceID tor returns must equal the address derived from our public key (else the key
 * handling is wrong and we refuse to announce anything). Ready means at least one
 * `650 HS_DESC UPLOADED <address> …` event: before that, nobody can find the service. Without
 * `Flags=Detach` the service lives only as long as this control connection.
 */
import { Buffer } from "node:buffer";
import type { TorControl } from "./control_client.ts";
import type { Signer } from "../protocol/hello.ts";
import { TorControlError } from "./control_error.ts";
import { expandedSecretKey, onionAddress } from "../crypto/onion.ts";
import { TransportError } from "./transport_error.ts";

export interface PublishedOnion {
  /** `….onion` */
  onion: string;
  /** Seconds from ADD_ONION to the first uploaded descriptor. */
  publishSeconds: number;
  /** Whether tor took the proof-of-work defence. */
  pow: boolean;
  /** DEL_ONION; idempotent, ignores a closed control connection. */
  remove(): Promise<void>;
}

export const DEFAULT_PUBLISH_TIMEOUT_MS = 120_000;
/** Streams at once per rendezvous circuit: a contact's share (4) plus streams still in their hello. */
export const DEFAULT_MAX_STREAMS_PER_CIRCUIT = 8;
/** Introduction requests tor hands on per second while PoW is on (tor's own default: 250). */
export const DEFAULT_POW_QUEUE_RATE = 25;
/** Introduction requests tor may hand on in a burst while PoW is on (tor's own default: 2500). */
export const DEFAULT_POW_QUEUE_BURST = 250;

export interface PublishOptions {
  /** How long to wait for the descriptor upload (default 120 s). */
  timeoutMs?: number;
  /** `MaxStreams` per rendezvous circuit (default {@link DEFAULT_MAX_STREAMS_PER_CIRCUIT}). */
  maxStreams?: number;
  /** The PoW defence's queue, or `false` for none (default: on, 25/s, burst 250). */
  pow?: false | { queueRate?: number; queueBurst?: number };
}

export async function publishOnion(
  control: TorControl,
  identity: Signer,
  target: { host: string; port: number },
  options: PublishOptions = {},
): Promise<PublishedOnion> {
  const expected = onionAddress(identity.publicKey);
  const started = performance.now();
  let resolveUploaded!: () => void;
  const uploaded = new Promise<void>((resolve) => resolveUploaded = resolve);
  const unsubscribe = control.onEvent((event) => {
    const [kind, action, address] = event.lines[0].text.split(" ");
    if (kind === "HS_DESC" && action === "UPLOADED" && address === expected) resolveUploaded();
  });
  const expanded = expandedSecretKey(identity.seed);
  let serviceId: string;
  const pow = options.pow === false ? undefined : {
    queueRate: options.pow?.queueRate ?? DEFAULT_POW_QUEUE_RATE,
    queueBurst: options.pow?.queueBurst ?? DEFAULT_POW_QUEUE_BURST,
  };
  let powTaken = pow !== undefined;
  try {
    await control.setEvents(["HS_DESC"]);
    const add = (withPow: typeof pow) =>
      control.addOnion({
        key: "ED25519-V3:" + Buffer.from(expanded).toString("base64"),
        flags: ["DiscardPK", "MaxStreamsCloseCircuit"],
        maxStreams: options.maxStreams ?? DEFAULT_MAX_STREAMS_PER_CIRCUIT,
        pow: withPow,
        ports: [`80,${target.host}:${target.port}`],
      });
    try {
      serviceId = await add(pow);
    } catch (err) {
      // 512/513: a tor without PoW does not know the keywords; anything else is not about PoW.
      if (!pow || !(err instanceof TorControlError) || (err.status !== 512 && err.status !== 513)) {
        throw err;
      }
      powTaken = false;
      serviceId = await add(undefined);
    }
  } catch (err) {
    unsubscribe();
    throw new TransportError(
      "tor_unavailable",
      `Cannot publish the onion service: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    expanded.fill(0);
  }
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    unsubscribe();
    if (!control.isClosed) await control.delOnion(serviceId).catch(() => {});
  };
  if (serviceId !== expected) {
    await remove();
    throw new TransportError(
      "onion_mismatch",
      `Tor published ${serviceId}.onion, not the address derived from our key (${expected}.onion)`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) =>
    timer = setTimeout(() => resolve("timeout"), timeoutMs)
  );
  const outcome = await Promise.race([
    uploaded,
    timedOut,
    control.closed.then(() => "closed" as const),
  ]);
  clearTimeout(timer);
  if (outcome !== undefined) {
    await remove();
    throw new TransportError(
      outcome === "closed" ? "tor_unavailable" : "tor_timeout",
      outcome === "closed"
        ? "Tor's control connection closed while publishing the onion service"
        : `Tor did not upload the onion service descriptor within ${timeoutMs / 1000} s`,
    );
  }
  return {
    onion: `${expected}.onion`,
    publishSeconds: (performance.now() - started) / 1000,
    pow: powTaken,
    remove,
  };
}
