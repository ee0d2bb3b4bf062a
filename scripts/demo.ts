/**
 * `deno task demo`: creates an identity in a temporary home and shows it, through the real CLI.
 * (Grows into the Alice-and-Bob exchange over a private Tor network as messaging lands.)
 */
import { join } from "node:path";

const main = join(import.meta.dirname!, "..", "main.ts");
const home = await Deno.makeTempDir({ prefix: "legion-demo-" });
const env = { LEGION_PASSPHRASE: "demo passphrase, not a real one", NO_COLOR: "1" };

async function legion(...args: string[]): Promise<string> {
  console.error(`$ legion ${args.join(" ")}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", main, "--home", join(home, "alice"), ...args],
    env,
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  Deno.stdout.writeSync(out.stdout);
  Deno.stderr.writeSync(out.stderr);
  if (out.code !== 0) throw new Error(`legion ${args[0]} exited ${out.code}`);
  return stdout;
}

try {
  await legion("init", "--phrase-out", join(home, "alice-phrase.txt"));
  await legion("whoami");
} finally {
  await Deno.remove(home, { recursive: true });
}
