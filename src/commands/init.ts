/**
 * `legion init`: a new identity (or `--restore` one from its phrase) in a fresh data dir.
 *
 * The new database is built under a temporary name and renamed into place only when complete, so an
 * interrupted init never leaves half an identity, and `--force` never loses the old one early.
 * `--force` replaces an identity only in a provable Legion home with no node running, and erases
 * the old one the way `panic` does (src/commands/_destroy_home.ts, old key file first) just before
 * the rename. The new vault key file (src/store/key_file.ts) is written in place right before the
 * rename; a key file without a database (left by an interrupted init) is overwritten and replaced.
 */
import { renameSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, join } from "node:path";
import { type Command, Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { readPassphrase } from "../cli/passphrase.ts";
import { readSecretText } from "../cli/secret_input.ts";
import { checkNewFile, writeNewFile } from "../cli/new_file.ts";
import { keyFingerprint } from "../crypto/fingerprint.ts";
import { onionAddress } from "../crypto/onion.ts";
import { toHex } from "../crypto/hex.ts";
import { ensureDataDir, openDatabase } from "../store/db.ts";
import { databaseExists, databasePath, DB_FILE, keyFilePath } from "../store/layout.ts";
import { createVault } from "../store/vault.ts";
import { newKeyFileBytes, scrambleKeyFile, writeKeyFile } from "../store/key_file.ts";
import { saveIdentity } from "../store/identity_store.ts";
import { LegionError } from "../errors.ts";
import { destroyHome, guardHome, refuseWhileNodeRuns } from "./_destroy_home.ts";

interface InitOptions {
  restore?: boolean;
  force?: boolean;
  phraseOut?: string;
  phraseFile?: string;
  showPhrase?: boolean;
}

export function registerInit(program: Command, run: ActionRunner): void {
  program.command("init")
    .description("create a new identity (or restore one from its recovery phrase)")
    .option("--restore", "recreate the identity from its 24-word phrase (prompt, or stdin)")
    .option("--phrase-file <file>", "with --restore: read the phrase from a file")
    .addOption(
      new Option("--phrase-out <file>", "write the new recovery phrase to a new FILE (mode 0600)")
        .conflicts("restore"),
    )
    .addOption(
      new Option(
        "--show-phrase",
        "include the recovery phrase in stdout (careful: logs, scrollback)",
      )
        .conflicts("restore"),
    )
    .option("--force", "replace an existing identity (destroys it)")
    .hook("preAction", (command) => {
      const options = command.opts<InitOptions>();
      if (options.phraseFile !== undefined && !options.restore) {
        command.error("option '--phrase-file <file>' needs '--restore'", {
          code: "commander.conflictingOption",
          exitCode: 2,
        });
      }
    })
    .action(run(init));
}

async function init(inv: Invocation, options: InitOptions): Promise<void> {
  const { ctx, out, home } = inv;
  const replacing = databaseExists(home);
  if (replacing && !options.force) {
    throw new LegionError("identity_exists", `An identity already exists in ${home}`, {
      hint: "use --force to replace it (the old identity is destroyed), or pass --home DIR",
    });
  }
  if (replacing) {
    guardHome(inv);
    refuseWhileNodeRuns(home, "run init --force again");
  }
  if (!options.restore) checkPhraseDestination(inv, options);

  const { deriveIdentity, newPhrase, parsePhrase } = await import("../crypto/phrase_keys.ts");
  const phrase = options.restore
    ? parsePhrase(
      await readSecretText(ctx, { file: options.phraseFile, prompt: "Recovery phrase:" }),
    )
    : await newPhrase();
  const passphrase = await readPassphrase(ctx, inv.globals, { confirm: true });
  const keys = await deriveIdentity(phrase);
  const createdAt = ctx.now();

  ensureDataDir(home);
  if (!options.restore && options.phraseOut) writePhraseFile(options.phraseOut, phrase);
  const staging = join(home, `${DB_FILE}.init-${toHex(randomBytes(6))}`);
  const failures: string[] = [];
  const keyFile = newKeyFileBytes();
  let keyFileWritten = false;
  try {
    const db = openDatabase(staging, { create: true });
    try {
      const sealer = await createVault(db, { passphrase, keyFile });
      saveIdentity(db, sealer, keys, createdAt);
      // libsignal keys (identity, signed + Kyber prekeys); loaded here only, keeping --help fast.
      const { createSignalKeys } = await import("../store/signal_keys.ts");
      createSignalKeys(db, sealer, createdAt);
      sealer.wipe();
    } finally {
      db.close();
    }
    if (replacing) {
      refuseWhileNodeRuns(home, "run init --force again");
      const stagingName = basename(staging);
      const report = await destroyHome(home, (name) => name.startsWith(stagingName));
      failures.push(...report.failures);
    }
    discardKeyFile(home);
    writeKeyFile(keyFilePath(home), keyFile);
    keyFileWritten = true;
    renameSync(staging, databasePath(home));
  } catch (err) {
    removeDatabase(home, staging);
    if (keyFileWritten) discardKeyFile(home);
    throw err;
  } finally {
    keyFile.fill(0);
    keys.seed.fill(0);
    keys.zkSecret.fill(0);
  }

  const onion = onionAddress(keys.publicKey);
  if (!options.restore && !options.phraseOut && !options.showPhrase) {
    showPhraseOnTerminal(inv, phrase);
  }
  out.result(
    {
      type: "identity",
      onion: `${onion}.onion`,
      fingerprint: await keyFingerprint(keys.publicKey),
      createdAt: new Date(createdAt).toISOString(),
      restored: options.restore ?? false,
      ...(options.showPhrase && !options.restore ? { phrase } : {}),
    },
    options.showPhrase && !options.restore ? [`${onion}.onion`, phrase] : `${onion}.onion`,
  );
  if (failures.length > 0) {
    for (const failure of failures) out.warn(`could not destroy ${failure}`);
    throw new LegionError("internal", `The old identity was not fully erased`, {
      hint: "the new identity is in place; see the warnings above",
    });
  }
}

/** Fails before anything is created when the new phrase would have nowhere safe to go. */
function checkPhraseDestination(inv: Invocation, options: InitOptions): void {
  if (options.phraseOut) {
    checkNewFile(options.phraseOut, { existsHint: "choose another --phrase-out file" });
    return;
  }
  if (options.showPhrase || inv.ctx.stderr.isTTY) return;
  throw new LegionError("usage", "No terminal to show the recovery phrase on", {
    hint: "use --phrase-out FILE (or --show-phrase to print it on stdout)",
  });
}

function writePhraseFile(path: string, phrase: string): void {
  writeNewFile(path, phrase + "\n", { existsHint: "choose another --phrase-out file" });
}

function showPhraseOnTerminal(inv: Invocation, phrase: string): void {
  const words = phrase.split(" ").map((w, i) => `${String(i + 1).padStart(2)}. ${w.padEnd(10)}`);
  const rows: string[] = [];
  for (let i = 0; i < words.length; i += 4) rows.push("  " + words.slice(i, i + 4).join(" "));
  inv.ctx.stderr.write(
    "\nRecovery phrase — write it down now; it will not be shown again:\n\n" +
      rows.join("\n") + "\n\n",
  );
}

/** Overwrites and removes a key file that has no database (an interrupted init's, or ours). */
function discardKeyFile(home: string): void {
  const path = keyFilePath(home);
  scrambleKeyFile(path);
  rmSync(path, { force: true });
}

/** Removes a database and its WAL/SHM (`path` defaults to the data dir's database). */
function removeDatabase(home: string, path = databasePath(home)): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(path + suffix, { force: true });
}
