import assert from "node:assert/strict";
import {
  ACK_BYTES,
  createAck,
  createHello,
  decodeHello,
  HELLO_BYTES,
  isAckFor,
  parseHello,
  verifyHello,
} from "../../../src/protocol/hello.ts";
import { isHelloError } from "../../../src/protocol/hello_error.ts";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "../../../src/protocol/timestamp.ts";
import { knownPeerSet } from "../../../src/protocol/known_peers.ts";
import { ReplayCache } from "../../../src/protocol/replay_cache.ts";
import { seededIdentity } from "../../support/keys.ts";

const NOW = 1_800_000_000_000;

const dialer = await seededIdentity(1);
const listener = await seededIdentity(2);
const other = await seededIdentity(3);
const nonce = new Uint8Array(16).fill(9);

function options(overrides: Partial<Parameters<typeof verifyHello>[1]> = {}) {
  return {
    selfKey: listener.publicKey,
    knownPeers: knownPeerSet([dialer.publicKey]),
    now: NOW,
    ...overrides,
  };
}

const hello = await createHello(dialer, listener.publicKey, { nonce, timestampMs: NOW });

Deno.test("createHello() lays out magic, keys, nonce, timestamp and signature", () => {
  assert.equal(hello.length, HELLO_BYTES);
  assert.deepEqual(hello.subarray(0, 4), new TextEncoder().encode("LGH1"));
  const fields = parseHello(hello)!;
  assert.deepEqual(fields.dialerKey, dialer.publicKey);
  assert.deepEqual(fields.recipientKey, listener.publicKey);
  assert.deepEqual(fields.nonce, nonce);
  assert.equal(fields.timestampMs, NOW);
});

Deno.test("verifyHello() accepts a fresh hello from a known key to us", async () => {
  const verdict = await verifyHello(hello, options());
  assert.ok(verdict.ok);
  assert.deepEqual(verdict.peerKey, dialer.publicKey);
});

Deno.test("verifyHello() rejects wrong sizes and magic as malformed", async () => {
  for (const bad of [hello.subarray(0, 155), new Uint8Array([...hello, 0]), new Uint8Array(0)]) {
    assert.deepEqual(await verifyHello(bad, options()), { ok: false, reason: "malformed" });
  }
  const badMagic = hello.slice();
  badMagic[0] ^= 1;
  assert.deepEqual(await verifyHello(badMagic, options()), { ok: false, reason: "malformed" });
});

Deno.test("verifyHello() rejects a hello bound to another recipient", async () => {
  const forOther = await createHello(dialer, other.publicKey, { nonce, timestampMs: NOW });
  assert.deepEqual(await verifyHello(forOther, options()), {
    ok: false,
    reason: "wrong_recipient",
  });
});

Deno.test("verifyHello() rejects timestamps outside the clock window, both directions", async () => {
  const window = 60_000;
  for (const skew of [-window - 1, window + 1]) {
    const skewed = await createHello(dialer, listener.publicKey, {
      nonce,
      timestampMs: NOW + skew,
    });
    assert.deepEqual(await verifyHello(skewed, options({ windowMs: window })), {
      ok: false,
      reason: "stale",
    });
  }
  for (const skew of [-window, window]) {
    const edge = await createHello(dialer, listener.publicKey, { nonce, timestampMs: NOW + skew });
    assert.ok((await verifyHello(edge, options({ windowMs: window }))).ok, `edge ${skew}`);
  }
});

Deno.test("verifyHello() rejects an unknown key before checking its signature", async () => {
  const fromStranger = await createHello(other, listener.publicKey, { nonce, timestampMs: NOW });
  assert.deepEqual(await verifyHello(fromStranger, options()), {
    ok: false,
    reason: "unknown_key",
  });
  // A known key with garbage where the signature goes still reaches the signature check.
  const forged = hello.slice();
  forged.fill(0, 92);
  assert.deepEqual(await verifyHello(forged, options()), { ok: false, reason: "bad_signature" });
});

Deno.test("verifyHello() rejects a replayed nonce within the window", async () => {
  const replay = new ReplayCache();
  assert.ok((await verifyHello(hello, options({ replay }))).ok);
  assert.deepEqual(await verifyHello(hello, options({ replay })), {
    ok: false,
    reason: "replayed",
  });
});

Deno.test("verifyHello() fails for every single flipped byte", async () => {
  for (let i = 0; i < HELLO_BYTES; i++) {
    const tampered = hello.slice();
    tampered[i] ^= 0x01;
    const verdict = await verifyHello(tampered, options({ windowMs: 365 * 86_400_000 }));
    assert.equal(verdict.ok, false, `byte ${i}`);
  }
});

Deno.test("an ack answers only the hello whose nonce it echoes", () => {
  const ack = createAck(nonce);
  assert.equal(ack.length, ACK_BYTES);
  assert.ok(isAckFor(ack, nonce));
  assert.ok(!isAckFor(ack, new Uint8Array(16)));
  assert.ok(!isAckFor(ack.subarray(0, 19), nonce));
});

Deno.test("createHello() rejects keys and nonces of the wrong size", async () => {
  await assert.rejects(
    () => createHello(dialer, new Uint8Array(31), { nonce, timestampMs: NOW }),
    RangeError,
  );
  await assert.rejects(
    () => createHello(dialer, listener.publicKey, { nonce: new Uint8Array(8), timestampMs: NOW }),
    RangeError,
  );
});

Deno.test("decodeHello() names length, magic and timestamp failures", async () => {
  const reason = (bytes: Uint8Array) => {
    try {
      decodeHello(bytes);
      return "ok";
    } catch (err) {
      if (isHelloError(err)) return err.reason;
      throw err;
    }
  };
  const withTime = (t: bigint) => {
    const bytes = hello.slice();
    new DataView(bytes.buffer).setBigUint64(84, t);
    return bytes;
  };
  assert.equal(reason(hello), "ok");
  assert.equal(reason(hello.slice(0, HELLO_BYTES - 1)), "bad_length");
  const badMagic = hello.slice();
  badMagic[3] ^= 1;
  assert.equal(reason(badMagic), "bad_magic");
  assert.equal(reason(withTime(BigInt(MIN_TIMESTAMP_MS))), "ok");
  assert.equal(reason(withTime(BigInt(MAX_TIMESTAMP_MS - 1))), "ok");
  assert.equal(reason(withTime(BigInt(MIN_TIMESTAMP_MS - 1))), "bad_timestamp");
  assert.equal(reason(withTime(BigInt(MAX_TIMESTAMP_MS))), "bad_timestamp");
  assert.equal(reason(withTime(8_700_000_000_000_000n)), "bad_timestamp");
  assert.equal(parseHello(withTime(0n)), undefined);
  assert.deepEqual(await verifyHello(withTime(0n), options()), { ok: false, reason: "malformed" });
});
