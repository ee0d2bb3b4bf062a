/** control_auth.ts's rules against a scripted in-memory control channel, and control_owner.ts. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { authenticateControl, type ControlChannel } from "../../../src/transport/control_auth.ts";
import { TorAuthError, TorControlError } from "../../../src/transport/control_error.ts";
import { ControlReplyParser } from "../../../src/transport/control_reply.ts";
import { listenerUids } from "../../../src/transport/control_owner.ts";

const self = Deno.uid() ?? 0;
const trusted = new Set([0, self]);

/** A channel that answers each command through `script` and records what it was sent. */
function scripted(script: (line: string) => string): ControlChannel & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    command(line) {
      sent.push(line);
      const [reply] = new ControlReplyParser().push(script(line));
      if (reply.status >= 400) {
        return Promise.reject(new TorControlError(reply.status, reply.lines[0].text, line));
      }
      return Promise.resolve(reply);
    },
  };
}

/** An honest SAFECOOKIE tor knowing `cookie`, advertising `cookieFile`. */
function safeCookieTor(cookie: Uint8Array, cookieFile: string, methods = "COOKIE,SAFECOOKIE") {
  const serverNonce = Buffer.alloc(32, 0xab);
  let clientHash = "";
  return scripted((line) => {
    if (line === "PROTOCOLINFO 1") {
      return `250-PROTOCOLINFO 1\r\n250-AUTH METHODS=${methods} COOKIEFILE="${cookieFile}"\r\n250 OK\r\n`;
    }
    if (line.startsWith("AUTHCHALLENGE SAFECOOKIE ")) {
      const message = Buffer.concat([cookie, Buffer.from(line.split(" ")[2], "hex"), serverNonce]);
      const hmac = (key: string) => createHmac("sha256", key).update(message).digest("hex");
      clientHash = hmac("Tor safe cookie authentication controller-to-server hash");
      return `250 AUTHCHALLENGE SERVERHASH=${
        hmac("Tor safe cookie authentication server-to-controller hash")
      } SERVERNONCE=${serverNonce.toString("hex")}\r\n`;
    }
    if (line === `AUTHENTICATE ${clientHash}`) return "250 OK\r\n";
    if (line.startsWith("AUTHENTICATE ")) return "515 Authentication failed\r\n";
    return "510 Unrecognized command\r\n";
  });
}

async function reason(promise: Promise<unknown>): Promise<string> {
  const err = await promise.catch((e) => e);
  assert.ok(err instanceof TorAuthError, String(err));
  return err.reason;
}

Deno.test("authenticateControl() uses the cookie the user named, not the one the port names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cookie = new Uint8Array(32).fill(5);
    await Deno.writeFile(`${dir}/mine`, cookie);
    await Deno.chmod(`${dir}/mine`, 0o666); // named explicitly: its mode is the user's business
    const tor = safeCookieTor(cookie, "/nonexistent/their_cookie");
    await authenticateControl(tor, { cookieFile: `${dir}/mine`, trusted: new Set([4242]) });
    assert.equal(tor.sent.length, 3);
    assert.ok(!tor.sent.join("\n").includes(Buffer.from(cookie).toString("hex")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("authenticateControl() refuses a named cookie of an untrusted owner before AUTHCHALLENGE", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cookie = new Uint8Array(32).fill(5);
    await Deno.writeFile(`${dir}/cookie`, cookie);
    const tor = safeCookieTor(cookie, `${dir}/cookie`);
    assert.equal(await reason(authenticateControl(tor, { trusted: new Set([4242]) })), "cookie");
    assert.deepEqual(tor.sent, ["PROTOCOLINFO 1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("authenticateControl() refuses a malformed or refused AUTHCHALLENGE", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/cookie`, new Uint8Array(32));
    for (const answer of ["250 AUTHCHALLENGE SERVERHASH=00 SERVERNONCE=00\r\n", "513 No\r\n"]) {
      const tor = scripted((line) =>
        line === "PROTOCOLINFO 1"
          ? `250-AUTH METHODS=SAFECOOKIE COOKIEFILE="${dir}/cookie"\r\n250 OK\r\n`
          : answer
      );
      assert.equal(await reason(authenticateControl(tor, { trusted })), "challenge");
      assert.ok(!tor.sent.some((line) => line.startsWith("AUTHENTICATE")));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("authenticateControl() sends a password only to a listener root, we or tor own", async () => {
  const tor = () =>
    scripted((line) =>
      line === "PROTOCOLINFO 1"
        ? "250-AUTH METHODS=HASHEDPASSWORD\r\n250 OK\r\n"
        : line === 'AUTHENTICATE "pw"'
        ? "250 OK\r\n"
        : "515 Authentication failed\r\n"
    );
  for (const owners of [[4242], [self, 4242], []]) {
    const squatted = tor();
    const options = { password: "pw", trusted, listenerOwners: owners };
    assert.equal(await reason(authenticateControl(squatted, options)), "owner");
    assert.deepEqual(squatted.sent, ["PROTOCOLINFO 1"], String(owners));
  }
  const ours = tor();
  await authenticateControl(ours, { password: "pw", trusted, listenerOwners: [0, self] });
  assert.deepEqual(ours.sent, ["PROTOCOLINFO 1", 'AUTHENTICATE "pw"']);
  const wrong = tor();
  assert.equal(await reason(authenticateControl(wrong, { password: "no", trusted })), "rejected");
});

Deno.test("authenticateControl() keeps a password from a port that does not ask for one", async () => {
  const tor = scripted(() => "250-AUTH METHODS=NULL,COOKIE\r\n250 OK\r\n");
  assert.equal(await reason(authenticateControl(tor, { password: "pw", trusted })), "method");
  assert.deepEqual(tor.sent, ["PROTOCOLINFO 1"]);
});

Deno.test("listenerUids() reads the LISTEN sockets on a port from /proc/net/tcp", () => {
  const text = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:2353 00000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 1 1",
    "   1: 0100007F:2353 0100007F:C001 01 00000000:00000000 00:00000000 00000000  1001        0 2 1",
    "   2: 00000000:2353 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 3 1",
    "   3: 0100007F:2352 00000000:0000 0A 00000000:00000000 00:00000000 00000000     7        0 4 1",
  ].join("\n");
  assert.deepEqual(listenerUids(text, 9043), [102, 1001]);
  assert.deepEqual(listenerUids(text, 9042), [7]);
  assert.deepEqual(listenerUids(text, 9051), []);
});
