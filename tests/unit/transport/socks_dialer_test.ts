/** The SOCKS dialer against fake SOCKS5 servers: error classes, retries, success. */
import assert from "node:assert/strict";
import { dialSocks } from "../../../src/transport/socks_dialer.ts";
import { isUserError } from "../../support/user_error.ts";

const ONION = "a".repeat(56) + ".onion";

/** A SOCKS5 server that answers every CONNECT with `reply` (0 = granted). */
function fakeSocks(reply: number) {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const conns: Deno.Conn[] = [];
  const loop = (async () => {
    for await (const conn of server) {
      connections++;
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(512);
        await conn.read(buf); // greeting
        await conn.write(new Uint8Array([5, 0]));
        await conn.read(buf); // CONNECT request
        await conn.write(new Uint8Array([5, reply, 0, 1, 0, 0, 0, 0, 0, 0]));
        if (reply !== 0) conn.close();
      })().catch(() => {});
    }
  })();
  return {
    address: { host: "127.0.0.1", port: (server.addr as Deno.NetAddr).port },
    get connections() {
      return connections;
    },
    async close() {
      server.close();
      await loop.catch(() => {});
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}

Deno.test("dialSocks() reports a closed SOCKS port as tor_unavailable without retrying", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const started = performance.now();
  const err = await dialSocks({ host: "127.0.0.1", port }, ONION, { backoffMs: 2_000 })
    .catch((e) => e);
  assert.ok(isUserError(err, "tor_unavailable"), String(err));
  assert.ok(performance.now() - started < 1_500, "no backoff for a dead tor");
});

Deno.test("dialSocks() retries a refused onion, then reports peer_unavailable", async () => {
  const socks = fakeSocks(0xf0); // tor: onion service descriptor not found
  const err = await dialSocks(socks.address, ONION, { attempts: 3, backoffMs: 10 })
    .catch((e) => e);
  assert.ok(isUserError(err, "peer_unavailable"), String(err));
  assert.match(err.message, /after 3 attempts/);
  assert.equal(socks.connections, 3);
  await socks.close();
});

Deno.test("dialSocks() reports a named SOCKS failure from tor", async () => {
  const socks = fakeSocks(4); // host unreachable
  const err = await dialSocks(socks.address, ONION, { attempts: 1 }).catch((e) => e);
  assert.ok(isUserError(err, "peer_unavailable"));
  assert.match(err.message, /HostUnreachable/);
  await socks.close();
});

Deno.test("dialSocks() returns the connected socket when tor grants the stream", async () => {
  const socks = fakeSocks(0);
  const socket = await dialSocks(socks.address, ONION);
  assert.ok(!socket.destroyed);
  socket.destroy();
  await socks.close();
});

Deno.test("dialSocks() gives up on a silent proxy after its timeout", async () => {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const loop = (async () => {
    for await (const conn of server) held.push(conn);
  })();
  const err = await dialSocks(
    { host: "127.0.0.1", port: (server.addr as Deno.NetAddr).port },
    ONION,
    { attempts: 2, timeoutMs: 100, backoffMs: 10 },
  ).catch((e) => e);
  assert.ok(isUserError(err, "peer_unavailable"), String(err));
  server.close();
  await loop.catch(() => {});
  for (const c of held) c.close();
});

Deno.test("dialSocks() ends a connect in progress at once when its signal is aborted", async () => {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const loop = (async () => {
    for await (const conn of server) held.push(conn);
  })();
  const controller = new AbortController();
  const started = performance.now();
  const dial = dialSocks(
    { host: "127.0.0.1", port: (server.addr as Deno.NetAddr).port },
    ONION,
    { attempts: 3, timeoutMs: 60_000, signal: controller.signal },
  ).catch((e) => e);
  setTimeout(() => controller.abort(new Error("stopping")), 100);
  const err = await dial;
  assert.equal((err as Error).message, "stopping");
  assert.ok(performance.now() - started < 2_000, "did not wait for the SOCKS timeout");
  server.close();
  await loop.catch(() => {});
  for (const c of held) c.close();
});
