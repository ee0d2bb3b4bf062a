/**
 * SIGINT/SIGTERM for the long-running commands (`listen`, `queue run`, `send --wait`): the first
 * signal aborts the returned AbortSignal, so the command stops what is in flight (dials, waits for
 * acks) and runs its cleanups; if that has not finished within `graceMs`, or a second signal
 * arrives, the process exits at once with 130 (SIGINT) or 143 (SIGTERM). Exiting at once is safe
 * for the store: every write is one SQLite transaction, and a transaction cut short is rolled
 * back on the next open. Locks held through the kernel (node.lock) die with the process, and a tor
 * Legion started exits by itself (`__OwningControllerProcess`).
 *
 * This is the one place besides main.ts that ends the process: an exit code here is the
 * conventional 128 + signal number, not a command outcome.
 */
import * as nodeTimers from "node:timers";
import process from "node:process";

/** How long a graceful stop may take before the process exits anyway. */
export const STOP_GRACE_MS = 4_000;

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

export interface StopSignals {
  /** Aborted by the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Removes the handlers (the default disposition applies again). */
  dispose(): void;
}

export function stopOnSignals(
  options: { graceMs?: number; onForcedExit?: () => void } = {},
): StopSignals {
  const controller = new AbortController();
  const exitNow = (name: keyof typeof SIGNAL_EXIT) => {
    try {
      options.onForcedExit?.();
    } finally {
      process.exit(SIGNAL_EXIT[name]);
    }
  };
  const handler = (name: keyof typeof SIGNAL_EXIT) => () => {
    if (controller.signal.aborted) return exitNow(name);
    controller.abort(new Error(`stopped by ${name}`));
    // The timer only bounds a stop that hangs; it must not keep a finished process alive
    // (node:timers' unref works under Deno and inside the Bun-built binary alike).
    nodeTimers.setTimeout(() => exitNow(name), options.graceMs ?? STOP_GRACE_MS).unref();
  };
  const onInt = handler("SIGINT");
  const onTerm = handler("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}
