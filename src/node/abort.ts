/** Small helpers for work that a stopping node (an AbortSignal) must not wait on. */

/**
 * `promise`, or a rejection with the signal's reason as soon as it is aborted — even when the work
 * behind the promise does not honour the signal; `late` disposes of a result that arrives after.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, late: (value: T) => void) {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      promise.then(late, () => {});
      return reject(signal.reason);
    }
    const onAbort = () => {
      promise.then(late, () => {});
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Resolves when `signal` is aborted (never, without a signal). */
export function whenAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
}
