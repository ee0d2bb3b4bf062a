/**
 * The Worker side of argon2id.ts: loads its own libsodium instance, derives one key and posts it
 * back. The 256 MiB Argon2id scratch lives in this Worker's WebAssembly memory, which never shrinks
 * while the instance lives; the caller terminates the Worker, and with it that memory.
 *
 * Message in: `{ passphrase, salt, opslimit, memlimit }`; out: `{ key }` or `{ error }`.
 */
import { argon2idInProcess, type Argon2idRequest } from "./argon2id_core.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<Argon2idRequest>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async (event) => {
  try {
    const key = await argon2idInProcess(event.data);
    scope.postMessage({ key }, [key.buffer as ArrayBuffer]);
  } catch (err) {
    scope.postMessage({ error: (err as Error).message ?? String(err) });
  }
};
