/** Replays tests/vectors/fuzz_regressions.json: each input must give its recorded outcome. */
import { assertEquals } from "../support/assert.ts";
import { fromHex } from "../../src/crypto/hex.ts";
import { FrameDecoder } from "../../src/protocol/frame.ts";
import { FrameError } from "../../src/protocol/frame_error.ts";
import { decodeHello } from "../../src/protocol/hello.ts";
import { HelloError } from "../../src/protocol/hello_error.ts";
import { decodePayload } from "../../src/protocol/payload.ts";
import { PayloadError } from "../../src/protocol/payload_error.ts";
import { decodeDelivery } from "../../src/protocol/delivery.ts";
import { DeliveryError } from "../../src/protocol/delivery_error.ts";
import { decodeReceipt } from "../../src/protocol/control.ts";
import { ControlError } from "../../src/protocol/control_error.ts";
import { verifyCard } from "../../src/crypto/card.ts";
import { CardError } from "../../src/crypto/card_error.ts";
import { ControlProtocolError, ControlReplyParser } from "../../src/transport/control_reply.ts";

interface Vector {
  name: string;
  decoder: string;
  hex: string;
  expect: string;
  reason?: string;
}

const file = JSON.parse(
  await Deno.readTextFile(new URL("../vectors/fuzz_regressions.json", import.meta.url)),
) as { vectors: Vector[] };

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const decoders: Record<string, (bytes: Uint8Array) => unknown> = {
  payload: decodePayload,
  delivery: decodeDelivery,
  receipt: decodeReceipt,
  hello: decodeHello,
  frame: (bytes) => {
    const decoder = new FrameDecoder();
    decoder.push(bytes);
    decoder.end();
  },
  card: (bytes) => verifyCard(text(bytes), { now: Date.UTC(2026, 0, 1) }),
  control_reply: (bytes) => new ControlReplyParser().push(text(bytes)),
};
const classes = [
  PayloadError,
  DeliveryError,
  ControlError,
  HelloError,
  FrameError,
  CardError,
  ControlProtocolError,
];

for (const vector of file.vectors) {
  Deno.test(`fuzz regression "${vector.name}" gives ${vector.expect}`, async () => {
    const decode = decoders[vector.decoder];
    if (!decode) throw new Error(`no decoder named ${vector.decoder}`);
    let outcome: { expect: string; reason?: string } = { expect: "success" };
    try {
      await decode(fromHex(vector.hex));
    } catch (err) {
      const known = classes.find((cls) => err instanceof cls);
      if (!known) throw err;
      const reason = (err as { reason?: string }).reason;
      outcome = { expect: known.name, ...(reason === undefined ? {} : { reason }) };
    }
    assertEquals(outcome, {
      expect: vector.expect,
      ...(vector.reason ? { reason: vector.reason } : {}),
    });
  });
}
