/**
 * Argon2id (libsodium `crypto_pwhash`, ALG_ARGON2ID13) on this thread's libsodium instance. Used
 * inside the KDF Worker (argon2_worker.ts), and in-process only where no Worker can be started.
 */
import { sodium } from "./sodium.ts";

export interface Argon2idRequest {
  passphrase: string;
  salt: Uint8Array;
  opslimit: number;
  memlimit: number;
}

/** A 32-byte key. */
export async function argon2idInProcess(request: Argon2idRequest): Promise<Uint8Array> {
  const na = await sodium();
  return na.crypto_pwhash(
    32,
    request.passphrase,
    request.salt,
    request.opslimit,
    request.memlimit,
    na.crypto_pwhash_ALG_ARGON2ID13,
  );
}
