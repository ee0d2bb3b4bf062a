/**
 * Received images are decoded and re-encoded one at a time. A decode holds the whole bitmap (up to
 * 100 MP: ≈400 MB RGBA) besides the compressed input, so several contacts — or one with several
 * streams — finishing images at once could otherwise push the node into gigabytes.
 */
import { Mutex } from "../store/mutex.ts";

const slot = new Mutex();

/** Runs `fn` (a receive-side sanitise) when no other one is running. */
export function inSanitizeSlot<T>(fn: () => Promise<T>): Promise<T> {
  return slot.run(fn);
}
