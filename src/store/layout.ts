/**
 * The data dir's layout: every name Legion creates inside a home, in one place. Code that needs a
 * path asks here; nothing else spells these names.
 *
 *   legion.db (+ -wal, -shm, -journal)   the SQLite store (store/db.ts)
 *   vault.key                            32 random bytes the vault key's wrap needs (key_file.ts)
 *   agent.sock                           the running node's local agent (node/agent_server.ts)
 *   node.pid                             the running node's PID and start time (node/processes.ts)
 *   node.lock                            held (flock) by the running node: one per home (node/node_lock.ts)
 *   tor/                                 the data dir of the tor Legion starts
 *
 * A relay's home (`legion relay init`) holds relay.db (+ companions), members.json, vault.key,
 * node.lock and tor/ — never a user identity.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export const DB_FILE = "legion.db";
export const KEY_FILE = "vault.key";
export const AGENT_SOCKET = "agent.sock";
export const PID_FILE = "node.pid";
export const LOCK_FILE = "node.lock";
export const TOR_DIR = "tor";
/** A relay's home (src/relay/): its sealed database and its public member group file. */
export const RELAY_DB_FILE = "relay.db";
export const RELAY_GROUP_FILE = "members.json";

/** SQLite's companion files of the database (same directory, same mode). */
export const DB_COMPANIONS = [`${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`] as const;

/** Every top-level name a Legion home may hold. */
export const HOME_ENTRIES: readonly string[] = [
  DB_FILE,
  ...DB_COMPANIONS,
  KEY_FILE,
  AGENT_SOCKET,
  PID_FILE,
  LOCK_FILE,
  TOR_DIR,
];

/** Every top-level name a relay home may hold (vault.key, node.lock and tor/ as in a user's). */
export const RELAY_HOME_ENTRIES: readonly string[] = [
  RELAY_DB_FILE,
  `${RELAY_DB_FILE}-wal`,
  `${RELAY_DB_FILE}-shm`,
  `${RELAY_DB_FILE}-journal`,
  RELAY_GROUP_FILE,
  KEY_FILE,
  LOCK_FILE,
  TOR_DIR,
];

export interface RelayLayout {
  home: string;
  database: string;
  groupFile: string;
  keyFile: string;
  lockFile: string;
  torDir: string;
}

export function relayLayout(home: string): RelayLayout {
  return {
    home,
    database: join(home, RELAY_DB_FILE),
    groupFile: join(home, RELAY_GROUP_FILE),
    keyFile: join(home, KEY_FILE),
    lockFile: join(home, LOCK_FILE),
    torDir: join(home, TOR_DIR),
  };
}

export interface HomeLayout {
  home: string;
  database: string;
  keyFile: string;
  agentSocket: string;
  pidFile: string;
  lockFile: string;
  torDir: string;
}

export function homeLayout(home: string): HomeLayout {
  return {
    home,
    database: join(home, DB_FILE),
    keyFile: join(home, KEY_FILE),
    agentSocket: join(home, AGENT_SOCKET),
    pidFile: join(home, PID_FILE),
    lockFile: join(home, LOCK_FILE),
    torDir: join(home, TOR_DIR),
  };
}

export function databasePath(home: string): string {
  return join(home, DB_FILE);
}

export function keyFilePath(home: string): string {
  return join(home, KEY_FILE);
}

export function databaseExists(home: string): boolean {
  return existsSync(databasePath(home));
}
