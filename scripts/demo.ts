/**
 * `deno task demo`: Alice and Bob on a private Tor network on 127.0.0.1 — each with a new identity
 * in a temporary home and their own tor. They swap cards, Bob's node listens, Alice sends and waits
 * for the ack, Bob reads. Everything is torn down at the end (tor stopped by PID).
 */
import { join } from "node:path";
import { startTorNetwork } from "../tests/support/tor_network.ts";
import { type NodeProcess, startNode } from "../tests/support/node_process.ts";

const main = join(import.meta.dirname!, "..", "main.ts");
const env = { LEGION_PASSPHRASE: "demo passphrase, not a real one", NO_COLOR: "1" };
const say = (text: string) => console.error(`\n== ${text}`);

if (!await hasTor()) {
  console.error("legion: error: tor is not installed");
  console.error("legion: hint: apt-get install -y tor   (Debian's tor 0.4.9)");
  Deno.exit(69);
}

async function hasTor(): Promise<boolean> {
  try {
    return (await new Deno.Command("tor", { args: ["--version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

async function legion(home: string, args: string[], stdin?: string): Promise<string> {
  console.error(`$ legion ${args.join(" ")}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", main, "--home", home, ...args],
    env,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  Deno.stdout.writeSync(out.stdout);
  if (out.code !== 0) throw new Error(`legion ${args[0]} exited ${out.code}`);
  return text;
}

const work = await Deno.makeTempDir({ prefix: "legion-demo-" });
const alice = join(work, "alice");
const bob = join(work, "bob");
say("starting a private Tor network on 127.0.0.1 (3 authorities, 2 relays)");
const network = await startTorNetwork();
console.error(`full consensus after ${network.consensusSeconds.toFixed(1)} s`);
const torrc = join(work, "private-net.torrc");
await Deno.writeTextFile(torrc, network.torrcLines);
let bobNode: NodeProcess | undefined;
try {
  say("Alice and Bob create identities");
  await legion(alice, ["init", "--phrase-out", join(work, "alice.phrase")]);
  await legion(bob, ["init", "--phrase-out", join(work, "bob.phrase")]);

  say("they swap signed contact cards (out of band: here, a pipe)");
  await legion(
    alice,
    ["card", "import", "-", "--name", "bob"],
    await legion(bob, ["card", "export"]),
  );
  await legion(
    bob,
    ["card", "import", "-", "--name", "alice"],
    await legion(alice, ["card", "export"]),
  );

  say("Bob's node comes up: its own tor, its onion service");
  console.error(`$ legion --json listen --torrc-extra ${torrc}`);
  bobNode = await startNode(bob, torrc, env);
  console.log(JSON.stringify(bobNode.events[0]));

  say("Alice sends, end-to-end encrypted, and waits for Bob's durable ack");
  // The text goes in on stdin: an argument would show in the process list and shell history.
  await legion(
    alice,
    ["send", "bob", "-", "--wait", "120", "--torrc-extra", torrc],
    "Hi Bob! This went through Tor onion services.\n",
  );

  say("Bob's node received it");
  console.log(JSON.stringify(await bobNode.waitFor((event) => event.type === "message")));
  say("Bob's inbox (through his node's agent socket: no passphrase needed)");
  await legion(bob, ["inbox"]);
} finally {
  say("tearing down");
  await bobNode?.stop();
  await network.stop();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
