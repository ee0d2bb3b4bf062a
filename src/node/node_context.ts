/**
 * What node code needs from whoever runs it — the CLI's invocation satisfies it, and so does a
 * test harness — so the node never depends on the CLI.
 */
import type { UnlockedStore } from "../store/open_store.ts";

export interface NodeContext {
  /** The data dir. */
  readonly home: string;
  /** The process environment (tor options and passwords are read from it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Current time, ms since the epoch. */
  now(): number;
  /** Progress for humans (stderr); never part of the result stream. */
  note(message: string): void;
  warn(message: string): void;
  /**
   * Aborted when the user asks the command to stop (SIGINT/SIGTERM): in-flight dials and waits
   * end, and what they were delivering stays queued.
   */
  readonly signal?: AbortSignal;
  /** Registers work to run when the command ends, in reverse order of registration. */
  onCleanup(fn: () => void | Promise<void>): void;
  /** Opens and unlocks the store (asking for the passphrase); closed by the cleanups. */
  unlock(): Promise<UnlockedStore>;
}
