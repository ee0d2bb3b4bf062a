import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import type { Context } from "../../../src/cli/context.ts";
import { PASSPHRASE_TRIES, readPassphrase, withPassphrase } from "../../../src/cli/passphrase.ts";
import { isLegionError, LegionError } from "../../../src/errors.ts";

/**
 * A context whose stdin and stderr claim to be a terminal. `type()` types the next of `typed`
 * (with Enter) shortly after, once a prompt is listening; the first is typed at once.
 */
function terminal(typed: string[]): { ctx: Context; stderr: () => string; type: () => void } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 80, rows: 24 });
  // Like process.stderr, it stays open when a prompt closes its readline interface.
  stderr.end = () => stderr;
  let written = "";
  stderr.on("data", (chunk) => written += String(chunk));
  let next = 0;
  const type = () => {
    if (next >= typed.length) return;
    const answer = typed[next++];
    setTimeout(() => stdin.write(answer + "\r"), 30);
  };
  type();
  const ctx: Context = {
    stdin,
    stdout: new PassThrough(),
    stderr,
    env: {},
    now: () => 0,
    cwd: "/",
    userHome: "/nonexistent",
  };
  return { ctx, stderr: () => written, type };
}

const rejected = () => new LegionError("passphrase_rejected", "Wrong passphrase");

Deno.test("withPassphrase() gives a terminal user three tries at a wrong passphrase", async () => {
  const { ctx, stderr, type } = terminal(["one", "two", "right"]);
  const seen: string[] = [];
  const result = await withPassphrase(ctx, {}, (p) => {
    seen.push(p);
    type();
    return p === "right" ? Promise.resolve("unlocked") : Promise.reject(rejected());
  });
  assert.equal(result, "unlocked");
  assert.deepEqual(seen, ["one", "two", "right"]);
  assert.match(stderr(), /wrong passphrase, try again \(2 tries left\)/);
  assert.match(stderr(), /wrong passphrase, try again \(1 try left\)/);
});

Deno.test("withPassphrase() stops after the third wrong passphrase at a terminal", async () => {
  const { ctx, type } = terminal(["a", "b", "c", "d"]);
  let calls = 0;
  await assert.rejects(
    withPassphrase(ctx, {}, () => {
      calls++;
      type();
      return Promise.reject(rejected());
    }),
    (e) => isLegionError(e, "passphrase_rejected"),
  );
  assert.equal(calls, PASSPHRASE_TRIES);
});

Deno.test("withPassphrase() gives a passphrase from the environment one try", async () => {
  const { ctx } = terminal([]);
  let calls = 0;
  await assert.rejects(
    withPassphrase({ ...ctx, env: { LEGION_PASSPHRASE: "wrong" } }, {}, () => {
      calls++;
      return Promise.reject(rejected());
    }),
    (e) => isLegionError(e, "passphrase_rejected"),
  );
  assert.equal(calls, 1);
});

Deno.test("readPassphrase() refuses a too-short new passphrase before asking to repeat it", async () => {
  const { ctx, stderr, type } = terminal(["short", "short"]);
  type(); // typed ahead: a second prompt would take it
  await assert.rejects(
    readPassphrase(ctx, {}, { confirm: true }),
    (e) => isLegionError(e, "usage") && /too short/.test((e as Error).message),
  );
  assert.doesNotMatch(stderr(), /Repeat passphrase/);
});
