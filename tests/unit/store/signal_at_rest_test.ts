/**
 * Planted secrets: after contacts, cards and sessions are written, none of the sensitive values
 * (names, keys, onions, cards, plaintexts) appear anywhere in the database or WAL bytes.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { toBase64 } from "../../../src/crypto/base64.ts";
import { toHex } from "../../../src/crypto/hex.ts";
import { currentPreKeys } from "../../../src/store/signal_keys.ts";
import { importCard, renameContact } from "../../../src/store/contacts_import.ts";
import { decode, encode, newNode, type TestNode } from "../../support/signal.ts";

const NAME = "PlantedContactName-4c1d";
const RENAMED = "PlantedRenamed-77aa";
const MESSAGE = "PlantedSecretMessage-9f2e";

function fileBytes(node: TestNode): Uint8Array[] {
  return ["", "-wal"].filter((s) => existsSync(node.path + s)).map((s) =>
    new Uint8Array(readFileSync(node.path + s))
  );
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function needles(a: TestNode, b: TestNode): Map<string, Uint8Array> {
  const text = (s: string) => encode(s);
  const out = new Map<string, Uint8Array>();
  const add = (label: string, bytes: Uint8Array) => {
    out.set(`${label} (raw)`, bytes.slice(0, 24));
    out.set(`${label} (hex)`, text(toHex(bytes).slice(0, 32)));
    out.set(`${label} (base64)`, text(toBase64(bytes).slice(0, 24)));
  };
  for (const [who, node] of [["a", a], ["b", b]] as const) {
    add(`${who} ed25519`, node.signal.ownEd25519);
    out.set(`${who} onion`, text(node.signal.onion.slice(0, 24)));
    add(`${who} libsignal identity key`, node.signal.identityKey.subarray(1));
    add(`${who} libsignal private key`, node.signal.keys.identityKeyPair.privateKey.serialize());
    add(`${who} index key`, node.signal.keys.indexKey);
    const { signedPreKey, kyberPreKey } = currentPreKeys(node.db, node.sealer);
    add(`${who} signed prekey (private)`, signedPreKey.privateKey().serialize());
    add(`${who} signed prekey (public)`, signedPreKey.publicKey().serialize().subarray(1));
    add(`${who} Kyber prekey (public)`, kyberPreKey.publicKey().serialize().subarray(1));
    add(`${who} Kyber prekey (secret)`, kyberPreKey.secretKey().serialize().subarray(1));
  }
  out.set("contact name", text(NAME));
  out.set("renamed contact name", text(RENAMED));
  out.set("message", text(MESSAGE));
  return out;
}

Deno.test("no contact, card, key or message is readable in the database bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "legion-planted-" });
  const a = await newNode(dir, "a");
  const b = await newNode(dir, "b");
  try {
    await importCard(a.signal, await b.signal.exportCard({ name: NAME }), { now: a.clock.now });
    await importCard(b.signal, await a.signal.exportCard({ name: NAME }), { now: b.clock.now });
    for (let i = 0; i < 3; i++) {
      const ct = await a.signal.encrypt(a.signal.contact(NAME), encode(MESSAGE));
      assert.equal(decode((await b.signal.decrypt(a.signal.ownEd25519, ct)).plaintext), MESSAGE);
      const back = await b.signal.encrypt(b.signal.contact(NAME), encode(MESSAGE));
      await a.signal.decrypt(b.signal.ownEd25519, back);
    }
    await renameContact(b.signal, NAME, RENAMED);
    await renameContact(b.signal, RENAMED, "x");
    // Control: a value written in the clear is found, so the search itself works.
    a.db.prepare("INSERT INTO meta (key, value) VALUES ('control', ?)").run("ControlNeedle-1b2c");
    const checks = needles(a, b);
    const scan = (label: string) => {
      const files = [...fileBytes(a), ...fileBytes(b)];
      assert.ok(files.some((f) => contains(f, encode("ControlNeedle-1b2c"))), "control not found");
      for (const [what, needle] of checks) {
        assert.ok(!files.some((f) => contains(f, needle)), `${what} readable (${label})`);
      }
    };
    scan("open, with WAL");
    a.close();
    b.close();
    scan("closed, checkpointed");
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
