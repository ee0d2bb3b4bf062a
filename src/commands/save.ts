/**
 * `legion save ID [DIR|-] [--force]`: writes a file, image or voice clip out — decrypted and
 * verified — into DIR (default: the current directory) or to stdout with `-` (never a terminal).
 * In DIR it gets a safe name made from the sender's hint (src/media/safe_name.ts: no traversal,
 * no device names, no control or bidi characters; an image's extension follows its real format)
 * through src/media/save_file.ts: the plaintext goes to a temporary 0600 file (O_EXCL, no
 * symlinks) and takes its name only once the whole file has verified against its SHA-256; never
 * over an existing file without `--force`, and `--force` replaces only a regular file.
 */
import type { Command } from "commander";
import { extname, resolve } from "node:path";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { LegionError } from "../errors.ts";
import { fromBase64 } from "../crypto/base64.ts";
import { TransferProgress } from "../cli/transfer_progress.ts";
import { terminalLine } from "../cli/terminal_text.ts";
import { openSaveTarget, type SaveTarget } from "../media/save_file.ts";

interface SaveOptions {
  force?: boolean;
  quiet?: boolean;
}

const IMAGE_EXTENSIONS: Record<string, string> = {
  "image/jpeg": ".jpg",
  "image/webp": ".webp",
  "image/png": ".png",
};

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
  const opened = await inv.service("file.open", { id: idText });
  const { handle, attachment } = opened;
  const short = opened.id.slice(0, 8);
  let target: SaveTarget | undefined;
  try {
    if (!toStdout) {
      target = await openSaveTarget(resolve(inv.ctx.cwd, dir ?? "."), saveName(attachment), {
        force: options.force,
        fallback: `legion-${short}${IMAGE_EXTENSIONS[attachment.mime] ?? ""}`,
      });
    }
  } catch (err) {
    await inv.service("file.close", { handle }).catch(() => {});
    throw err;
  }
  const progress = new TransferProgress(inv, "saving", attachment.size, options.quiet ?? false);
  let written = 0;
  try {
    for (;;) {
      const { data, done } = await inv.service("file.read", { handle });
      const bytes = fromBase64(data) ?? new Uint8Array(0);
      if (target) await target.write(bytes);
      else {
        await new Promise<void>((resolve, reject) =>
          inv.ctx.stdout.write(bytes, (err) => err ? reject(err) : resolve())
        );
      }
      written += bytes.length;
      progress.update(written);
      if (done) break;
    }
    progress.end(written);
    await target?.commit();
  } catch (err) {
    await inv.service("file.close", { handle }).catch(() => {});
    await target?.abort();
    throw err;
  }
  const record = {
    type: "saved",
    id: opened.id,
    kind: attachment.kind,
    path: target?.path ?? "-",
    size: written,
    mime: attachment.mime,
    sha256: attachment.sha256,
  };
  if (!target) inv.out.note(`saved ${short} to stdout (${written} bytes)`);
  else inv.out.result(record, terminalLine(target.path));
}

/** The sender's hint; an image's extension is made to match its (re-encoded) format. */
function saveName(attachment: { kind: string; name: string; mime: string }): string {
  const ext = IMAGE_EXTENSIONS[attachment.mime];
  if (attachment.kind !== "image" || !ext) return attachment.name;
  const current = extname(attachment.name).toLowerCase();
  if (current === ext || (ext === ".jpg" && current === ".jpeg")) return attachment.name;
  return `${attachment.name.slice(0, attachment.name.length - current.length)}${ext}`;
}
