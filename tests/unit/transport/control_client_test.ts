/** The control client against a scripted fake control port (no tor needed). */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { TorControl } from "../../../src/transport/control_client.ts";
import { TorAuthError, TorControlError } from "../../../src/transport/control_error.ts";
import { localTrustedUids } from "../../../src/transport/cookie_file.ts";
import { fakeControlPort } from "../../support/tor_control_fake.ts";
import { isUserError } from "../../support/user_error.ts";

/** Trust as the real attach does: root, us and tor's accounts. */
const trusted = localTrustedUids();

Deno.test("TorControl refuses plain COOKIE and never sends the cookie file's contents", async () => {
  const dir = await Deno.makeTempDir();
  const cookie = new Uint8Array(32).map((_, i) => i);
  await Deno.writeFile(`${dir}/cookie`, cookie);
  const fake = await fakeControlPort(async (line, send) => {
    if (line === "PROTOCOLINFO 1") {
      await send(
        `250-PROTOCOLINFO 1\r\n250-AUTH METHODS=COOKIE COOKIEFILE="${dir}/cookie"\r\n` +
          '250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n',
      );
    } else if (line.startsWith("AUTHENTICATE ")) await send("250 OK\r\n");
  });
  const control = await TorControl.connect(fake.address);
  const err = await control.authenticate({ trusted }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  assert.match(err.message, /offers COOKIE authentication/);
  assert.ok(err.hint);
  assert.deepEqual(fake.received, ["PROTOCOLINFO 1"]);
  await control.close();
  await fake.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("TorControl refuses METHODS=NULL", async () => {
  const fake = await fakeControlPort(async (_line, send) => {
    await send("250-PROTOCOLINFO 1\r\n250-AUTH METHODS=NULL\r\n250 OK\r\n");
  });
  const control = await TorControl.connect(fake.address);
  const err = await control.authenticate({ trusted }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  assert.ok(err instanceof TorAuthError && err.reason === "method");
  assert.deepEqual(fake.received, ["PROTOCOLINFO 1"]);
  await control.close();
  await fake.close();
});

/** A fake tor answering SAFECOOKIE; `honest: false` pretends not to know the cookie. */
async function safeCookieTor(cookie: Uint8Array, honest: boolean) {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/cookie`, cookie);
  const serverNonce = new Uint8Array(32).fill(0xab);
  let clientHash = "";
  const fake = await fakeControlPort(async (line, send) => {
    if (line === "PROTOCOLINFO 1") {
      await send(
        `250-PROTOCOLINFO 1\r\n250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="${dir}/cookie"\r\n` +
          "250 OK\r\n",
      );
    } else if (line.startsWith("AUTHCHALLENGE SAFECOOKIE ")) {
      const clientNonce = Buffer.from(line.split(" ")[2], "hex");
      const message = Buffer.concat([
        honest ? cookie : new Uint8Array(32),
        clientNonce,
        serverNonce,
      ]);
      const hmac = (key: string) => createHmac("sha256", key).update(message).digest("hex");
      clientHash = hmac("Tor safe cookie authentication controller-to-server hash");
      await send(
        `250 AUTHCHALLENGE SERVERHASH=${
          hmac("Tor safe cookie authentication server-to-controller hash")
        } SERVERNONCE=${Buffer.from(serverNonce).toString("hex")}\r\n`,
      );
    } else if (line === `AUTHENTICATE ${clientHash}`) await send("250 OK\r\n");
    else await send("515 Authentication failed\r\n");
  });
  return { fake, dir };
}

Deno.test("TorControl prefers SAFECOOKIE and never sends the cookie itself", async () => {
  const cookie = new Uint8Array(32).fill(7);
  const { fake, dir } = await safeCookieTor(cookie, true);
  const control = await TorControl.connect(fake.address);
  await control.authenticate({ trusted });
  assert.equal(fake.received.length, 3);
  assert.ok(!fake.received.join("\n").includes(Buffer.from(cookie).toString("hex")));
  await control.close();
  await fake.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("TorControl refuses a control port that fails the SAFECOOKIE challenge", async () => {
  const { fake, dir } = await safeCookieTor(new Uint8Array(32).fill(7), false);
  const control = await TorControl.connect(fake.address);
  const err = await control.authenticate({ trusted }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  assert.match(err.message, /SAFECOOKIE/);
  assert.equal(fake.received.length, 2, "no AUTHENTICATE was sent");
  await control.close();
  await fake.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("TorControl sends a quoted password when given one, and maps 515 to tor_unavailable", async () => {
  const fake = await fakeControlPort(async (line, send) => {
    if (line === "PROTOCOLINFO 1") {
      await send("250-PROTOCOLINFO 1\r\n250-AUTH METHODS=HASHEDPASSWORD\r\n250 OK\r\n");
    } else await send("515 Authentication failed: Password did not match\r\n");
  });
  const control = await TorControl.connect(fake.address);
  const err = await control.authenticate({ password: 'se"cret', trusted }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  assert.equal(fake.received[1], 'AUTHENTICATE "se\\"cret"');
  await control.close();
  await fake.close();
});

Deno.test("TorControl refuses when tor wants a password we do not have", async () => {
  const fake = await fakeControlPort(async (_line, send) => {
    await send("250-PROTOCOLINFO 1\r\n250-AUTH METHODS=HASHEDPASSWORD\r\n250 OK\r\n");
  });
  const control = await TorControl.connect(fake.address);
  const err = await control.authenticate({ trusted }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"));
  assert.match(err.message, /HASHEDPASSWORD/);
  assert.match(err.hint ?? "", /LEGION_TOR_CONTROL_PASSWORD/);
  await control.close();
  await fake.close();
});

Deno.test("TorControl matches pipelined replies in order and routes 650 events aside", async () => {
  const fake = await fakeControlPort(async (line, send) => {
    if (line.startsWith("GETINFO version")) {
      await send("650 HS_DESC UPLOAD abc UNKNOWN x\r\n");
      await send("250-version=0.4.9.11\r\n250 OK\r\n");
    } else if (line.startsWith("GETINFO config-text")) {
      await send("250+config-text=\r\nLog notice stdout\r\n.\r\n250 OK\r\n");
    } else if (line.startsWith("GETINFO nope")) {
      await send('552 Unrecognized key "nope"\r\n');
    }
  });
  const control = await TorControl.connect(fake.address);
  const events: string[] = [];
  control.onEvent((event) => events.push(event.lines[0].text));
  const [version, config, missing] = await Promise.all([
    control.getInfo("version"),
    control.getInfo("config-text"),
    control.getInfo("nope").catch((e) => e),
  ]);
  assert.deepEqual(version, { version: "0.4.9.11" });
  assert.deepEqual(config, { "config-text": "Log notice stdout" });
  assert.ok(missing instanceof TorControlError);
  assert.equal(missing.status, 552);
  assert.deepEqual(events, ["HS_DESC UPLOAD abc UNKNOWN x"]);
  await control.close();
  await fake.close();
});

Deno.test("TorControl.addOnion() sends the key, flags and ports and returns the ServiceID", async () => {
  const fake = await fakeControlPort(async (_line, send) => {
    await send("250-ServiceID=abcdef\r\n250 OK\r\n");
  });
  const control = await TorControl.connect(fake.address);
  const id = await control.addOnion({
    key: "ED25519-V3:AAAA",
    flags: ["DiscardPK"],
    ports: ["80,127.0.0.1:4711"],
  });
  assert.equal(id, "abcdef");
  assert.equal(
    fake.received[0],
    "ADD_ONION ED25519-V3:AAAA Flags=DiscardPK Port=80,127.0.0.1:4711",
  );
  await control.close();
  await fake.close();
});

Deno.test("TorControl rejects pending commands when the connection drops", async () => {
  const fake = await fakeControlPort(() => {
    throw new Error("hang up");
  });
  const control = await TorControl.connect(fake.address);
  const err = await control.getInfo("version").catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  await control.closed;
  await fake.close();
});

Deno.test("TorControl.connect() reports a closed port as tor_unavailable", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const err = await TorControl.connect({ host: "127.0.0.1", port }).catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
});

Deno.test("TorControl.command() refuses a line break inside a command", async () => {
  const fake = await fakeControlPort(() => {});
  const control = await TorControl.connect(fake.address);
  assert.throws(() => control.command("GETINFO version\r\nSIGNAL HALT"), RangeError);
  await control.close();
  await fake.close();
});
