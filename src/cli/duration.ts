/** Durations on the command line: a number and a unit, `90s`, `10m`, `12h`, `7d`, `2w`. */
import { LegionError } from "../errors.ts";

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses a duration into milliseconds; a usage error names the option when the text is bad. */
export function parseDuration(text: string, option = "duration"): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (!match) {
    throw new LegionError("usage", `Cannot read ${option} ${JSON.stringify(text)}`, {
      hint: "use a number and a unit: 90s, 10m, 12h, 7d, 2w",
    });
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}

/** A short human form with the two largest units: `3d 4h`, `12m 5s`, `40s`. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const units: Array<[string, number]> = [
    ["d", Math.floor(total / 86_400)],
    ["h", Math.floor((total % 86_400) / 3_600)],
    ["m", Math.floor((total % 3_600) / 60)],
    ["s", total % 60],
  ];
  const first = units.findIndex(([, value]) => value > 0);
  if (first === -1) return "0s";
  return units.slice(first, first + 2).filter(([, v]) => v > 0).map(([u, v]) => `${v}${u}`).join(
    " ",
  );
}
