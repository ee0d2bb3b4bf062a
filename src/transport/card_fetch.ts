/**
 * The dialer's side of a card request (src/protocol/card_request.ts): one frame out, one frame
 * in, on a fresh channel with no hello.
 */
import type { ByteChannel } from "./byte_channel.ts";
import { FramedStream } from "./framed_stream.ts";
import { createCardRequest, parseCardReply } from "../protocol/card_request.ts";
import { BUCKETS } from "../protocol/padding.ts";
import { TransportError } from "./transport_error.ts";

/** How long a card request waits for the reply. */
export const DEFAULT_CARD_FETCH_TIMEOUT_MS = 30_000;

/**
 * Sends the request and returns the card text of the reply.
 * @throws {TransportError} `peer_refused` when the peer drops the request or answers garbage
 */
export async function fetchCardOver(
  channel: ByteChannel,
  hash: Uint8Array,
  timeoutMs = DEFAULT_CARD_FETCH_TIMEOUT_MS,
): Promise<string> {
  // A card is at most 16 KiB: its padded frame fits the 64 KiB bucket.
  const stream = new FramedStream(channel, { maxBody: BUCKETS[4], maxQueuedFrames: 1 });
  try {
    await stream.send(createCardRequest(hash));
    const text = parseCardReply(await stream.receive({ timeoutMs }));
    if (text === undefined) throw new Error("malformed reply");
    return text;
  } catch (err) {
    throw new TransportError(
      "peer_refused",
      "The peer did not give the card: it may have expired, or the peer be busy",
      { cause: err },
    );
  } finally {
    stream.destroy();
  }
}
