/**
 * Background work of a running node (deliveries, sweeps, key rotation, inbound streams) must never
 * end the process: a failure becomes an event and the node carries on. A storage failure (full
 * disk, read-only media, corruption) is reported with its cause.
 */
import { storeErrorOf } from "../store/store_error.ts";
import type { EventSink, NodeEvent } from "./events.ts";

/** The event reporting `err`, raised while doing `during` ("delivering", "sweeping", …). */
export function failureEvent(err: unknown, during: string): NodeEvent {
  const storage = storeErrorOf(err);
  if (storage) {
    return { type: "storage_error", reason: storage.reason, during, error: storage.message };
  }
  return { type: "node_error", during, error: err instanceof Error ? err.message : String(err) };
}

/** Runs `work` in the background; a failure is reported to `emit`, never thrown. */
export function inBackground(
  work: () => Promise<unknown>,
  during: string,
  emit: EventSink,
): void {
  let running: Promise<unknown>;
  try {
    running = work();
  } catch (err) {
    running = Promise.reject(err);
  }
  running.catch((err) => {
    try {
      emit(failureEvent(err, during));
    } catch {
      // A sink that fails (a closed stdout) must not turn this into an unhandled rejection.
    }
  });
}
