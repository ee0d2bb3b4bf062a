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
    `ADD_ONION ED25519-V3:${key} Flags=DiscardPK Port=80,127.0.0.1:4711`,
  ]);
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
