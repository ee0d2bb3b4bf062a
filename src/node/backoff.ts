/**
 * Retry schedule for one recipient's queue: 10 s, then doubling, capped at 30 min, each delay
 * jittered by ±25 % so many nodes (or many items) do not retry in lockstep.
 */
export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_CAP_MS = 30 * 60_000;

/** Delay before the next attempt after `attempts` failures; `random` is in [0, 1). */
export function backoffDelay(attempts: number, random: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 20);
  const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** exponent);
  return Math.round(delay * (0.75 + random * 0.5));
}
