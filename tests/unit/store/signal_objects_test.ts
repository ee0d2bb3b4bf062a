/**
 * Receiving a message makes no libsignal object of its own beyond the message and the session
 * record: addresses, trusted identity keys and parsed cards are reused. Under Deno each libsignal
 * object leaves ≈50 bytes of Node-API bookkeeping that is never freed (docs/security.md, "Memory"),
 * so a per-message object is a per-message leak. Counted by spying on the constructors our code
 * calls, not by RSS (which is too noisy on a shared machine to test).
 */
import assert from "node:assert/strict";
import {
  KEMPublicKey,
  PreKeySignalMessage,
  ProtocolAddress,
  PublicKey,
  SessionRecord,
  SignalMessage,
} from "@signalapp/libsignal-client";
import { introduce, newNode } from "../../support/signal.ts";

/** Counts calls to static factories while `fn` runs, then puts them back. */
async function counting(fn: () => Promise<void>): Promise<Record<string, number>> {
  // deno-lint-ignore no-explicit-any
  const spied: [any, string, string][] = [
    [ProtocolAddress, "new", "ProtocolAddress.new"],
    [PublicKey, "deserialize", "PublicKey.deserialize"],
    [KEMPublicKey, "deserialize", "KEMPublicKey.deserialize"],
    [SessionRecord, "deserialize", "SessionRecord.deserialize"],
    [PreKeySignalMessage, "deserialize", "PreKeySignalMessage.deserialize"],
    [SignalMessage, "deserialize", "SignalMessage.deserialize"],
  ];
  const counts: Record<string, number> = {};
  const originals = spied.map(([target, method, label]) => {
    const original = target[method];
    counts[label] = 0;
    target[method] = (...args: unknown[]) => {
      counts[label]++;
      return original.apply(target, args);
    };
    return original;
  });
  try {
    await fn();
  } finally {
    spied.forEach(([target, method], i) => target[method] = originals[i]);
  }
  return counts;
}

Deno.test("receiving makes only the message and the session record as libsignal objects", async () => {
  const dir = await Deno.makeTempDir({ prefix: "legion-signal-objects-" });
  const a = await newNode(dir, "a");
  const b = await newNode(dir, "b");
  try {
    await introduce(a, b);
    const bob = a.signal.contact("bob");
    const alice = b.signal.contact("alice");
    const messages = 20;
    // PreKey messages (no reply yet), then ordinary ones after bob's reply; one warm-up each.
    for (const phase of ["prekey", "message"]) {
      if (phase === "message") {
        await a.signal.decrypt(
          b.signal.ownEd25519,
          await b.signal.encrypt(alice, new Uint8Array(1)),
        );
      }
      const ciphertexts: Uint8Array[] = [];
      for (let i = 0; i <= messages; i++) {
        ciphertexts.push(await a.signal.encrypt(bob, new TextEncoder().encode(`${phase} ${i}`)));
      }
      await b.signal.decrypt(a.signal.ownEd25519, ciphertexts[0]);
      const counts = await counting(async () => {
        for (const ciphertext of ciphertexts.slice(1)) {
          await b.signal.decrypt(a.signal.ownEd25519, ciphertext);
        }
      });
      const kind = phase === "prekey" ? "PreKeySignalMessage" : "SignalMessage";
      assert.deepEqual(counts, {
        "ProtocolAddress.new": 0,
        "PublicKey.deserialize": 0,
        "KEMPublicKey.deserialize": 0,
        "SessionRecord.deserialize": messages,
        "PreKeySignalMessage.deserialize": kind === "PreKeySignalMessage" ? messages : 0,
        "SignalMessage.deserialize": kind === "SignalMessage" ? messages : 0,
      }, phase);
    }
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
