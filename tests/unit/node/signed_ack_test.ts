/**
 * Acks are signed by the recipient (protocol/ack.ts): only the contact's Ed25519 signature over
 * the item's id and exact ciphertext makes the sender mark a message delivered. A stand-in answers
 * on Bob's onion with Bob's hello identity (as a process squatting the SOCKS port, or anyone
 * holding the hello, could) and replies with crafted acks.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import type { FramedStream } from "../../../src/transport/framed_stream.ts";
import { messagingPair } from "../../support/messaging.ts";
import { tempDir } from "../../support/cli.ts";
import { outboxCount } from "../../../src/store/outbox.ts";
import { getMessage } from "../../../src/store/messages.ts";
import { loadIdentity } from "../../../src/store/identity_store.ts";
import {
  AckStatus,
  decodeDelivery,
  type DeliveryMessage,
  encodeDelivery,
} from "../../../src/protocol/delivery.ts";
import { signAck } from "../../../src/protocol/ack.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { fromHex } from "../../../src/crypto/hex.ts";

type Deliver = Extract<DeliveryMessage, { kind: "deliver" }>;
type Responder = (deliver: Deliver) => Promise<Uint8Array>;

Deno.test("only the contact's signature over this id and ciphertext marks a message delivered", async () => {
  await using dir = await tempDir();
  const { network, clock, alice, bob, bobId } = await messagingPair(dir.path);
  const bobIdentity = loadIdentity(bob.node.db, bob.node.sealer);
  const bobSigner = { seed: bobIdentity.seed, publicKey: bobIdentity.publicKey };
  const na = await sodium();
  const mallory = na.crypto_sign_keypair();
  const mallorySigner = {
    seed: mallory.privateKey.slice(0, 32),
    publicKey: mallory.publicKey,
  };

  /** Bob's onion answered by `respond`; every deliver in the window gets its reply. */
  async function attempt(respond: Responder): Promise<boolean> {
    const impostor = network.transport({
      identity: bobSigner,
      knownPeers: { has: () => true },
      now: () => clock.now,
    });
    const listener = await impostor.listen(async (stream: FramedStream) => {
      try {
        for (;;) {
          const message = decodeDelivery(await stream.receive({ timeoutMs: 5_000 }));
          if (message.kind !== "deliver") return;
          await stream.send(await respond(message));
        }
      } catch {
        // the dialer hung up
      }
    });
    try {
      return await alice.deliverer.deliverTo(bobId);
    } finally {
      await listener.close();
    }
  }
  const ack = async (signer: typeof bobSigner, d: Deliver, ciphertext = d.ciphertext) =>
    encodeDelivery({
      kind: "ack",
      id: d.id,
      status: AckStatus.stored,
      signature: await signAck(signer, { id: d.id, status: AckStatus.stored, ciphertext }),
    });
  const sent: string[] = [];
  const stateOf = (id: string) => getMessage(alice.node.db, alice.node.sealer, fromHex(id))!.state;
  const assertAllQueued = (why: string) => {
    assertEquals(outboxCount(alice.node.db), sent.length, why);
    for (const id of sent) assertEquals(stateOf(id), "sent", why);
  };

  // A genuine ack for the first message, captured for the replay below.
  sent.push((await alice.messenger.sendText("bob", "first")).id);
  let captured: { id: Uint8Array; ack: Uint8Array } | undefined;
  assert(
    await attempt(async (d) => {
      const bytes = await ack(bobSigner, d);
      captured = { id: d.id, ack: bytes };
      return bytes;
    }),
  );
  assertEquals(stateOf(sent.pop()!), "delivered");
  assertEquals(outboxCount(alice.node.db), 0);

  sent.push((await alice.messenger.sendText("bob", "second")).id);
  // Signed by a key that is not Bob's.
  assert(!(await attempt((d) => ack(mallorySigner, d))));
  assertAllQueued("a forged ack (wrong key)");
  // Bob's key, but over another ciphertext.
  assert(!(await attempt((d) => ack(bobSigner, d, new Uint8Array([1, 2, 3])))));
  assertAllQueued("an ack for another ciphertext");
  // The first message's ack, verbatim and with its signature moved under this id.
  assert(!(await attempt(() => Promise.resolve(captured!.ack))));
  assertAllQueued("a replayed ack");
  assert(
    !(await attempt((d) => {
      const moved = captured!.ack.slice();
      moved.set(d.id, 1);
      return Promise.resolve(moved);
    })),
  );
  assertAllQueued("a replayed signature under this id");
  // A truncated signature.
  assert(!(await attempt(async (d) => (await ack(bobSigner, d)).slice(0, -1))));
  assertAllQueued("a truncated signature");
  assertEquals(
    alice.events.filter((e) => e.type === "delivered").length,
    1,
    "only the genuine ack was reported",
  );

  // The genuine ack delivers it.
  assert(await attempt((d) => ack(bobSigner, d)));
  assertEquals(stateOf(sent[0]), "delivered");
  assertEquals(outboxCount(alice.node.db), 0);
  bobIdentity.seed.fill(0);
});
