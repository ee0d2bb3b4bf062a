/**
 * The vault key: 32 random bytes that seal every sensitive value, wrapped by a key derived from the
 * passphrase with Argon2id (libsodium `crypto_pwhash`, MODERATE: 256 MiB, 3 passes, or stronger).
 * The wrap is a sealed value under the passphrase key with the KDF parameters in its label, so a
 * wrong passphrase and edited parameters both fail authentication.
 */
import type { Database } from "./db.ts";
import { LegionError } from "../errors.ts";
import { type Sodium, sodium } from "../crypto/sodium.ts";
import { type SealedAt, Sealer } from "./sealer.ts";

export interface KdfParams {
  opslimit: number;
  memlimit: number;
}

interface VaultRow {
  kdf: string;
  salt: Uint8Array;
  opslimit: number;
  memlimit: number;
  wrapped_key: Uint8Array;
}

const KDF_NAME = "argon2id13";

export async function moderateKdf(): Promise<KdfParams> {
  const na = await sodium();
  return {
    opslimit: na.crypto_pwhash_OPSLIMIT_MODERATE,
    memlimit: na.crypto_pwhash_MEMLIMIT_MODERATE,
  };
}

/** Creates the vault row with a fresh random key; returns a sealer holding that key. */
export async function createVault(
  db: Database,
  passphrase: string,
  params?: KdfParams,
): Promise<Sealer> {
  const na = await sodium();
  const kdf = params ?? await moderateKdf();
  if (
    kdf.opslimit < na.crypto_pwhash_OPSLIMIT_MODERATE ||
    kdf.memlimit < na.crypto_pwhash_MEMLIMIT_MODERATE
  ) {
    throw new RangeError("Argon2id parameters below MODERATE are not allowed");
  }
  const salt = na.randombytes_buf(na.crypto_pwhash_SALTBYTES);
  const vaultKey = na.randombytes_buf(32);
  const wrapper = new Sealer(na, derive(na, passphrase, salt, kdf));
  const wrapped = wrapper.seal(wrapAt(kdf), vaultKey);
  wrapper.wipe();
  db.prepare(
    "INSERT INTO vault (id, kdf, salt, opslimit, memlimit, wrapped_key) VALUES (1, ?, ?, ?, ?, ?)",
  ).run(KDF_NAME, salt, kdf.opslimit, kdf.memlimit, wrapped);
  return new Sealer(na, vaultKey);
}

/** Unwraps the vault key; a wrong passphrase is `passphrase_rejected` (exit 77) and changes nothing. */
export async function unlockVault(db: Database, passphrase: string): Promise<Sealer> {
  const na = await sodium();
  const row = db.prepare(
    "SELECT kdf, salt, opslimit, memlimit, wrapped_key FROM vault WHERE id = 1",
  )
    .get() as VaultRow | undefined;
  if (!row) {
    throw new LegionError("no_identity", "This data dir has no vault", {
      hint: "run `legion init` first",
    });
  }
  if (row.kdf !== KDF_NAME) {
    throw new LegionError("config", `Unknown key derivation ${row.kdf}`);
  }
  const kdf = { opslimit: Number(row.opslimit), memlimit: Number(row.memlimit) };
  const wrapper = new Sealer(na, derive(na, passphrase, new Uint8Array(row.salt), kdf));
  try {
    return new Sealer(na, wrapper.open(wrapAt(kdf), new Uint8Array(row.wrapped_key)));
  } catch {
    throw new LegionError("passphrase_rejected", "Wrong passphrase");
  } finally {
    wrapper.wipe();
  }
}

function derive(na: Sodium, passphrase: string, salt: Uint8Array, kdf: KdfParams): Uint8Array {
  return na.crypto_pwhash(
    32,
    passphrase,
    salt,
    kdf.opslimit,
    kdf.memlimit,
    na.crypto_pwhash_ALG_ARGON2ID13,
  );
}

/** The wrapped key of the one vault row (id 1), bound to the KDF parameters that unwrap it. */
function wrapAt(kdf: KdfParams): SealedAt {
  return { label: `vault.key/${KDF_NAME}/${kdf.opslimit}/${kdf.memlimit}`, row: 1 };
}
