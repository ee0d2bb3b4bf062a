/**
 * `legion save ID [DIR|-] [--force]`: decrypts a received (complete, verified) attachment and
 * writes it into DIR (default: the current directory) under a safe name made from the sender's
 * hint — never outside DIR, never over an existing file without `--force`, never onto a device,
 * FIFO, directory or symlink — or to stdout with `-`. The plaintext goes to a temporary 0600 file
 * in DIR first and takes its name only once the whole file has verified against its SHA-256.
 */
import type { Command } from "commander";
import {
  closeSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { LegionError } from "../errors.ts";
import { fromBase64 } from "../crypto/base64.ts";
import { toHex } from "../crypto/hex.ts";
import { TransferProgress } from "../cli/transfer_progress.ts";
import { terminalLine } from "../cli/terminal_text.ts";
// SEAM: branch `mediaimage` replaces this with src/media/safe_name.ts (see src/media/seam.ts).
import { safeSaveName } from "../media/seam.ts";

interface SaveOptions {
  force?: boolean;
  quiet?: boolean;
}

export function registerSave(program: Command, run: ActionRunner): void {
  program.command("save")
    .description("write a received file, image or voice clip out (decrypted and verified)")
    .argument("<id>", "the attachment's id (or its first 8+ hex characters; see `legion inbox`)")
    .argument("[dir]", "the directory to write it into (default: here); - writes it to stdout")
    .option("--force", "replace an existing regular file of the same name")
    .option("--quiet", "no progress on stderr")
    .addHelpText(
      "after",
      "\nThe file is named after the sender's name for it, made safe (no path, no control\n" +
        "characters, no hidden or device names); it is written only once it verified.\n" +
        "Examples:\n  legion save 3f9a1c2e ~/Downloads\n  legion save 3f9a1c2e - | tar x\n",
    )
    .action(run(save));
}

async function save(
  inv: Invocation,
  idText: string,
  dir: string | undefined,
  options: SaveOptions,
): Promise<void> {
  const toStdout = dir === "-";
  if (toStdout && inv.ctx.stdout.isTTY) {
    throw new LegionError("usage", "Refusing to write a file to the terminal", {
      hint: "redirect stdout (legion save ID - > file), or give a directory",
    });
  }
  const directory = dir ?? ".";
  if (!toStdout) checkDirectory(directory);
  const opened = await inv.service("file.open", { id: idText });
  const { handle, attachment } = opened;
  const name = safeSaveName(attachment.name, `legion-${opened.id.slice(0, 8)}`);
  const target = join(directory, name);
  if (!toStdout) checkTarget(target, options.force ?? false);
  const temp = join(directory, `.legion-save-${toHex(crypto.getRandomValues(new Uint8Array(8)))}`);
  let fd: number | undefined;
  const progress = new TransferProgress(inv, "saving", attachment.size, options.quiet ?? false);
  let written = 0;
  try {
    if (!toStdout) fd = openSync(temp, "wx", 0o600);
    for (;;) {
      const { data, done } = await inv.service("file.read", { handle });
      const bytes = fromBase64(data) ?? new Uint8Array(0);
      if (fd !== undefined) {
        for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      } else {
        await new Promise<void>((resolve, reject) =>
          inv.ctx.stdout.write(bytes, (err) => err ? reject(err) : resolve())
        );
      }
      written += bytes.length;
      progress.update(written);
      if (done) break;
    }
    progress.end(written);
    if (fd !== undefined) {
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      place(temp, target, options.force ?? false);
    }
  } catch (err) {
    await inv.service("file.close", { handle }).catch(() => {});
    if (fd !== undefined) closeSync(fd);
    if (!toStdout) unlinkQuietly(temp);
    throw err;
  }
  const record = {
    type: "saved",
    id: opened.id,
    path: toStdout ? "-" : target,
    size: written,
    sha256: attachment.sha256,
  };
  if (toStdout) inv.out.note(`saved ${opened.id.slice(0, 8)} to stdout (${written} bytes)`);
  else inv.out.result(record, `${terminalLine(target)}`);
}

function checkDirectory(dir: string): void {
  let stat;
  try {
    stat = lstatSync(dir);
    if (stat.isSymbolicLink()) stat = lstatSync(join(dir, "."));
  } catch (err) {
    throw new LegionError("no_input", `Cannot use ${dir}: ${(err as Error).message}`);
  }
  if (!stat.isDirectory()) throw new LegionError("usage", `${dir} is not a directory`);
}

function checkTarget(target: string, force: boolean): void {
  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    return;
  }
  if (!stat.isFile()) {
    throw new LegionError("config", `Refusing to write ${target}: it is not a regular file`);
  }
  if (!force) {
    throw new LegionError("config", `Refusing to overwrite ${target}`, {
      hint: "pass --force to replace it, or save into another directory",
    });
  }
}

/** Gives the verified temporary file its name: a hard link (fails if the name exists) or, with
 * `force`, a rename over an existing regular file. */
function place(temp: string, target: string, force: boolean): void {
  try {
    if (force) {
      checkTarget(target, true);
      renameSync(temp, target);
    } else {
      linkSync(temp, target);
      unlinkSync(temp);
    }
  } catch (err) {
    unlinkQuietly(temp);
    if (err instanceof LegionError) throw err;
    const exists = (err as NodeJS.ErrnoException).code === "EEXIST";
    throw new LegionError(
      "config",
      exists
        ? `Refusing to overwrite ${target}`
        : `Cannot write ${target}: ${(err as Error).message}`,
    );
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
