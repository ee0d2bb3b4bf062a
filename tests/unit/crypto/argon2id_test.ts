import { assert, assertEquals } from "../../support/assert.ts";
import { argon2id } from "../../../src/crypto/argon2id.ts";
import { argon2idInProcess } from "../../../src/crypto/argon2id_core.ts";
import { sodium } from "../../../src/crypto/sodium.ts";

const MiB = 1024 * 1024;

Deno.test("argon2id() at MODERATE leaves no 256 MiB scratch resident, and matches libsodium in-process", async () => {
  const na = await sodium();
  const request = {
    passphrase: "correct horse battery staple",
    salt: new Uint8Array(16).fill(7),
    opslimit: na.crypto_pwhash_OPSLIMIT_MODERATE,
    memlimit: na.crypto_pwhash_MEMLIMIT_MODERATE,
  };
  const before = Deno.memoryUsage().rss;
  const key = await argon2id(request);
  // In-process, libsodium's WebAssembly memory grows by 256 MiB and never shrinks; a terminated
  // Worker's memory is released once its thread has wound down.
  let grown = Infinity;
  for (let i = 0; i < 50 && grown >= 64; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    grown = (Deno.memoryUsage().rss - before) / MiB;
  }
  assert(grown < 64, `RSS grew by ${grown.toFixed(0)} MiB after the derivation`);
  assertEquals(key.length, 32);
  assertEquals(key, await argon2idInProcess(request));
});
