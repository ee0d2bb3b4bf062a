/**
 * Passphrase sources, strongest first: `--passphrase-file F`, `--passphrase-fd N`,
 * `$LEGION_PASSPHRASE` (weaker: visible to the same user in /proc/PID/environ; for CI and cron),
 * then a hidden prompt on a TTY. Never taken from argv.
 */
import { readFileSync } from "node:fs";
import type { Context } from "./context.ts";
import { isLegionError, LegionError } from "../errors.ts";

export interface PassphraseSource {
  passphraseFile?: string;
  passphraseFd?: number;
}

/** Shorter passphrases are refused when a new vault is created. */
export const MIN_PASSPHRASE_LENGTH = 8;

/** Tries a terminal user gets at a wrong passphrase; files, descriptors and the env get one. */
export const PASSPHRASE_TRIES = 3;

/** Reads the passphrase; with `confirm` a TTY prompt asks twice and new passphrases are checked. */
export async function readPassphrase(
  ctx: Context,
  source: PassphraseSource,
  options: { confirm?: boolean } = {},
): Promise<string> {
  const passphrase = await readFromSource(ctx, source, options.confirm ?? false);
  checkPassphrase(passphrase, options.confirm ?? false);
  return passphrase;
}

/**
 * Reads the passphrase and hands it to `use` (which unlocks something with it). A wrong passphrase
 * (`passphrase_rejected`) typed at a terminal is asked again, up to PASSPHRASE_TRIES times in all;
 * a passphrase from a file, a descriptor or the environment gets one try.
 */
export async function withPassphrase<T>(
  ctx: Context,
  source: PassphraseSource,
  use: (passphrase: string) => Promise<T>,
): Promise<T> {
  const tries = fromTerminal(ctx, source) ? PASSPHRASE_TRIES : 1;
  for (let attempt = 1;; attempt++) {
    const passphrase = await readPassphrase(ctx, source);
    try {
      return await use(passphrase);
    } catch (err) {
      if (!isLegionError(err, "passphrase_rejected") || attempt >= tries) throw err;
      const left = tries - attempt;
      ctx.stderr.write(
        `legion: wrong passphrase, try again (${left} ${left === 1 ? "try" : "tries"} left)\n`,
      );
    }
  }
}

/** True when the passphrase will be asked at a terminal (no file, descriptor or env given). */
function fromTerminal(ctx: Context, source: PassphraseSource): boolean {
  return source.passphraseFile === undefined && source.passphraseFd === undefined &&
    ctx.env.LEGION_PASSPHRASE === undefined && ctx.stdin.isTTY === true &&
    ctx.stderr.isTTY === true;
}

function checkPassphrase(passphrase: string, isNew: boolean): void {
  if (passphrase.length === 0) {
    throw new LegionError("usage", "The passphrase is empty");
  }
  if (isNew && passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new LegionError(
      "usage",
      `The passphrase is too short (minimum ${MIN_PASSPHRASE_LENGTH} characters)`,
    );
  }
}

async function readFromSource(
  ctx: Context,
  source: PassphraseSource,
  confirm: boolean,
): Promise<string> {
  if (source.passphraseFile !== undefined) {
    return firstLine(readInput(source.passphraseFile, "passphrase file"));
  }
  if (source.passphraseFd !== undefined) {
    return firstLine(readInput(source.passphraseFd, "passphrase descriptor"));
  }
  const fromEnv = ctx.env.LEGION_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;
  if (!ctx.stdin.isTTY || !ctx.stderr.isTTY) {
    throw new LegionError("usage", "No passphrase given and no terminal to ask for one", {
      hint: "use --passphrase-file FILE, --passphrase-fd N or LEGION_PASSPHRASE",
    });
  }
  const { password } = await import("@inquirer/prompts");
  const io = { input: ctx.stdin, output: ctx.stderr };
  const first = await password({ message: "Passphrase:", mask: "*" }, io);
  if (!confirm) return first;
  // A new passphrase that is too short is refused before asking for it again.
  checkPassphrase(first, true);
  const second = await password({ message: "Repeat passphrase:", mask: "*" }, io);
  if (first !== second) throw new LegionError("usage", "The passphrases do not match");
  return first;
}

function readInput(pathOrFd: string | number, what: string): string {
  try {
    return readFileSync(pathOrFd, "utf8");
  } catch (err) {
    throw new LegionError("no_input", `Cannot read the ${what}: ${(err as Error).message}`);
  }
}

/** The passphrase is the first line; a trailing newline from `echo` or an editor is not part of it. */
function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}
