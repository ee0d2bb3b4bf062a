/**
 * In-process nodes for store and session tests: a real SQLite file with migrations, a vault key
 * drawn at random (skipping Argon2id, which the CLI tests cover), a real identity and real
 * libsignal keys.
 */
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { openDatabase } from "../../src/store/db.ts";
import type { Database } from "../../src/store/db.ts";
import { Sealer } from "../../src/store/sealer.ts";
import { saveIdentity } from "../../src/store/identity_store.ts";
import { deriveIdentity, newPhrase } from "../../src/crypto/phrase_keys.ts";
import { sodium } from "../../src/crypto/sodium.ts";
import { SignalContext } from "../../src/store/signal_context.ts";
import { storeHandle, type UnlockedStore } from "../../src/store/open_store.ts";
import { importCard } from "../../src/store/contacts_import.ts";

export interface TestNode {
  path: string;
  vaultKey: Uint8Array;
  db: Database;
  sealer: Sealer;
  /** The unlocked store (its one writer included) the signal context runs on. */
  store: UnlockedStore;
  signal: SignalContext;
  clock: { now: number };
  /** The recovery phrase (set by newNode). */
  phrase?: string;
  /** Closes and reopens the same file (a "restart"). */
  reopen(): Promise<TestNode>;
  close(): void;
}

export const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

export async function newNode(
  dir: string,
  name: string,
  clock = { now: T0 },
  phrase?: string,
): Promise<TestNode> {
  const path = join(dir, `${name}.db`);
  const vaultKey = new Uint8Array(randomBytes(32));
  const db = openDatabase(path, { create: true });
  const sealer = new Sealer(await sodium(), vaultKey.slice());
  const words = phrase ?? await newPhrase();
  const keys = await deriveIdentity(words);
  saveIdentity(db, sealer, keys, clock.now);
  db.close();
  return { ...(await openNode(path, vaultKey, clock)), phrase: words };
}

export async function openNode(
  path: string,
  vaultKey: Uint8Array,
  clock: { now: number },
): Promise<TestNode> {
  const db = openDatabase(path);
  const sealer = new Sealer(await sodium(), vaultKey.slice());
  const store = storeHandle(dirname(path), db, sealer);
  const signal = SignalContext.open(store, () => clock.now);
  let closed = false;
  const node: TestNode = {
    path,
    vaultKey,
    db,
    sealer,
    store,
    signal,
    clock,
    reopen: async () => {
      node.close();
      return await openNode(path, vaultKey, clock);
    },
    close: () => {
      if (closed) return;
      closed = true;
      store.close();
    },
  };
  return node;
}

/** A imports B's card as `bName` and B imports A's as `aName`. */
export async function introduce(a: TestNode, b: TestNode, aName = "alice", bName = "bob") {
  await importCard(a.signal, await b.signal.exportCard({ name: bName }), { now: a.clock.now });
  await importCard(b.signal, await a.signal.exportCard({ name: aName }), { now: b.clock.now });
}

/** Fresh nodes named `names` in one temp dir; disposing closes them and removes the dir. */
export async function nodes(
  ...names: string[]
): Promise<{ nodes: TestNode[]; dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "legion-nodes-" });
  const list: TestNode[] = [];
  for (const name of names) list.push(await newNode(dir, name));
  return {
    nodes: list,
    dir,
    async [Symbol.asyncDispose]() {
      for (const node of list) node.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

export const encode = (text: string) => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
