/**
 * Argon2id without keeping its scratch memory: the derivation runs in a short-lived Worker with its
 * own libsodium instance (argon2_worker.ts), which is terminated once the key is back.
 *
 * Why: libsodium.js runs in WebAssembly, whose memory only ever grows. One in-process derivation at
 * MODERATE (256 MiB) left a ≈257 MB mapping resident for the life of the node; ending the Worker
 * releases it (measured: ≈325 MB during the derivation, ≈64 MB after; bench/memory_bench.ts).
 *
 * Where no Worker can be started (a runtime or binary without the worker module), it falls back to
 * this thread's libsodium and the memory stays, which costs RSS, not security.
 */
import { argon2idInProcess, type Argon2idRequest } from "./argon2id_core.ts";

export type { Argon2idRequest } from "./argon2id_core.ts";

interface WorkerReply {
  key?: Uint8Array;
  error?: string;
}

/** A 32-byte key derived from `request.passphrase`; see the module comment for where it runs. */
export async function argon2id(request: Argon2idRequest): Promise<Uint8Array> {
  let worker: Worker;
  try {
    worker = new Worker(workerUrl(), { type: "module" });
  } catch {
    return await argon2idInProcess(request);
  }
  let reply: WorkerReply | undefined;
  try {
    reply = await new Promise<WorkerReply | undefined>((resolve) => {
      worker.onmessage = (event: MessageEvent<WorkerReply>) => resolve(event.data);
      // The Worker could not load or run (its module is missing): derive here instead.
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        resolve(undefined);
      };
      worker.postMessage(request);
    });
  } finally {
    worker.terminate();
  }
  if (reply === undefined) return await argon2idInProcess(request);
  if (!reply.key) throw new Error(`Argon2id failed: ${reply.error ?? "no key"}`);
  return new Uint8Array(reply.key);
}

/**
 * This module's sibling argon2_worker.ts. In a `bun build --compile` binary every bundled module's
 * `import.meta.url` is the binary's own (`file:///$bunfs/root/legion`), and the Worker entrypoint
 * (scripts/bun_build.js) keeps its path from the project root.
 */
function workerUrl(): URL {
  if (import.meta.url.startsWith("file:///$bunfs/")) {
    return new URL("./src/crypto/argon2_worker.ts", import.meta.url);
  }
  return new URL("./argon2_worker.ts", import.meta.url);
}
