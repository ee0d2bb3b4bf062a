/** Runs the real CLI (`deno run main.ts`) as a child process, as users and scripts do. */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { assertEquals } from "./assert.ts";

export const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
export const TEST_PASSPHRASE = "correct horse battery staple";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string | Uint8Array;
  cwd?: string;
  /** Defaults to TEST_PASSPHRASE through LEGION_PASSPHRASE; `null` leaves it unset. */
  passphrase?: string | null;
}

function legionEnv(options: Pick<RunOptions, "env" | "passphrase">): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1", ...options.env };
  const passphrase = options.passphrase === undefined ? TEST_PASSPHRASE : options.passphrase;
  // A passphrase the caller put in `env` (the demo's) wins over the default test one.
  if (passphrase !== null && options.env?.LEGION_PASSPHRASE === undefined) {
    env.LEGION_PASSPHRASE = passphrase;
  }
  return env;
}

export async function runLegion(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    env: legionEnv(options),
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
    );
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/**
 * Starts the real CLI with `args` and returns the running child (stdin closed, stderr piped;
 * stdout piped unless `stdout: "null"`); env as for {@link runLegion}.
 */
export function spawnLegion(
  args: string[],
  options: Pick<RunOptions, "env" | "passphrase"> & { stdout?: "piped" | "null" } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    env: legionEnv(options),
    stdin: "null",
    stdout: options.stdout ?? "piped",
    stderr: "piped",
  }).spawn();
}

/** A fresh temporary directory, removed by the returned dispose function. */
export async function tempDir(
  prefix = "legion-test-",
): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** `legion init` in `home` (non-interactive); returns the onion address and the phrase. */
export async function initIdentity(
  home: string,
  phraseFile: string,
): Promise<{ onion: string; phrase: string }> {
  const result = await runLegion(["--home", home, "--json", "init", "--phrase-out", phraseFile]);
  if (result.code !== 0) throw new Error(`init failed (${result.code}): ${result.stderr}`);
  const record = JSON.parse(result.stdout.trim());
  return { onion: record.onion, phrase: (await Deno.readTextFile(phraseFile)).trim() };
}

/** Two identities under `dir` (`alice`, `bob`); alice has bob as a contact. */
export async function withContact(dir: string): Promise<{ alice: string; bob: string }> {
  const alice = join(dir, "alice");
  const bob = join(dir, "bob");
  await initIdentity(alice, join(dir, "alice.phrase"));
  await initIdentity(bob, join(dir, "bob.phrase"));
  const card = await runLegion(["--home", bob, "card", "export", "--name", "bob"]);
  assertEquals(card.code, 0, card.stderr);
  const added = await runLegion(["--home", alice, "card", "import", "-"], { stdin: card.stdout });
  assertEquals(added.code, 0, added.stderr);
  return { alice, bob };
}

/** Whether anything exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
