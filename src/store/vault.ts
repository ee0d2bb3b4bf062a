/**
 * The vault key: 32 random bytes that seal every sensitive value, wrapped by a key-encryption key
 * (KEK) derived from two secrets: the passphrase, through Argon2id (libsodium `crypto_pwhash`,
 * MODERATE: 256 MiB, 3 passes, or stronger), and the 32 random bytes of the home's key file
 * (key_file.ts):
 *
 *   KEK = BLAKE2b-256(key = key file, message = "legion vault kek v2" || Argon2id(passphrase, salt))
 *
 * The database alone (or a stale copy of its WAL in freed blocks) cannot be attacked by guessing the
 * passphrase: the key file, overwritten first by `panic`, is needed too. The wrap is a sealed value
 * under the KEK with the KDF name and parameters in its label, so a wrong passphrase, a wrong key
 * file and edited parameters all fail authentication.
 *
 * Argon2id runs in a short-lived Worker (crypto/argon2id.ts) so its 256 MiB scratch memory does not
 * stay resident in a node after unlock.
 */
import type { Database } from "./db.ts";
import { LegionError } from "../errors.ts";
import { type Sodium, sodium } from "../crypto/sodium.ts";
import { argon2id } from "../crypto/argon2id.ts";
import { type SealedAt, Sealer } from "./sealer.ts";
import { KEY_FILE_BYTES } from "./key_file.ts";

export interface KdfParams {
  opslimit: number;
  memlimit: number;
}

/** What unwraps the vault key: the passphrase and the key file's bytes. */
export interface VaultSecrets {
  passphrase: string;
  keyFile: Uint8Array;
}

interface VaultRow {
  kdf: string;
  salt: Uint8Array;
  opslimit: number;
  memlimit: number;
  wrapped_key: Uint8Array;
}

/** Argon2id v1.3 combined with the key file (v2). Vaults of v1 (passphrase only) are refused. */
const KDF_NAME = "argon2id13+keyfile";
const LEGACY_KDF_NAME = "argon2id13";
const KEK_CONTEXT = new TextEncoder().encode("legion vault kek v2");

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
  secrets: VaultSecrets,
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
  const wrapper = new Sealer(na, await deriveKek(na, secrets, salt, kdf));
  const wrapped = wrapper.seal(wrapAt(kdf), vaultKey);
  wrapper.wipe();
  db.prepare(
    "INSERT INTO vault (id, kdf, salt, opslimit, memlimit, wrapped_key) VALUES (1, ?, ?, ?, ?, ?)",
  ).run(KDF_NAME, salt, kdf.opslimit, kdf.memlimit, wrapped);
  return new Sealer(na, vaultKey);
}

/**
 * Unwraps the vault key; a wrong passphrase (or a key file of another vault) is
 * `passphrase_rejected` (exit 77) and changes nothing.
 */
export async function unlockVault(db: Database, secrets: VaultSecrets): Promise<Sealer> {
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
  if (row.kdf === LEGACY_KDF_NAME) {
    throw new LegionError("config", "This vault predates the vault key file and is not supported", {
      hint: "recreate the identity with `legion init --force --restore` and your recovery phrase",
    });
  }
  if (row.kdf !== KDF_NAME) {
    throw new LegionError("config", `Unknown key derivation ${row.kdf}`);
  }
  const kdf = { opslimit: Number(row.opslimit), memlimit: Number(row.memlimit) };
  const wrapper = new Sealer(na, await deriveKek(na, secrets, new Uint8Array(row.salt), kdf));
  try {
    return new Sealer(na, wrapper.open(wrapAt(kdf), new Uint8Array(row.wrapped_key)));
  } catch {
    throw new LegionError("passphrase_rejected", "Wrong passphrase");
  } finally {
    wrapper.wipe();
  }
}

async function deriveKek(
  na: Sodium,
  secrets: VaultSecrets,
  salt: Uint8Array,
  kdf: KdfParams,
): Promise<Uint8Array> {
  if (secrets.keyFile.length !== KEY_FILE_BYTES) throw new RangeError("key file must be 32 bytes");
  const stretched = await argon2id({ passphrase: secrets.passphrase, salt, ...kdf });
  const message = new Uint8Array(KEK_CONTEXT.length + stretched.length);
  message.set(KEK_CONTEXT);
  message.set(stretched, KEK_CONTEXT.length);
  try {
    return na.crypto_generichash(32, message, secrets.keyFile);
  } finally {
    stretched.fill(0);
    message.fill(0);
  }
}

/** The wrapped key of the one vault row (id 1), bound to the KDF parameters that unwrap it. */
function wrapAt(kdf: KdfParams): SealedAt {
  return { label: `vault.key/${KDF_NAME}/${kdf.opslimit}/${kdf.memlimit}`, row: 1 };
}
