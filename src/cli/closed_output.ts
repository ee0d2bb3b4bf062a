/**
 * A reader that stops reading (`legion inbox | head -1`) closes our stdout; the next write fails
 * with EPIPE. That is not the command's failure: the rest of the output is dropped without a word,
 * the command ends as it would have (a running node stops as on SIGTERM), and the exit code is
 * the command's own — 0 when it succeeded. Any other write error on stdout is reported once.
 */
import type { Writable } from "node:stream";

/**
 * Watches `stream` for write errors; returns a promise that resolves when it closed under us.
 * `onOtherError` gets any error other than EPIPE (once).
 */
export function watchOutput(
  stream: Writable,
  onOtherError: (err: Error) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let failed = false;
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (failed) return;
      failed = true;
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") resolve();
      else onOtherError(err);
    });
  });
}
