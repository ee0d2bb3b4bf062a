/**
 * Security finding 2: with --tor-control, another local user who binds the control port first
 * (tor restarting, not yet up) must learn nothing — no cookie file contents, no password, and above
 * all no ADD_ONION with the identity key. The squatter (tests/support/tor_control_squatter.ts) runs
 * as the system user `legion-squatter`, created here with `useradd --system --no-create-home` when
 * absent and deliberately left in place (a locked system account with no home and no login shell
 * use; `userdel legion-squatter` removes it). Needs root (to create the user and switch to it with
 * setpriv); skipped otherwise.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { initIdentity, MAIN, TEST_PASSPHRASE } from "../support/cli.ts";

const SQUATTER = "legion-squatter";
const SECRET = "LEGION-VICTIM-SECRET-0123456789!"; // 32 bytes: a plausible cookie
const SECRET_HEX = Buffer.from(SECRET).toString("hex");
const PASSWORD = "victim-control-password";
const isRoot = Deno.uid() === 0;

async function ensureSquatter(): Promise<void> {
  const known = await new Deno.Command("id", { args: ["-u", SQUATTER], stdout: "null" }).output();
  if (known.success) return;
  const made = await new Deno.Command("useradd", {
    args: ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SQUATTER],
  }).output();
  assert.ok(made.success, new TextDecoder().decode(made.stderr));
}

/**
 * `legion listen` against the squatter; killed after 60 s (a Legion that trusted the squatter
 * would publish the onion and keep listening).
 */
async function listenAgainst(home: string, env: Record<string, string>) {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, "--home", home, "listen"],
    env: { LEGION_PASSPHRASE: TEST_PASSPHRASE, NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

/** Starts the squatter as SQUATTER; resolves once it listens, with what it records. */
async function startSquatter(work: string, mode: string, victim: string) {
  const dir = await Deno.makeTempDir({ dir: work, prefix: `${mode}-` });
  await new Deno.Command("chown", { args: [`${SQUATTER}:`, dir] }).output();
  const child = new Deno.Command("setpriv", {
    args: [
      `--reuid=${SQUATTER}`,
      `--regid=${SQUATTER}`,
      "--clear-groups",
      "--",
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-config",
      "--no-lock",
      "--allow-net",
      `--allow-write=${dir}`,
      join(work, "squatter.ts"),
      mode,
      victim,
      dir,
    ],
    env: { HOME: dir, DENO_DIR: join(dir, "deno"), NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const received: string[] = [];
  let port = 0;
  let rest = "";
  const reading = (async () => {
    while (true) {
      const { value, done } = await lines.read();
      if (done) return;
      rest += value;
      let end;
      while ((end = rest.indexOf("\n")) !== -1) {
        const line = rest.slice(0, end);
        rest = rest.slice(end + 1);
        if (line.startsWith("PORT ")) port = Number(line.slice(5));
        if (line.startsWith("RECV ")) received.push(JSON.parse(line.slice(5)));
      }
    }
  })();
  const deadline = Date.now() + 30_000;
  while (port === 0) {
    if (Date.now() > deadline) throw new Error(`squatter did not start: ${await stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    received,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await reading;
      await stderr;
    },
  };
}

Deno.test({
  name: "legion listen refuses a control port squatted by another user, and leaks nothing to it",
  ignore: !isRoot,
  async fn(t) {
    await ensureSquatter();
    const work = await Deno.makeTempDir({ prefix: "legion-squat-" });
    await Deno.chmod(work, 0o755);
    try {
      await Deno.copyFile(
        new URL("../support/tor_control_squatter.ts", import.meta.url),
        join(work, "squatter.ts"),
      );
      await Deno.chmod(join(work, "squatter.ts"), 0o644);
      // The victim's secret: a root-owned, private, 32-byte file, as a cookie would be.
      const victim = join(work, "victim_secret");
      await Deno.writeTextFile(victim, SECRET, { mode: 0o600 });
      const home = join(work, "home");
      await initIdentity(home, join(work, "phrase.txt"));

      const cases: Array<[string, RegExp, Record<string, string>]> = [
        ["null", /offers NULL authentication/, {}],
        ["cookie", /offers COOKIE authentication/, {}],
        ["safecookie-victim", /failed the SAFECOOKIE challenge/, {}],
        ["safecookie-own", /Refusing Tor's control cookie .*owned by uid/, {}],
        ["password", /Refusing to send the control password/, {
          LEGION_TOR_CONTROL_PASSWORD: PASSWORD,
        }],
      ];
      for (const [mode, expected, env] of cases) {
        await t.step(mode, async () => {
          const squatter = await startSquatter(work, mode, victim);
          try {
            const result = await listenAgainst(home, {
              LEGION_TOR_CONTROL: `127.0.0.1:${squatter.port}`,
              ...env,
            });
            assert.equal(result.code, 69, result.stderr);
            assert.match(result.stderr, expected);
            assert.match(result.stderr, /^legion: hint: /m);
            const all = squatter.received.join("\n");
            assert.ok(squatter.received.length > 0, "the squatter was asked PROTOCOLINFO");
            assert.ok(!/^ADD_ONION/m.test(all), `ADD_ONION reached the squatter: ${all}`);
            assert.ok(!/^AUTHENTICATE/m.test(all), `AUTHENTICATE reached the squatter: ${all}`);
            assert.ok(!all.toLowerCase().includes(SECRET_HEX), "the victim's file leaked (hex)");
            assert.ok(!all.includes(SECRET), "the victim's file leaked");
            assert.ok(!all.includes(PASSWORD), "the password leaked");
          } finally {
            await squatter.stop();
          }
        });
      }
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
