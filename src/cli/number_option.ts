/**
 * The one parser of numeric options. Durations share one syntax everywhere (`--wait 2m`,
 * `--timeout 90s`, `--expires-in 30d`, `--ttl 1h`, `--tor-timeout 3m`): a number and a unit
 * (s, m, h, d, w); a bare number means the option's historical unit (seconds, or days for
 * `--expires-in`). Every bad value is a `usage` error (exit 2) that names the option.
 */
import { LegionError } from "../errors.ts";
import { formatDuration, parseDuration } from "./duration.ts";

const UNIT_MS = { s: 1_000, d: 86_400_000 } as const;

export interface DurationOptionSpec {
  /** The option's name for messages, e.g. `--wait`. */
  option: string;
  /** The unit of a bare number; without it a unit is required. */
  bare?: keyof typeof UNIT_MS;
  /** Smallest and largest accepted value in milliseconds (inclusive); the default is > 0. */
  minMs?: number;
  maxMs?: number;
}

/** Parses a duration option into milliseconds. */
export function parseDurationOption(value: string, spec: DurationOptionSpec): number {
  const text = value.trim();
  let ms: number;
  if (spec.bare !== undefined && /^\d+(?:\.\d+)?$/.test(text)) {
    ms = Math.round(Number(text) * UNIT_MS[spec.bare]);
  } else {
    ms = parseDuration(text, spec.option);
  }
  const min = spec.minMs ?? 1;
  if (ms < min || (spec.maxMs !== undefined && ms > spec.maxMs)) {
    throw new LegionError("usage", `${spec.option} is out of range: ${value}`, {
      hint: spec.maxMs === undefined
        ? `use at least ${formatDuration(Math.max(min, 1000))}`
        : `use ${formatDuration(min)} to ${formatDuration(spec.maxMs)}`,
    });
  }
  return ms;
}

/** A commander argParser for a duration option, in milliseconds. */
export function durationOption(spec: DurationOptionSpec): (value: string) => number {
  return (value) => parseDurationOption(value, spec);
}

/** A commander argParser for a whole number (0 or more) option. */
export function countOption(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
      throw new LegionError(
        "usage",
        `${option} needs a whole number, got ${JSON.stringify(value)}`,
      );
    }
    return n;
  };
}
