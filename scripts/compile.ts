/**
 * `deno task compile`: builds the single binary dist/legion. Tries `deno compile` first; where its
 * runtime download is unreachable, falls back to `bun build --compile` (scripts/bun_build.js).
 */
import { join } from "node:path";
import { V8_FLAGS } from "./v8_flags.ts";

const root = join(import.meta.dirname!, "..");
const outfile = join(root, "dist", "legion");
await Deno.mkdir(join(root, "dist"), { recursive: true });

/** Runs a build command; its stderr is shown only when `showErrors` (deno compile's is noise here). */
async function run(cmd: string, args: string[], showErrors = true): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, cwd: root, stdout: "inherit", stderr: "piped" })
      .output();
    if (out.code !== 0 && showErrors) Deno.stderr.writeSync(out.stderr);
    return out.code === 0;
  } catch (err) {
    console.error(`legion: cannot run ${cmd}: ${(err as Error).message}`);
    return false;
  }
}

if (
  Deno.env.get("LEGION_COMPILE_WITH") !== "bun" &&
  await run(
    Deno.execPath(),
    [
      "compile",
      "--allow-all",
      "--quiet",
      `--v8-flags=${V8_FLAGS}`,
      "--include",
      "src/crypto/argon2_worker.ts",
      "--output",
      outfile,
      "main.ts",
    ],
    false,
  )
) {
  console.error(`legion: built ${outfile} with deno compile`);
} else {
  console.error("legion: deno compile is unavailable here; building with bun build --compile");
  if (!await run("bun", ["scripts/bun_build.js", outfile])) Deno.exit(1);
}
