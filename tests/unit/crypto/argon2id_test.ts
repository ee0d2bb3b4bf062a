import { assert, assertEquals } from "../../support/assert.ts";
import { argon2id } from "../../../src/crypto/argon2id.ts";
import { argon2idInProcess } from "../../../src/crypto/argon2id_core.ts";
import { sodium } from "../../../src/crypto/sodium.ts";

const moduleUrl = new URL("../../../src/crypto/argon2id.ts", import.meta.url).href;

/**
 * RSS is per process and `deno test --parallel` runs other test files beside this one, so the
 * derivation is measured in a child process of its own.
 */
const MEASURE = `
const { argon2id } = await import(${JSON.stringify(moduleUrl)});
const MiB = 1024 * 1024;
const before = Deno.memoryUsage().rss;
await argon2id({
  passphrase: "correct horse battery staple",
  salt: new Uint8Array(16).fill(7),
  opslimit: 3,
  memlimit: 256 * MiB,
});
// In-process, libsodium's WebAssembly memory grows by 256 MiB and never shrinks; a terminated
// Worker's memory is released once its thread has wound down.
let grown = Infinity;
for (let i = 0; i < 50 && grown >= 64; i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  grown = (Deno.memoryUsage().rss - before) / MiB;
}
console.log(JSON.stringify({ grown }));
`;

Deno.test("argon2id() at MODERATE leaves no 256 MiB scratch resident", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", MEASURE],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  const { grown } = JSON.parse(new TextDecoder().decode(out.stdout)) as { grown: number };
  assert(grown < 64, `RSS grew by ${grown.toFixed(0)} MiB after the derivation`);
});

Deno.test("argon2id() in its worker matches libsodium in-process", async () => {
  const na = await sodium();
  const request = {
    passphrase: "correct horse battery staple",
    salt: new Uint8Array(16).fill(7),
    opslimit: na.crypto_pwhash_OPSLIMIT_MODERATE,
    memlimit: na.crypto_pwhash_MEMLIMIT_MODERATE,
  };
  const key = await argon2id(request);
  assertEquals(key.length, 32);
  assertEquals(key, await argon2idInProcess(request));
});
