/**
 * 1:1 session throughput for 1 KiB messages: libsignal Double Ratchet encrypt + decrypt through
 * Legion's sealed SQLite stores, beside raw libsodium `crypto_box_easy` + `crypto_box_open_easy`
 * (the floor: one X25519 box, no ratchet, no state). `deno bench` prints the ratio as
 * "x times slower" in the summary.
 *
 *   deno task bench bench/session_bench.ts
 *
 * Notes: each session step also writes a sealed session record (≈2–6 KB) to SQLite inside a
 * transaction, and Deno's Node-API layer adds GC stalls on long runs (notes/libsignal.md).
 */
import {
  Direction,
  IdentityChange,
  IdentityKeyPair,
  IdentityKeyStore,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyRecord,
  PreKeyStore,
  type PrivateKey,
  type ProtocolAddress,
  PublicKey,
  SessionRecord,
  SessionStore,
  SignedPreKeyRecord,
  SignedPreKeyStore,
} from "@signalapp/libsignal-client";
import { sodium } from "../src/crypto/sodium.ts";
import { generatePreKeys } from "../src/crypto/session_keys.ts";
import {
  sessionDecrypt,
  sessionEncrypt,
  type SessionStores,
  startSession,
} from "../src/crypto/signal_session.ts";
import { introduce, newNode } from "../tests/support/signal.ts";

const dir = await Deno.makeTempDir({ prefix: "legion-bench-" });
const a = await newNode(dir, "a");
const b = await newNode(dir, "b");
await introduce(a, b);
const bob = a.signal.contact("bob");
const alice = b.signal.contact("alice");
// Establish the session both ways so the benchmark measures steady-state ratchet messages.
await b.signal.decrypt(a.signal.ownEd25519, await a.signal.encrypt(bob, new Uint8Array(1)));
await a.signal.decrypt(b.signal.ownEd25519, await b.signal.encrypt(alice, new Uint8Array(1)));

const message = new Uint8Array(1024).map((_, i) => i & 0xff);
const na = await sodium();
const sender = na.crypto_box_keypair();
const recipient = na.crypto_box_keypair();

Deno.bench({
  name: "libsodium crypto_box seal + open, 1 KiB",
  group: "session 1 KiB",
  baseline: true,
  fn() {
    const nonce = na.randombytes_buf(na.crypto_box_NONCEBYTES);
    const ct = na.crypto_box_easy(message, nonce, recipient.publicKey, sender.privateKey);
    na.crypto_box_open_easy(ct, nonce, sender.publicKey, recipient.privateKey);
  },
});

Deno.bench({
  name: "libsignal session encrypt + decrypt, 1 KiB (sealed SQLite stores)",
  group: "session 1 KiB",
  async fn() {
    const ct = await a.signal.encrypt(bob, message);
    await b.signal.decrypt(a.signal.ownEd25519, ct);
  },
});

// The same protocol with in-memory stores: libsignal's own cost, without sealing and SQLite.
class MemoryStores {
  sessions = new Map<string, Uint8Array<ArrayBuffer>>();
  identity: IdentityKeyStore;
  session: SessionStore;
  preKey: PreKeyStore;
  signedPreKey: SignedPreKeyStore;
  kyberPreKey: KyberPreKeyStore;
  constructor(
    readonly localAddress: string,
    keys: IdentityKeyPair,
    spk: SignedPreKeyRecord,
    kyber: KyberPreKeyRecord,
  ) {
    const sessions = this.sessions;
    this.identity = new (class extends IdentityKeyStore {
      getIdentityKey(): Promise<PrivateKey> {
        return Promise.resolve(keys.privateKey);
      }
      override getIdentityKeyPair() {
        return Promise.resolve(keys);
      }
      getLocalRegistrationId() {
        return Promise.resolve(1);
      }
      saveIdentity(_n: ProtocolAddress, _k: PublicKey) {
        return Promise.resolve(IdentityChange.NewOrUnchanged);
      }
      isTrustedIdentity(_n: ProtocolAddress, _k: PublicKey, _d: Direction) {
        return Promise.resolve(true);
      }
      getIdentity(_n: ProtocolAddress) {
        return Promise.resolve(null);
      }
    })();
    this.session = new (class extends SessionStore {
      saveSession(n: ProtocolAddress, r: SessionRecord) {
        sessions.set(n.toString(), r.serialize());
        return Promise.resolve();
      }
      getSession(n: ProtocolAddress) {
        const r = sessions.get(n.toString());
        return Promise.resolve(r ? SessionRecord.deserialize(r) : null);
      }
      getExistingSessions() {
        return Promise.resolve([]);
      }
    })();
    this.preKey = new (class extends PreKeyStore {
      savePreKey() {
        return Promise.resolve();
      }
      getPreKey(): Promise<PreKeyRecord> {
        return Promise.reject(new Error("none"));
      }
      removePreKey() {
        return Promise.resolve();
      }
    })();
    this.signedPreKey = new (class extends SignedPreKeyStore {
      saveSignedPreKey() {
        return Promise.resolve();
      }
      getSignedPreKey() {
        return Promise.resolve(spk);
      }
    })();
    this.kyberPreKey = new (class extends KyberPreKeyStore {
      saveKyberPreKey() {
        return Promise.resolve();
      }
      getKyberPreKey() {
        return Promise.resolve(kyber);
      }
      markKyberPreKeyUsed() {
        return Promise.resolve();
      }
    })();
  }
}
const memory = (name: string) => {
  const keys = IdentityKeyPair.generate();
  const { signedPreKey, kyberPreKey } = generatePreKeys(keys, 1, Date.now());
  return {
    keys,
    signedPreKey,
    kyberPreKey,
    stores: new MemoryStores(name, keys, signedPreKey, kyberPreKey) as SessionStores,
  };
};
const ma = memory("a");
const mb = memory("b");
await startSession(ma.stores, "b", {
  registrationId: 1,
  identityKey: mb.keys.publicKey.serialize(),
  signedPreKey: {
    id: 1,
    key: mb.signedPreKey.publicKey().serialize(),
    signature: mb.signedPreKey.signature(),
  },
  kyberPreKey: {
    id: 1,
    key: mb.kyberPreKey.publicKey().serialize(),
    signature: mb.kyberPreKey.signature(),
  },
});
await sessionDecrypt(mb.stores, "a", await sessionEncrypt(ma.stores, "b", new Uint8Array(1)));
await sessionDecrypt(ma.stores, "b", await sessionEncrypt(mb.stores, "a", new Uint8Array(1)));

Deno.bench({
  name: "libsignal session encrypt + decrypt, 1 KiB (in-memory stores)",
  group: "session 1 KiB",
  async fn() {
    await sessionDecrypt(mb.stores, "a", await sessionEncrypt(ma.stores, "b", message));
  },
});

globalThis.addEventListener("unload", () => {
  a.close();
  b.close();
  Deno.removeSync(dir, { recursive: true });
});
