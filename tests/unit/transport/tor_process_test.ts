import assert from "node:assert/strict";
import { baseTorrc, torEnvironment } from "../../../src/transport/tor_process.ts";

Deno.test("baseTorrc() keeps tor on loopback, authenticated by a cookie file Legion names, GeoIP-free and owned", () => {
  const lines = baseTorrc("/home/u/.local/share/legion/tor", 4242).split("\n");
  for (
    const expected of [
      'DataDirectory "/home/u/.local/share/legion/tor"',
      "SocksPort 127.0.0.1:auto",
      "ControlPort 127.0.0.1:auto",
      "CookieAuthentication 1",
      'CookieAuthFile "/home/u/.local/share/legion/tor/control_auth_cookie"',
      "GeoIPFile /dev/null",
      "GeoIPv6File /dev/null",
      "__OwningControllerProcess 4242",
    ]
  ) assert.ok(lines.includes(expected), expected);
});

Deno.test("baseTorrc() quotes a data dir with spaces and quotes", () => {
  assert.match(baseTorrc('/tmp/a "b"', 1), /^DataDirectory "\/tmp\/a \\"b\\""$/m);
});

Deno.test("torEnvironment() keeps the environment but drops every LEGION_ variable (the passphrase)", () => {
  const env = { PATH: "/usr/bin", HOME: "/root", LEGION_PASSPHRASE: "secret", LEGION_HOME: "/x" };
  assert.deepEqual(torEnvironment(env), { PATH: "/usr/bin", HOME: "/root" });
});
