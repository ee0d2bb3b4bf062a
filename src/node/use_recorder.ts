/**
 * Use of a running node by its user keeps the dead-man switch (`panic --if-unused-for`) from
 * firing: every agent call counts, as an unlock does. Peer traffic is not the user and does not
 * count. The write is throttled to once a minute so a busy agent does not write on every call.
 */
import type { UnlockedStore } from "../store/open_store.ts";
import { recordUse } from "../store/usage.ts";

/** At most one use is written per this interval. */
export const USE_RECORD_INTERVAL_MS = 60_000;

/** Returns a function that records a use now, unless one was recorded less than a minute ago. */
export function useRecorder(
  store: Pick<UnlockedStore, "db" | "write">,
  now: () => number,
): () => Promise<void> {
  let last = Number.NEGATIVE_INFINITY;
  return async () => {
    const at = now();
    if (at - last < USE_RECORD_INTERVAL_MS) return;
    last = at;
    await store.write(() => recordUse(store.db, at));
  };
}
