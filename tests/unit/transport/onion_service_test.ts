/** publishOnion() against a scripted control port: the exact ADD_ONION, the checks, the waits. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { TorControl } from "../../../src/transport/control_client.ts";
import { publishOnion } from "../../../src/transport/onion_service.ts";
import { expandedSecretKey, onionAddress } from "../../../src/crypto/onion.ts";
import { sodium } from "../../../src/crypto/sodium.ts";
import { fakeControlPort } from "../../support/tor_control_fake.ts";
import { isUserError } from "../../support/user_error.ts";

const na = await sodium();
const seed = new Uint8Array(32).fill(42);
const { publicKey, privateKey } = na.crypto_sign_seed_keypair(seed);
privateKey.fill(0);
const identity = { seed, publicKey };
const address = onionAddress(publicKey);

/** A control port that publishes `serviceId` and, if `upload`, reports its descriptor uploaded. */
function fakeTor(serviceId: string, upload: boolean) {
  return fakeControlPort(async (line, send) => {
    if (line.startsWith("ADD_ONION ")) {
      await send(`250-ServiceID=${serviceId}\r\n250 OK\r\n`);
      if (upload) {
        await send(`650 HS_DESC UPLOAD ${serviceId} UNKNOWN $AAAA\r\n`);
        await send(`650 HS_DESC UPLOADED ${serviceId} UNKNOWN $AAAA\r\n`);
      }
    } else await send("250 OK\r\n");
  });
}

Deno.test("publishOnion() adds the service from the expanded identity key and waits for the upload", async () => {
  const fake = await fakeTor(address, true);
  const control = await TorControl.connect(fake.address);
  const published = await publishOnion(control, identity, { host: "127.0.0.1", port: 4711 });
  assert.equal(published.onion, `${address}.onion`);
  const key = Buffer.from(expandedSecretKey(seed)).toString("base64");
  assert.deepEqual(fake.received, [
    "SETEVENTS HS_DESC",
    `ADD_ONION ED25519-V3:${key} Flags=DiscardPK,MaxStreamsCloseCircuit MaxStreams=8 ` +
    `PoWDefensesEnabled=1 PoWQueueRate=25 PoWQueueBurst=250 Port=80,127.0.0.1:4711`,
  ]);
  assert.equal(published.pow, true);
  await published.remove();
  assert.equal(fake.received.at(-1), `DEL_ONION ${address}`);
  await control.close();
  await fake.close();
});

Deno.test("publishOnion() refuses a ServiceID that is not our derived address, and removes it", async () => {
  const other = "b".repeat(56);
  const fake = await fakeTor(other, true);
  const control = await TorControl.connect(fake.address);
  const err = await publishOnion(control, identity, { host: "127.0.0.1", port: 1 }).catch((e) => e);
  assert.ok(isUserError(err, "internal"), String(err));
  assert.match(err.message, /not the address derived from our key/);
  assert.equal(fake.received.at(-1), `DEL_ONION ${other}`);
  await control.close();
  await fake.close();
});

Deno.test("publishOnion() gives up when no descriptor is uploaded in time", async () => {
  const fake = await fakeTor(address, false);
  const control = await TorControl.connect(fake.address);
  const err = await publishOnion(control, identity, { host: "127.0.0.1", port: 1 }, {
    timeoutMs: 50,
  }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  assert.match(err.message, /descriptor/);
  assert.equal(fake.received.at(-1), `DEL_ONION ${address}`);
  await control.close();
  await fake.close();
});

Deno.test("publishOnion() passes a configured MaxStreams and PoW queue, or no PoW at all", async () => {
  const key = Buffer.from(expandedSecretKey(seed)).toString("base64");
  for (
    const [options, tail] of [
      [
        { maxStreams: 3, pow: { queueRate: 5, queueBurst: 9 } },
        "MaxStreams=3 PoWDefensesEnabled=1 PoWQueueRate=5 PoWQueueBurst=9",
      ],
      [{ pow: false as const }, "MaxStreams=8"],
    ] as const
  ) {
    const fake = await fakeTor(address, true);
    const control = await TorControl.connect(fake.address);
    const published = await publishOnion(
      control,
      identity,
      { host: "127.0.0.1", port: 1 },
      options,
    );
    assert.equal(
      fake.received[1],
      `ADD_ONION ED25519-V3:${key} Flags=DiscardPK,MaxStreamsCloseCircuit ${tail} Port=80,127.0.0.1:1`,
    );
    assert.equal(published.pow, options.pow !== false);
    await published.remove();
    await control.close();
    await fake.close();
  }
});

Deno.test("publishOnion() falls back to no PoW when tor does not know the keywords", async () => {
  const fake = await fakeControlPort(async (line, send) => {
    if (line.startsWith("ADD_ONION ") && line.includes("PoWDefensesEnabled")) {
      await send(
        '512 Bad arguments to ADD_ONION: Unrecognized keyword argument "PoWDefensesEnabled"\r\n',
      );
    } else if (line.startsWith("ADD_ONION ")) {
      await send(`250-ServiceID=${address}\r\n250 OK\r\n`);
      await send(`650 HS_DESC UPLOADED ${address} UNKNOWN $AAAA\r\n`);
    } else await send("250 OK\r\n");
  });
  const control = await TorControl.connect(fake.address);
  const published = await publishOnion(control, identity, { host: "127.0.0.1", port: 1 });
  assert.equal(published.pow, false);
  const adds = fake.received.filter((line) => line.startsWith("ADD_ONION "));
  assert.equal(adds.length, 2);
  assert.match(adds[1], / Flags=DiscardPK,MaxStreamsCloseCircuit MaxStreams=8 Port=/);
  await published.remove();
  await control.close();
  await fake.close();
});

Deno.test("publishOnion() does not retry a refusal that is not about PoW", async () => {
  const fake = await fakeControlPort(async (line, send) => {
    if (line.startsWith("ADD_ONION ")) await send("550 Onion address collision\r\n");
    else await send("250 OK\r\n");
  });
  const control = await TorControl.connect(fake.address);
  const err = await publishOnion(control, identity, { host: "127.0.0.1", port: 1 }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  assert.equal(fake.received.filter((line) => line.startsWith("ADD_ONION ")).length, 1);
  await control.close();
  await fake.close();
});
