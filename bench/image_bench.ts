/**
 * `deno task bench:image`: sanitising a 12 MP (4000 × 3000) camera-like JPEG carrying EXIF with
 * GPS and an orientation, with src/media/image_sanitize.ts — decode, rotate, sRGB, re-encode as
 * JPEG q85 (target ≤ 0.4 s), and with `--max-side 2048` (what fits one message). Also how long the
 * event loop is blocked meanwhile (sharp works on its own threads): the longest gap between 1 ms
 * timers during the runs. Medians of `--runs N` (default 7) after one warm-up, in wall time and in
 * CPU time of all threads (which, unlike wall time, does not depend on what else the machine
 * runs); figures on stdout.
 *
 *   deno run -A bench/image_bench.ts [--runs 7]
 */
import { cpus, loadavg } from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { sanitizeImage } from "../src/media/image_sanitize.ts";

async function photo(): Promise<Uint8Array> {
  // Noise blurred to photo-like detail, so the encoder has real work (not a flat fill).
  const noise = await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  }).blur(1.2).png({ compressionLevel: 0 }).toBuffer();
  return new Uint8Array(
    await sharp(noise)
      .withExif({
        IFD0: { Make: "Canon", Model: "EOS R5" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 2/1" },
      })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(input: Uint8Array, runs: number, maxSide?: number) {
  await sanitizeImage(input, { maxSide }); // warm-up
  const times: number[] = [];
  const cpu: number[] = [];
  let worstGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, 1);
  let out = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    out = (await sanitizeImage(input, { maxSide })).bytes.length;
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  clearInterval(timer);
  return { median: median(times) / 1000, cpu: median(cpu) / 1000, worstGap, out };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
  const runs = Number(values.runs);
  const input = await photo();
  console.log(
    `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}, ${cpus().length} CPUs`,
  );
  console.log(`input: 4000x3000 JPEG, ${(input.length / 2 ** 20).toFixed(1)} MiB, EXIF+GPS`);
  for (const maxSide of [undefined, 2048]) {
    const r = await measure(input, runs, maxSide);
    console.log(
      `sanitise 12 MP${maxSide ? ` --max-side ${maxSide}` : ""}: median ${r.median.toFixed(3)} s ` +
        `wall, ${r.cpu.toFixed(3)} s CPU (all threads) ` +
        `(n=${runs}, out ${(r.out / 1024).toFixed(0)} KiB), event loop worst gap ` +
        `${r.worstGap.toFixed(0)} ms`,
    );
  }
}

// A `deno run` script: `deno bench bench/` (where import.meta.main is false) skips it.
if (import.meta.main) await main();
