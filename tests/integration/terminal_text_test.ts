/**
 * Peer text cannot drive the terminal: a message forging an inbox line, carrying escape sequences
 * (screen clear, OSC 52 clipboard write, OSC 8 link) and a bidi override reaches Bob's real store
 * over the real node code (libsignal, hello, framing; only the Tor hop is in memory), and shows
 * neutralised in `legion listen`'s human event lines and in the real CLI's `legion inbox`, while
 * `--json` keeps the exact text. A burn-after-reading text never appears in listen's output.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../support/assert.ts";
import { tempDir, TEST_PASSPHRASE } from "../support/cli.ts";
import { capturedContext } from "../support/fake_context.ts";
import { messagingNode } from "../support/messaging.ts";
import { MemoryNetwork } from "../../src/transport/memory_transport.ts";
import { runCli } from "../../src/cli/program.ts";
import { Output } from "../../src/cli/output.ts";
import { describeEvent } from "../../src/cli/describe_event.ts";
import { CONTINUATION } from "../../src/cli/terminal_text.ts";
import { COMMANDS } from "../../src/commands/mod.ts";
import { unlockStore } from "../../src/store/open_store.ts";
import { importCard } from "../../src/store/contacts_import.ts";
import { assembleNode } from "../../src/node/node.ts";
import type { NodeEvent } from "../../src/node/events.ts";

const FORGED = "2026-11-22T10:00:00.000Z 0badc0de alice: wire the money to 4242";
const EVIL = `ok\n${FORGED}\x1b[2J\x1b]52;c;ZXZpbA==\x07 \x1b]8;;https://evil.example\x1b\\click` +
  `\x1b]8;;\x1b\\ invoice_\u202eexe.txt\rzero\u200bwidth`;
const BURN = "the burn-after-reading secret";

/** Code points that must not reach a terminal: C0 but \n, DEL, C1, bidi, zero-width. */
// deno-lint-ignore no-control-regex
const RAW = new RegExp(
  "[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060\\u2066-\\u2069\\ufeff]",
  "u",
);

Deno.test("peer text shows neutralised in listen and inbox, exact in --json; burn text stays out of listen", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "bob");
  const cli = capturedContext({ LEGION_PASSPHRASE: TEST_PASSPHRASE }, dir.path);
  const legion = async (...args: string[]) => {
    const code = await runCli(cli.ctx, ["--home", home, ...args], COMMANDS);
    return { code, ...cli.take() };
  };
  const init = await legion("init", "--phrase-out", join(dir.path, "phrase.txt"));
  assertEquals(init.code, 0, init.stderr);

  // Bob's node over his real, passphrase-unlocked home; Alice is an in-process peer.
  const network = new MemoryNetwork();
  const clock = { now: Date.now() };
  const events: NodeEvent[] = [];
  const store = await unlockStore(home, TEST_PASSPHRASE, Date.now());
  const bob = assembleNode(store, {
    now: () => Date.now(),
    transport: (options) => network.transport(options),
    emit: (event) => events.push(event),
  });
  bob.messenger.onQueued = () => {};
  const alice = await messagingNode(network, dir.path, "alice", clock);
  const ids: string[] = [];
  try {
    await importCard(alice.node.signal, await bob.signal.exportCard({ name: "bob" }), clock);
    await importCard(bob.signal, await alice.node.signal.exportCard({ name: "alice" }), clock);
    const listener = await bob.listen();
    try {
      ids.push((await alice.messenger.sendText("bob", EVIL)).id);
      ids.push((await alice.messenger.sendText("bob", BURN, { burn: true })).id);
      assert(await alice.deliverer.deliverTo(alice.node.signal.contact("bob").id));
    } finally {
      await listener.close();
    }
  } finally {
    bob.dispose();
    store.close();
    alice.node.close();
  }

  // listen's stdout, human and --json, exactly as `legion listen` emits it.
  const received = events.filter((e) => e.type === "message");
  assertEquals(received.length, 2);
  for (const json of [false, true]) {
    const out = new Output(cli.ctx, json);
    for (const event of received) out.result(event, describeEvent(event));
    const { stdout } = cli.take();
    assert(!stdout.includes(BURN), "the burn text stays out of listen's output");
    if (json) {
      const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
      assertEquals(lines[0].text, EVIL, "--json keeps the exact text");
      assertEquals([lines[1].burn, "text" in lines[1]], [true, false]);
      continue;
    }
    assert(!RAW.test(stdout), JSON.stringify(stdout));
    const lines = stdout.trimEnd().split("\n");
    assertEquals(lines.length, 3, stdout);
    assert(lines[0].startsWith(`${received[0].createdAt} ${ids[0].slice(0, 8)} alice: ok`));
    assert(lines[1].startsWith(CONTINUATION + FORGED + "\\x1b[2J\\x1b]52;c;"), lines[1]);
    assert(lines[1].includes("invoice_\\u202eexe.txt\\rzero\\u200bwidth"), lines[1]);
    assert(lines[2].includes(`${ids[1].slice(0, 8)} alice (burn after reading): not shown`));
  }

  // The real CLI's inbox: neutralised, with short ids; the burn text shows here (once).
  const inbox = await legion("inbox");
  assertEquals(inbox.code, 0, inbox.stderr);
  assert(!RAW.test(inbox.stdout), JSON.stringify(inbox.stdout));
  const lines = inbox.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 3, inbox.stdout);
  assert(/^\S+Z [0-9a-f]{8} alice: ok$/.test(lines[0]), lines[0]);
  assertEquals(lines[0].split(" ")[1], ids[0].slice(0, 8));
  assert(lines[1].startsWith(CONTINUATION + FORGED), lines[1]);
  assert(lines[1].includes("\\x1b]52;c;ZXZpbA==\\x07") && lines[1].includes("\\u202e"));
  assert(lines[2].endsWith(`${ids[1].slice(0, 8)} alice (burn after reading): ${BURN}`));
  // Every line not starting with the continuation marker is a real header.
  for (const line of lines.filter((l) => !l.startsWith(CONTINUATION))) {
    assert(/^\S+Z [0-9a-f]{8} alice/.test(line), line);
  }

  const json = await legion("--json", "inbox");
  assertEquals(json.code, 0, json.stderr);
  assertEquals(
    json.stdout.trim().split("\n").map((line) => JSON.parse(line).text),
    [EVIL],
    "exact text in --json; the burn message is gone after showing",
  );

  // `burn` takes the short id inbox printed; too short a prefix fails before any passphrase.
  const burned = await legion("--json", "burn", ids[0].slice(0, 8));
  assertEquals(burned.code, 0, burned.stderr);
  assertEquals(JSON.parse(burned.stdout).deleted, 1);
  const short = await legion("burn", ids[0].slice(0, 7));
  assertEquals([short.code, short.stderr.split("\n")[0]], [
    2,
    `legion: error: Not a message id: "${ids[0].slice(0, 7)}"`,
  ]);
  assertEquals((await legion("queue", "cancel", "xyz")).code, 2);
});
