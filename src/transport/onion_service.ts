/**
 * Publishes this node's onion service from its identity key:
 *
 *   ADD_ONION ED25519-V3:<base64 of the 64-byte expanded secret key> Flags=DiscardPK
 *             Port=80,127.0.0.1:<local port>
 *
 * The ServiceID tor returns must equal the address derived from our public key (else the key
 * handling is wrong and we refuse to announce anything). Ready means at least one
 * `650 HS_DESC UPLOADED <address> …` event: before that, nobody can find the service. Without
 * `Flags=Detach` the service lives only as long as this control connection.
 */
import { Buffer } from "node:buffer";
import type { TorControl } from "./control_client.ts";
import type { Signer } from "../protocol/hello.ts";
import { expandedSecretKey, onionAddress } from "../crypto/onion.ts";
import { TransportError } from "./transport_error.ts";

export interface PublishedOnion {
  /** `….onion` */
  onion: string;
  /** Seconds from ADD_ONION to the first uploaded descriptor. */
  publishSeconds: number;
  /** DEL_ONION; idempotent, ignores a closed control connection. */
  remove(): Promise<void>;
}

export const DEFAULT_PUBLISH_TIMEOUT_MS = 120_000;

export async function publishOnion(
  control: TorControl,
  identity: Signer,
  target: { host: string; port: number },
  options: { timeoutMs?: number } = {},
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
  try {
    await control.setEvents(["HS_DESC"]);
    serviceId = await control.addOnion({
      key: "ED25519-V3:" + Buffer.from(expanded).toString("base64"),
      flags: ["DiscardPK"],
      ports: [`80,${target.host}:${target.port}`],
    });
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
    remove,
  };
}
