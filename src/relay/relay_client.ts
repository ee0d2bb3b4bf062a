/**
 * The client side of the relay wire (src/protocol/relay_wire.ts), for `mailbox open`, the deposit
 * fallback and fetching: each call opens one stream, reads the relay's challenge, sends one request
 * (signed by the mailbox owner's key where the wire says so) and reads the one reply.
 *
 * How a stream is made is the caller's: through tor's SOCKS port to the relay's onion
 * (transport/socks_dialer.ts + `socketChannel`), or a loopback socket in tests.
 */
import type { ByteChannel } from "../transport/byte_channel.ts";
import { FramedStream } from "../transport/framed_stream.ts";
import { sodium } from "../crypto/sodium.ts";
import { ReasonError } from "../errors.ts";
import {
  authMessage,
  decodeAcked,
  decodeChallenge,
  decodeFetched,
  decodeOpened,
  decodeReply,
  encodeRequest,
  type FetchedItem,
  type Refusal,
  type RelayReply,
  type RelayRequest,
  unsignedRequest,
} from "../protocol/relay_wire.ts";
import {
  digestValue,
  packProof,
  type Prover,
  rateLimitScope,
  type ZkGroup,
  type ZkIdentity,
  type ZkProof,
} from "../zk/mod.ts";

export interface RelayEndpoint {
  /** The relay's Ed25519 public key (from its card; its onion derives from it). */
  publicKey: Uint8Array;
  /** Opens a fresh stream to the relay. */
  connect(): Promise<ByteChannel>;
  /** How long to wait for each frame (default 60 s). */
  timeoutMs?: number;
}

/** A mailbox owner's Ed25519 key pair; use a fresh one per mailbox so mailboxes are not linkable. */
export interface OwnerKey {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

/** The relay refused a request; `reason` is the wire's refusal. */
export class RelayRefusedError extends ReasonError<Refusal> {
  override readonly name = "RelayRefusedError";
}

type Signed = Exclude<RelayRequest, { kind: "deposit" } | { kind: "group" }>;
type Unsigned<T> = T extends Signed ? Omit<T, "signature"> : never;

/** One request on its own stream; `build` gets the stream's challenge. Refusals are returned. */
export async function relayRequest(
  endpoint: RelayEndpoint,
  build: (challenge: Uint8Array) => Promise<Uint8Array> | Uint8Array,
): Promise<RelayReply> {
  const stream = new FramedStream(await endpoint.connect(), {
    readTimeoutMs: endpoint.timeoutMs ?? 60_000,
  });
  try {
    const challenge = decodeChallenge(await stream.receive());
    await stream.send(await build(challenge));
    return decodeReply(await stream.receive());
  } finally {
    stream.close();
  }
}

/** Encodes a signed request: the owner signs the relay key, the challenge and the request. */
export async function signedRequest(
  owner: OwnerKey,
  relayKey: Uint8Array,
  challenge: Uint8Array,
  request: Unsigned<Signed>,
): Promise<Uint8Array> {
  const na = await sodium();
  const unsigned = unsignedRequest({ ...request, signature: new Uint8Array(64) } as Signed);
  const { privateKey } = na.crypto_sign_seed_keypair(owner.seed);
  try {
    const signature = na.crypto_sign_detached(
      authMessage(relayKey, challenge, unsigned),
      privateKey,
    );
    return encodeRequest({ ...request, signature } as Signed);
  } finally {
    privateKey.fill(0);
  }
}

/** Opens a mailbox owned by `owner`: the fetch id (keep secret) and the deposit id (give out). */
export async function openMailbox(
  endpoint: RelayEndpoint,
  owner: OwnerKey,
): Promise<{ fetchId: Uint8Array; depositId: Uint8Array }> {
  const reply = await relayRequest(
    endpoint,
    (c) => signedRequest(owner, endpoint.publicKey, c, { kind: "open", ownerKey: owner.publicKey }),
  );
  return decodeOpened(okBody(reply));
}

export interface Deposit {
  depositId: Uint8Array;
  epoch: number;
  slot: number;
  proof: ZkProof;
  envelope: Uint8Array;
}

/** Deposits an envelope. @throws RelayRefusedError with the relay's reason */
export async function deposit(endpoint: RelayEndpoint, item: Deposit): Promise<void> {
  okBody(await depositReply(endpoint, item));
}

/** Deposits an envelope and returns the reply as it is (refusals included). */
export function depositReply(endpoint: RelayEndpoint, item: Deposit): Promise<RelayReply> {
  return relayRequest(endpoint, () =>
    encodeRequest({
      kind: "deposit",
      depositId: item.depositId,
      epoch: item.epoch,
      slot: item.slot,
      proof: packProof(item.proof),
      envelope: item.envelope,
    }));
}

/**
 * The proof a deposit needs: membership of `group` (the relay's, from GROUP or its card), scope
 * H(relay onion, epoch, slot), message H(envelope). The caller picks an unused slot < k.
 */
export function proveDeposit(
  prover: Prover,
  identity: ZkIdentity,
  group: ZkGroup,
  target: { onion: string; epoch: number; slot: number; envelope: Uint8Array },
): Promise<ZkProof> {
  return prover.prove(identity, group, {
    scope: rateLimitScope(target.onion, target.epoch, target.slot),
    message: digestValue(target.envelope),
  });
}

/** Up to `maxItems` items of the owner's mailbox (they stay until acked or expired). */
export async function fetchItems(
  endpoint: RelayEndpoint,
  owner: OwnerKey,
  fetchId: Uint8Array,
  maxItems = 256,
): Promise<FetchedItem[]> {
  const reply = await relayRequest(
    endpoint,
    (c) => signedRequest(owner, endpoint.publicKey, c, { kind: "fetch", fetchId, maxItems }),
  );
  return decodeFetched(okBody(reply));
}

/** Deletes fetched items once they are stored durably; returns how many the relay deleted. */
export async function ackItems(
  endpoint: RelayEndpoint,
  owner: OwnerKey,
  fetchId: Uint8Array,
  itemIds: Uint8Array[],
): Promise<number> {
  const reply = await relayRequest(
    endpoint,
    (c) => signedRequest(owner, endpoint.publicKey, c, { kind: "ack", fetchId, itemIds }),
  );
  return decodeAcked(okBody(reply));
}

/** Deletes the mailbox and everything in it. */
export async function closeMailbox(
  endpoint: RelayEndpoint,
  owner: OwnerKey,
  fetchId: Uint8Array,
): Promise<void> {
  okBody(
    await relayRequest(
      endpoint,
      (c) => signedRequest(owner, endpoint.publicKey, c, { kind: "close", fetchId }),
    ),
  );
}

/** The relay's member group file text (check its root against the relay's card). */
export async function fetchGroupText(endpoint: RelayEndpoint): Promise<string> {
  const reply = await relayRequest(endpoint, () => encodeRequest({ kind: "group" }));
  return new TextDecoder().decode(okBody(reply));
}

function okBody(reply: RelayReply): Uint8Array {
  if (!reply.ok) {
    throw new RelayRefusedError(reply.refusal, `The relay refused the request: ${reply.refusal}`);
  }
  return reply.body;
}
