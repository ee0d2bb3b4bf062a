/**
 * Everything a command may take from the outside world, injected so tests can run commands
 * in-process with fixed streams, environment and clock. Only `main.ts` builds the real one.
 */
import type { Readable, Writable } from "node:stream";

export interface Context {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Current time in milliseconds since the epoch. */
  now: () => number;
  cwd: string;
  /** Home directory of the user, for the default data dir. */
  userHome: string;
  /** Resolves when the reader of stdout went away (EPIPE); long-running commands then stop. */
  stdoutClosed?: Promise<void>;
}
