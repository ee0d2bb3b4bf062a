/**
 * The range every timestamp read from the wire must lie in, in milliseconds since the epoch:
 * 2020-01-01T00:00:00Z ≤ t < 2200-01-01T00:00:00Z.
 *
 * A u64 on the wire can hold values that `Number` represents but `Date` cannot (beyond ±8.64e15):
 * such a value passes a `Number.isSafeInteger` check and then makes `new Date(t).toISOString()`
 * throw far from the decoder. Nothing Legion sends predates 2020, and the hello already requires
 * the two clocks to agree within minutes, so the range costs an honest peer nothing.
 */

/** 2020-01-01T00:00:00Z. */
export const MIN_TIMESTAMP_MS = 1_577_836_800_000;
/** 2200-01-01T00:00:00Z (exclusive). */
export const MAX_TIMESTAMP_MS = 7_258_118_400_000;

/** True when `ms` is an integer in [{@link MIN_TIMESTAMP_MS}, {@link MAX_TIMESTAMP_MS}). */
export function isWireTimestamp(ms: number | bigint): boolean {
  if (typeof ms === "bigint") {
    return ms >= BigInt(MIN_TIMESTAMP_MS) && ms < BigInt(MAX_TIMESTAMP_MS);
  }
  return Number.isInteger(ms) && ms >= MIN_TIMESTAMP_MS && ms < MAX_TIMESTAMP_MS;
}
