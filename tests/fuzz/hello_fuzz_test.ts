/** Fuzzing of the hello (src/protocol/hello.ts): shape, and that no mutation ever verifies. */
import { assertEquals } from "../support/assert.ts";
import {
  createHello,
  decodeHello,
  HELLO_BYTES,
  HELLO_MAGIC,
  verifyHello,
} from "../../src/protocol/hello.ts";
import { isHelloError } from "../../src/protocol/hello_error.ts";
import { knownPeerSet } from "../../src/protocol/known_peers.ts";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "../../src/protocol/timestamp.ts";
import { sodium } from "../../src/crypto/sodium.ts";
import {
  attempt,
  attemptAsync,
  bytes,
  fc,
  fuzz,
  inPlaceMutations,
  mutate,
  mutations,
  sameBytes,
} from "./_fuzz.ts";

const na = await sodium();
function keypair(seed: Uint8Array) {
  const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
  privateKey.fill(0);
  return { seed, publicKey };
}
const dialer = keypair(new Uint8Array(32).fill(1));
const listener = keypair(new Uint8Array(32).fill(2));
const NOW = Date.UTC(2026, 10, 22);
const valid = await createHello(dialer, listener.publicKey, {
  nonce: new Uint8Array(16).fill(7),
  timestampMs: NOW,
});
const options = {
  selfKey: listener.publicKey,
  knownPeers: knownPeerSet([dialer.publicKey]),
  now: NOW,
};
const never = () => false;

fuzz(
  "decodeHello() throws only HelloError on random bytes; verifyHello() never throws",
  fc.asyncProperty(bytes(200), fc.boolean(), async (input, shaped) => {
    if (shaped) {
      const hello = new Uint8Array(HELLO_BYTES);
      hello.set(input.subarray(0, HELLO_BYTES));
      hello.set(HELLO_MAGIC);
      input = hello;
    }
    attempt(() => decodeHello(input), isHelloError);
    const verdict = await attemptAsync(() => verifyHello(input, options), never);
    if ("ok" in verdict && verdict.ok.ok) throw new Error("a random hello verified");
  }),
);

fuzz(
  "no mutation of a signed hello verifies, whatever part it touches",
  fc.asyncProperty(fc.oneof(mutations, inPlaceMutations), async (edits) => {
    const input = mutate(valid, edits);
    attempt(() => decodeHello(input), isHelloError);
    const verdict = await attemptAsync(() => verifyHello(input, options), never);
    if ("ok" in verdict && verdict.ok.ok && !sameBytes(input, valid)) {
      throw new Error("a mutated hello verified");
    }
  }),
  { divisor: 4 },
);

fuzz(
  "createHello() then decodeHello() and verifyHello() round-trip",
  fc.asyncProperty(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.integer({ min: MIN_TIMESTAMP_MS, max: MAX_TIMESTAMP_MS - 1 }),
    async (seed, nonce, timestampMs) => {
      const signer = keypair(seed);
      const hello = await createHello(signer, listener.publicKey, { nonce, timestampMs });
      assertEquals({ ...decodeHello(hello) }, {
        dialerKey: signer.publicKey,
        recipientKey: listener.publicKey,
        nonce,
        timestampMs,
      });
      const verdict = await verifyHello(hello, {
        ...options,
        knownPeers: knownPeerSet([signer.publicKey]),
        now: timestampMs,
      });
      assertEquals(verdict, { ok: true, peerKey: signer.publicKey, nonce });
    },
  ),
  { divisor: 4 },
);
