/** Small assertions for tests (JSR's @std/assert is not reachable here). */
import { deepStrictEqual, notDeepStrictEqual } from "node:assert";

export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  notDeepStrictEqual(actual, expected, message);
}

export function assertExists<T>(
  value: T,
  message = "expected a value",
): asserts value is NonNullable<T> {
  if (value === undefined || value === null) throw new Error(message);
}

export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(text)) {
    throw new Error(message ?? `${JSON.stringify(text)} does not match ${pattern}`);
  }
}

/** Asserts that `fn` throws (or rejects) and returns the error for further checks. */
export async function assertRejects(
  fn: () => unknown,
  message = "expected an error",
): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error(message);
}

export function assertThrows(fn: () => unknown, message = "expected an error"): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error(message);
}
