/**
 * `deno task install [--root DIR]`: puts a `legion` command in DIR/bin (default: ~/.local, so
 * ~/.local/bin/legion). It is a two-line shell wrapper that runs this checkout's main.ts with its
 * deno.json, from wherever the user is, so relative paths resolve against the caller's directory
 * and nothing is echoed. It needs no network.
 *
 * Why not `deno install -g`: a global install copies deno.json next to the wrapper, and its
 * `"links"` entry (vendor/web-worker, see DESIGN §7) then points nowhere.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import process from "node:process";
import { V8_FLAGS } from "./v8_flags.ts";

const checkout = resolve(import.meta.dirname!, "..");
const args = process.argv.slice(2);
const rootAt = args.indexOf("--root");
if (args.includes("--help") || (rootAt !== -1 && args[rootAt + 1] === undefined)) {
  console.error("usage: deno task install [--root DIR]   (installs DIR/bin/legion; DIR: ~/.local)");
  process.exit(rootAt === -1 ? 0 : 2);
}
const root = rootAt === -1 ? join(homedir(), ".local") : resolve(args[rootAt + 1]);
const bin = join(root, "bin");
const target = join(bin, "legion");

/** Single-quotes a word for sh. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

const script = `#!/bin/sh
# legion: runs ${checkout} (written by \`deno task install\`)
exec ${sh(process.execPath)} run --allow-all --quiet --v8-flags=${V8_FLAGS} --config ${
  sh(join(checkout, "deno.json"))
} ${sh(join(checkout, "main.ts"))} "$@"
`;
mkdirSync(bin, { recursive: true });
writeFileSync(target, script);
chmodSync(target, 0o755);
console.error(`legion: installed ${target}`);
const onPath = (process.env.PATH ?? "").split(delimiter).some((dir) => resolve(dir) === bin);
if (!onPath) {
  console.error(`legion: hint: ${bin} is not on PATH; add it: export PATH="${bin}:$PATH"`);
}
