/** A Context for running the CLI in-process (`runCli`), with stdout and stderr captured. */
import { Readable, Writable } from "node:stream";
import type { Context } from "../../src/cli/context.ts";

export interface CapturedContext {
  ctx: Context;
  /** Everything written to stdout since the last `take()`, then cleared. */
  take(): { stdout: string; stderr: string };
}

function sink(chunks: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      chunks.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      done();
    },
  });
}

export function capturedContext(env: Record<string, string>, cwd: string): CapturedContext {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: Context = {
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    stdout: Object.assign(sink(out), { isTTY: false }),
    stderr: Object.assign(sink(err), { isTTY: false }),
    env: { NO_COLOR: "1", ...env },
    now: () => Date.now(),
    cwd,
    userHome: cwd,
  };
  return {
    ctx,
    take() {
      const result = { stdout: out.join(""), stderr: err.join("") };
      out.length = 0;
      err.length = 0;
      return result;
    },
  };
}
