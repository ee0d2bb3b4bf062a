/**
 * Progress of a file over 1 MiB being sent or saved: on stderr only when it is a terminal (one
 * line rewritten in place); with `--json`, `progress` records on stdout at most four a second;
 * nothing with `--quiet`.
 */
import type { Invocation } from "./invocation.ts";

export const PROGRESS_MIN_BYTES = 1024 * 1024;
const INTERVAL_MS = 250;

export class TransferProgress {
  #last = 0;
  #shown = false;

  constructor(
    private readonly inv: Invocation,
    private readonly what: string,
    private readonly total: number | undefined,
    private readonly quiet: boolean,
  ) {}

  update(done: number, force = false): void {
    if (this.quiet || (this.total ?? done) <= PROGRESS_MIN_BYTES) return;
    const now = Date.now();
    if (!force && now - this.#last < INTERVAL_MS) return;
    this.#last = now;
    const { inv, total } = this;
    if (inv.out.json) {
      inv.out.result({ type: "progress", what: this.what, bytes: done, total: total ?? null }, "");
      return;
    }
    if (!inv.ctx.stderr.isTTY) return;
    const mib = (n: number) => (n / 1048576).toFixed(1);
    const pct = total ? ` ${Math.floor((done * 100) / Math.max(1, total))}%` : "";
    inv.ctx.stderr.write(
      `\rlegion: ${this.what} ${mib(done)}${total ? `/${mib(total)}` : ""} MiB${pct}\x1b[K`,
    );
    this.#shown = true;
  }

  end(done: number): void {
    this.update(done, true);
    if (this.#shown) this.inv.ctx.stderr.write("\n");
  }
}
