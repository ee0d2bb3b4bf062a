/**
 * A relay's home: created by `relay init`, opened by the other relay commands. Private (0700, as a
 * user's home), with its own sealed database (relay_store.ts), vault key file, member group file
 * and tor directory (store/layout.ts `relayLayout`). No user identity lives here, and a user's
 * home is refused.
 */
import { existsSync, rmSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { LegionError } from "../errors.ts";
import { sodium } from "../crypto/sodium.ts";
import { onionAddress } from "../crypto/onion.ts";
import { ensureDataDir } from "../store/db.ts";
import { assertPrivateHome } from "../store/home_mode.ts";
import { databasePath, relayLayout } from "../store/layout.ts";
import { newKeyFileBytes, readKeyFile, writeKeyFile } from "../store/key_file.ts";
import { createVault, type KdfParams, unlockVault } from "../store/vault.ts";
import { loadGroupHasher, readGroupFile, writeGroupFile, ZkGroup } from "../zk/mod.ts";
import type { RootWindow } from "../zk/group.ts";
import { openRelayDatabase, relayRules, RelayStore } from "./relay_store.ts";
import type { RelayRules } from "./relay_rules.ts";

export interface RelayIdentity {
  seed: Uint8Array;
  publicKey: Uint8Array;
  /** `….onion` */
  onion: string;
}

export interface OpenRelay {
  store: RelayStore;
  identity: RelayIdentity;
  rules: RelayRules;
  close(): void;
}

/** Whether `home` already holds a relay. */
export function relayExists(home: string): boolean {
  return existsSync(relayLayout(home).database);
}

/** Creates a relay in `home` (new or empty of Legion files); returns its onion. */
export async function createRelayHome(
  home: string,
  options: { passphrase: string; rules: RelayRules; window?: Partial<RootWindow>; kdf?: KdfParams },
): Promise<{ onion: string }> {
  const layout = relayLayout(home);
  if (relayExists(home)) {
    throw new LegionError("identity_exists", `A relay already exists in ${home}`, {
      hint: "pass --home DIR for another relay",
    });
  }
  if (existsSync(databasePath(home))) {
    throw new LegionError("config", `${home} is a user's Legion home, not a relay's`, {
      hint: "give the relay a home of its own with --home DIR",
    });
  }
  ensureDataDir(home);
  assertPrivateHome(home);
  const na = await sodium();
  const seed = new Uint8Array(randomBytes(32));
  const { publicKey } = na.crypto_sign_seed_keypair(seed);
  const keyFile = newKeyFileBytes();
  await loadGroupHasher();
  try {
    writeKeyFile(layout.keyFile, keyFile);
    const db = openRelayDatabase(layout.database, { create: true });
    try {
      const sealer = await createVault(
        db,
        { passphrase: options.passphrase, keyFile },
        options.kdf,
      );
      const store = new RelayStore(db, sealer);
      store.writer.writeSync(() => store.saveIdentity(seed, options.rules));
      sealer.wipe();
    } finally {
      db.close();
    }
    if (!existsSync(layout.groupFile)) {
      writeGroupFile(layout.groupFile, new ZkGroup([], { window: options.window }), {
        create: true,
      });
    }
  } catch (err) {
    rmSync(layout.database, { force: true });
    rmSync(layout.keyFile, { force: true });
    throw err;
  } finally {
    keyFile.fill(0);
    seed.fill(0);
  }
  return { onion: `${onionAddress(publicKey)}.onion` };
}

/** Opens and unlocks the relay in `home`. */
export async function unlockRelay(home: string, passphrase: string): Promise<OpenRelay> {
  assertPrivateHome(home);
  requireRelay(home);
  const layout = relayLayout(home);
  const db = openRelayDatabase(layout.database);
  try {
    const keyFile = readKeyFile(layout.keyFile);
    const sealer = await unlockVault(db, { passphrase, keyFile }).finally(() => keyFile.fill(0));
    const store = new RelayStore(db, sealer);
    const seed = store.seed();
    const rules = relayRules(db);
    if (!seed || !rules) throw new LegionError("bad_data", "The relay database has no identity");
    const na = await sodium();
    const { publicKey } = na.crypto_sign_seed_keypair(seed);
    const identity = { seed, publicKey, onion: `${onionAddress(publicKey)}.onion` };
    return {
      store,
      identity,
      rules,
      close() {
        seed.fill(0);
        store.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** @throws LegionError `no_identity` when `home` holds no relay */
export function requireRelay(home: string): void {
  if (!relayExists(home)) {
    throw new LegionError("no_identity", `No relay in ${home}`, {
      hint: "run `legion relay init --home DIR` first",
    });
  }
}

/** The member group (the file `relay admit`/`revoke` edit). */
export function readRelayGroup(home: string, options: { lazy?: boolean } = {}): Promise<ZkGroup> {
  return readGroupFile(relayLayout(home).groupFile, options);
}

/** Modification time of the group file (ms), to notice admit/revoke while serving. */
export function groupFileVersion(home: string): number {
  try {
    const stat = statSync(relayLayout(home).groupFile);
    return stat.mtimeMs + stat.size;
  } catch {
    return -1;
  }
}

/** `relay admit`: adds members (one new root; the old one stays accepted for the window). */
export async function admitMembers(
  home: string,
  commitments: readonly bigint[],
  now: number,
): Promise<ZkGroup> {
  requireRelay(home);
  const group = await readRelayGroup(home);
  group.add(commitments, now);
  writeGroupFile(relayLayout(home).groupFile, group);
  return group;
}

/** `relay revoke`: removes a member; every older root stops being accepted at once. */
export async function revokeMember(
  home: string,
  commitment: bigint,
  now: number,
): Promise<ZkGroup> {
  requireRelay(home);
  const group = await readRelayGroup(home);
  group.remove(commitment, now);
  writeGroupFile(relayLayout(home).groupFile, group);
  return group;
}
