/** Session state survives a restart: every step below runs in a new process on the same files. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { toHex } from "../../../src/crypto/hex.ts";
import { introduce, newNode } from "../../support/signal.ts";

const PEER = fileURLToPath(new URL("../../support/session_peer.ts", import.meta.url));

async function peer(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", PEER, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, err);
  return new TextDecoder().decode(stdout).trim();
}

Deno.test("a conversation continues across processes on the same data files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "legion-restart-" });
  try {
    const a = await newNode(dir, "a", { now: Date.now() });
    const b = await newNode(dir, "b", { now: Date.now() });
    await introduce(a, b);
    const aKey = toHex(a.signal.ownEd25519);
    const bKey = toHex(b.signal.ownEd25519);
    const A = [a.path, toHex(a.vaultKey)];
    const B = [b.path, toHex(b.vaultKey)];
    a.close();
    b.close();
    const first = await peer(...A, "encrypt", "bob", "hello from a new process");
    const second = await peer(...A, "encrypt", "bob", "and another");
    assert.equal(await peer(...B, "decrypt", aKey, second), "and another");
    assert.equal(await peer(...B, "decrypt", aKey, first), "hello from a new process");
    const reply = await peer(...B, "encrypt", "alice", "reply");
    assert.equal(await peer(...A, "decrypt", bKey, reply), "reply");
    // The replay is still refused after all those restarts.
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", PEER, ...B, "decrypt", aKey, first],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.notEqual(code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
