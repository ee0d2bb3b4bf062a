/**
 * A hostile control port, run as another local user by tests/integration/tor_control_squatter_test.ts
 * (copied to a world-readable directory; it imports nothing). It plays tor while tor is down and
 * answers everything with 250, hoping for the cookie, the password or ADD_ONION's key.
 *
 *   deno run --allow-net --allow-write=DIR tor_control_squatter.ts MODE VICTIM_FILE DIR
 *
 * MODE: `null` (METHODS=NULL), `cookie` (plain COOKIE naming VICTIM_FILE), `safecookie-victim`
 * (SAFECOOKIE naming VICTIM_FILE, which it cannot read), `safecookie-own` (SAFECOOKIE with a cookie
 * of its own in DIR, so it passes the challenge), `password` (HASHEDPASSWORD, accepts any).
 * Prints `PORT <n>` once listening, then `RECV <json line>` for every line it receives.
 */
const [mode, victim, dir] = Deno.args;
const HMAC_KEYS = {
  server: "Tor safe cookie authentication server-to-controller hash",
  client: "Tor safe cookie authentication controller-to-server hash",
};
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));

async function hmac(key: string, message: Uint8Array<ArrayBuffer>): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", k, message)));
}

const ownCookie = crypto.getRandomValues(new Uint8Array(32));
let cookieFile = victim;
if (mode === "safecookie-own") {
  cookieFile = `${dir}/control_auth_cookie`;
  await Deno.writeFile(cookieFile, ownCookie, { mode: 0o600 });
}
const methods = {
  "null": "NULL",
  "cookie": "COOKIE",
  "safecookie-victim": "COOKIE,SAFECOOKIE",
  "safecookie-own": "COOKIE,SAFECOOKIE",
  "password": "HASHEDPASSWORD",
}[mode];
if (!methods) throw new Error(`unknown mode ${mode}`);

async function answer(line: string): Promise<string> {
  if (line.startsWith("PROTOCOLINFO")) {
    const file = methods!.includes("COOKIE") ? ` COOKIEFILE="${cookieFile}"` : "";
    return `250-PROTOCOLINFO 1\r\n250-AUTH METHODS=${methods}${file}\r\n` +
      '250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n';
  }
  if (line.startsWith("AUTHCHALLENGE SAFECOOKIE ")) {
    const serverNonce = crypto.getRandomValues(new Uint8Array(32));
    const message = new Uint8Array([...ownCookie, ...unhex(line.split(" ")[2]), ...serverNonce]);
    return `250 AUTHCHALLENGE SERVERHASH=${await hmac(HMAC_KEYS.server, message)} ` +
      `SERVERNONCE=${hex(serverNonce)}\r\n`;
  }
  if (line.startsWith("GETINFO net/listeners/socks")) {
    return '250-net/listeners/socks="127.0.0.1:9"\r\n250 OK\r\n';
  }
  if (line.startsWith("GETINFO")) return "250 OK\r\n";
  if (line.startsWith("ADD_ONION")) {
    return "250-ServiceID=" + "a".repeat(56) + "\r\n250 OK\r\n";
  }
  return "250 OK\r\n";
}

async function serve(conn: Deno.Conn): Promise<void> {
  let buffer = "";
  const chunk = new Uint8Array(65536);
  try {
    while (true) {
      const n = await conn.read(chunk);
      if (n === null) break;
      buffer += new TextDecoder().decode(chunk.subarray(0, n));
      let end;
      while ((end = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, end).replace(/\r$/, "");
        buffer = buffer.slice(end + 1);
        console.log("RECV " + JSON.stringify(line));
        await conn.write(new TextEncoder().encode(await answer(line)));
      }
    }
    if (buffer) console.log("RECV " + JSON.stringify(buffer));
  } catch { /* the client went away */ }
  conn.close();
}

const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(`PORT ${(server.addr as Deno.NetAddr).port}`);
for await (const conn of server) void serve(conn);
