/**
 * `legion save ID [DIR|-] [--force]`: writes an image message out — into DIR (default: the
 * working directory) under a safe name (src/media/safe_name.ts: no traversal, no device names,
 * no control or bidi characters), as a new file only (`--force` replaces a regular file, never a
 * symlink or special file), or to stdout for `-` (never to a terminal).
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { fromBase64 } from "../crypto/base64.ts";
import { LegionError } from "../errors.ts";
import { decodeImageBody } from "../media/image_body.ts";
import { saveFile } from "../media/save_file.ts";

const EXTENSIONS: Record<string, string> = { jpeg: "jpg", webp: "webp", png: "png" };

export function registerSave(program: Command, run: ActionRunner): void {
  program.command("save")
    .description("write an image message out to a file (safe name, never overwriting) or stdout")
    .argument("<id>", "the message id or its first 8+ hex characters, as inbox shows it")
    .argument("[dir]", "the directory to write into (default: here), or - for stdout")
    .option("--force", "replace an existing regular file of the same name")
    .addHelpText(
      "after",
      "\nExamples:\n  legion save 3f2a9c1d ~/Pictures\n  legion save 3f2a9c1d - > photo.jpg\n",
    )
    .action(run(save));
}

async function save(
  inv: Invocation,
  id: string,
  dir: string | undefined,
  options: { force?: boolean },
): Promise<void> {
  if (dir === "-" && inv.ctx.stdout.isTTY) {
    throw new LegionError("usage", "Refusing to write an image to a terminal", {
      hint: "redirect stdout to a file, or give a directory",
    });
  }
  const message = await inv.service("message.image", { id });
  const body = fromBase64(message.body);
  if (!body) throw new LegionError("internal", "The node sent a malformed image");
  const image = decodeImageBody(body);
  if (dir === "-") {
    await new Promise<void>((done, fail) =>
      inv.ctx.stdout.write(image.bytes, (err) => err ? fail(err) : done())
    );
    return;
  }
  const name = `${message.contact}-${message.id.slice(0, 8)}.${EXTENSIONS[image.format]}`;
  const path = await saveFile(resolve(inv.ctx.cwd, dir ?? "."), name, image.bytes, {
    force: options.force,
    fallback: `image-${message.id.slice(0, 8)}.${EXTENSIONS[image.format]}`,
  });
  inv.out.result({ type: "saved", id: message.id, path, format: image.format }, path);
}
