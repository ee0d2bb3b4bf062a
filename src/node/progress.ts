/** Progress events: at most four a second per transfer (the `--json` contract). */
export const PROGRESS_INTERVAL_MS = 250;

export class ProgressGate {
  readonly #last = new Map<string, number>();

  /** Whether a progress event for `id` may go out at `now` (and notes that it does). */
  due(id: string, now: number): boolean {
    const last = this.#last.get(id);
    if (last !== undefined && now - last < PROGRESS_INTERVAL_MS) return false;
    this.#last.set(id, now);
    return true;
  }

  forget(id: string): void {
    this.#last.delete(id);
  }
}
