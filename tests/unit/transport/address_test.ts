import assert from "node:assert/strict";
import { formatPortAddress, parsePortAddress } from "../../../src/transport/address.ts";
import { isLegionError } from "../../../src/errors.ts";

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
    assert.throws(() => parsePortAddress(bad, "control"), (e) => isLegionError(e, "usage"), bad);
  }
});
