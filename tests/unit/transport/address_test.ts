import assert from "node:assert/strict";
import {
  assertLocalControl,
  formatPortAddress,
  isLoopbackHost,
  parsePortAddress,
} from "../../../src/transport/address.ts";
import { isUserError, userError } from "../../support/user_error.ts";

Deno.test("parsePortAddress() reads HOST:PORT, a bare port, IPv6 and unix sockets", () => {
  assert.deepEqual(parsePortAddress("127.0.0.1:9051", "control"), {
    host: "127.0.0.1",
    port: 9051,
  });
  assert.deepEqual(parsePortAddress("9051", "control"), { host: "127.0.0.1", port: 9051 });
  assert.deepEqual(parsePortAddress("[::1]:9050", "SOCKS"), { host: "::1", port: 9050 });
  assert.deepEqual(parsePortAddress("unix:/run/tor/control", "control"), {
    path: "/run/tor/control",
  });
  assert.equal(formatPortAddress({ host: "::1", port: 9050 }), "[::1]:9050");
});

Deno.test("parsePortAddress() rejects bad input as a usage error", () => {
  for (const bad of ["", "localhost", "127.0.0.1:0", "127.0.0.1:70000", "unix:"]) {
    assert.throws(() => parsePortAddress(bad, "control"), (e) => isUserError(e, "usage"), bad);
  }
});

Deno.test("isLoopbackHost() admits 127.0.0.0/8, ::1 and localhost only", () => {
  for (
    const host of ["127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "localhost", "LocalHost"]
  ) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (
    const host of [
      "10.0.0.1",
      "0.0.0.0",
      "128.0.0.1",
      "::",
      "::2",
      "example.org",
      "127.0.0.1.nip.io",
    ]
  ) {
    assert.ok(!isLoopbackHost(host), host);
  }
});

Deno.test("assertLocalControl() admits unix sockets and loopback, refuses other hosts with 69", () => {
  const unix = parsePortAddress("unix:/run/tor/control", "control");
  assert.equal(assertLocalControl(unix), unix);
  assert.ok(assertLocalControl(parsePortAddress("localhost:9051", "control")));
  assert.ok(assertLocalControl(parsePortAddress("[::1]:9051", "control")));
  for (const text of ["192.168.1.2:9051", "[fe80::1]:9051", "tor.example:9051", "0.0.0.0:9051"]) {
    const address = parsePortAddress(text, "control");
    assert.throws(
      () => assertLocalControl(address),
      (e) => userError(e, "tor_unavailable")?.exitCode === 69 && Boolean(userError(e)?.hint),
      text,
    );
  }
});
