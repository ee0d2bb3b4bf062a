/**
 * Receiving a group envelope: the registered handler (the group engine) runs inside the store's
 * writer, and its verdict is the ack's status. `later` rolls back whatever the handler wrote, so
 * the retry finds the node as it was. Without a handler, envelopes are `rejected`.
 */
import { AckStatus } from "../protocol/delivery.ts";
import { ackStatusOf, type GroupEnvelopeSender } from "./group_envelope.ts";
import type { Messenger } from "./messenger.ts";

/** Thrown inside a write to roll it back when the handler answers `later`. */
export class HandlerLater extends Error {
  constructor() {
    super("the group handler asked for the envelope later");
  }
}

/**
 * Runs the handler on one envelope; call inside `messenger.write()` (or let this open one).
 * @throws {HandlerLater} for `later` (the caller rolls back and acks `later`)
 */
export async function handleGroupEnvelope(
  messenger: Messenger,
  from: GroupEnvelopeSender,
  envelope: Uint8Array,
): Promise<AckStatus> {
  const handler = messenger.groupHandler;
  if (!handler) return AckStatus.rejected;
  const verdict = await handler(from, envelope);
  if (verdict === "later") throw new HandlerLater();
  return ackStatusOf(verdict);
}

/**
 * One `deliver_group` from a stream: the handler's verdict in its own transaction. A failure of
 * the handler or the store is thrown (no ack: the sender keeps it queued).
 */
export async function receiveGroupEnvelope(
  messenger: Messenger,
  from: GroupEnvelopeSender,
  envelope: Uint8Array,
): Promise<AckStatus> {
  try {
    return await messenger.write(() => handleGroupEnvelope(messenger, from, envelope));
  } catch (err) {
    if (err instanceof HandlerLater) return AckStatus.later;
    throw err;
  }
}
