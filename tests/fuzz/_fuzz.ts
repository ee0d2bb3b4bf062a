/**
 * Shared pieces of the fuzz suites (tests/fuzz/*_fuzz_test.ts).
 *
 * The run count comes from `LEGION_FUZZ_RUNS` (default {@link DEFAULT_RUNS}, small enough for
 * `deno task test`); `deno task fuzz` sets it to 100 000. With `LEGION_FUZZ_REPORT=1`, each
 * property prints its runs, wall time and resident-set growth to stderr.
 */
import fc from "fast-check";

export { fc };

export const DEFAULT_RUNS = 500;

/** Runs per property for this process. */
export const RUNS = runCount(Deno.env.get("LEGION_FUZZ_RUNS"));

/** A single decode taking longer than this counts as a hang. */
export const HANG_MS = 2_000;

function runCount(text: string | undefined): number {
  if (text === undefined || text === "") return DEFAULT_RUNS;
  const runs = Number(text);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new RangeError(`LEGION_FUZZ_RUNS must be a positive integer, got ${text}`);
  }
  return runs;
}

/**
 * Registers a property as a Deno test, run `RUNS / divisor` times (at least 20); `divisor` is for
 * properties whose every run costs a signature or proof verification.
 */
export function fuzz(
  name: string,
  property: fc.IRawProperty<unknown[]>,
  options: { divisor?: number } = {},
): void {
  const runs = Math.max(20, Math.floor(RUNS / (options.divisor ?? 1)));
  Deno.test(name, async () => {
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    await fc.assert(property, { numRuns: runs });
    if (Deno.env.get("LEGION_FUZZ_REPORT")) {
      const seconds = (performance.now() - started) / 1000;
      const rss = Deno.memoryUsage().rss;
      console.error(
        `fuzz: ${name}: ${runs} runs, ${seconds.toFixed(1)} s, rss ${mib(rssBefore)} → ${mib(rss)}`,
      );
    }
  });
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/**
 * Calls `decode`; returns `{ ok: value }`, or `{ error }` when it threw an error `expected` accepts.
 * Anything else (a TypeError, a RangeError, some other class) or a decode slower than
 * {@link HANG_MS} fails the property.
 */
export function attempt<T>(
  decode: () => T,
  expected: (err: unknown) => boolean,
): Outcome<T> {
  const started = performance.now();
  let result: Outcome<T>;
  try {
    result = { ok: decode() };
  } catch (err) {
    result = caught(err, expected);
  }
  return inTime(started, result);
}

/** The async form of {@link attempt}. */
export async function attemptAsync<T>(
  decode: () => Promise<T>,
  expected: (err: unknown) => boolean,
): Promise<Outcome<T>> {
  const started = performance.now();
  const result = await (async (): Promise<Outcome<T>> => ({ ok: await decode() }))()
    .catch((err) => caught(err, expected));
  return inTime(started, result);
}

type Outcome<T> = { ok: T } | { error: unknown };

/** `{ error }` for an error `expected` accepts; anything else fails the property. */
function caught(err: unknown, expected: (err: unknown) => boolean): { error: unknown } {
  if (!expected(err)) throw new Error(`unexpected ${describe(err)}`, { cause: err });
  return { error: err };
}

/** `result`, unless the decode that began at `started` took longer than {@link HANG_MS}. */
function inTime<R>(started: number, result: R): R {
  const ms = performance.now() - started;
  if (ms > HANG_MS) throw new Error(`decode took ${ms.toFixed(0)} ms`);
  return result;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
}

/** One edit of a byte string. Positions are taken modulo the current length. */
export type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; byte: number }
  | { op: "insert"; at: number; byte: number }
  | { op: "delete"; at: number }
  | { op: "truncate"; at: number };

const position = fc.nat({ max: 1 << 20 });
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), at: position, byte: fc.nat({ max: 255 }) }),
  fc.record({ op: fc.constant("insert" as const), at: position, byte: fc.nat({ max: 255 }) }),
  fc.record({ op: fc.constant("delete" as const), at: position }),
  fc.record({ op: fc.constant("truncate" as const), at: position }),
);

/** One to four edits. */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, {
  minLength: 1,
  maxLength: 4,
});

/** Length-preserving edits only (flips and overwrites), for fixed-size encodings. */
export const inPlaceMutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("flip" as const), at: position, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant("set" as const), at: position, byte: fc.nat({ max: 255 }) }),
  ),
  { minLength: 1, maxLength: 4 },
);

/** Applies `edits` to a copy of `bytes`. */
export function mutate(bytes: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  let out = Array.from(bytes);
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % out.length;
    switch (edit.op) {
      case "flip":
        if (out.length > 0) out[at] ^= 1 << edit.bit;
        break;
      case "set":
        if (out.length > 0) out[at] = edit.byte;
        break;
      case "insert":
        out.splice(edit.at % (out.length + 1), 0, edit.byte);
        break;
      case "delete":
        if (out.length > 0) out.splice(at, 1);
        break;
      case "truncate":
        out = out.slice(0, at);
        break;
    }
  }
  return Uint8Array.from(out);
}

/** True when the two byte strings are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Random bytes, mostly short, sometimes up to `max`. */
export function bytes(max = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: max }) },
  );
}

/** Splits `data` at the given cut points (taken modulo its length), in order. */
export function chunk(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % data.length)))]
    .sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    out.push(data.subarray(start, point));
    start = point;
  }
  out.push(data.subarray(start));
  return out;
}

/** Concatenates byte strings. */
export { concatBytes as concat } from "../../src/crypto/bytes.ts";
