/**
 * One node per data dir, atomically: two `legion listen` started at the same moment leave exactly
 * one node, with its PID file intact; the other exits 78 at once without touching the winner's
 * files. Tor stays out of it: both attach (`--tor-control`) to a silent port in this process, so
 * the winner waits there, holding the lock, until the test stops it. (On the code before the lock
 * both passed the "already running" check and neither exited.)
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { join } from "node:path";
import { initIdentity, runLegion, spawnLegion, tempDir } from "../support/cli.ts";

function spawnListen(home: string, control: number) {
  const child = spawnLegion(["--home", home, "listen", "--tor-control", `127.0.0.1:${control}`], {
    stdout: "null",
  });
  const stderr = new Response(child.stderr).text();
  return { child, done: child.status.then(async (s) => ({ code: s.code, stderr: await stderr })) };
}

async function readPid(home: string): Promise<number | undefined> {
  try {
    return Number((await Deno.readTextFile(join(home, "node.pid"))).split(" ")[0]);
  } catch {
    return undefined;
  }
}

Deno.test({
  name:
    "two listen started at once: exactly one node survives with its PID file; the other exits 78",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir("legion-lock-it-");
    const home = join(dir.path, "home");
    await initIdentity(home, join(dir.path, "phrase"));
    // A control port that accepts and never answers: the winner waits there.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of silent) held.push(conn);
    })();
    const port = (silent.addr as Deno.NetAddr).port;
    try {
      for (let round = 1; round <= 5; round++) {
        const [a, b] = [spawnListen(home, port), spawnListen(home, port)];
        const first = await Promise.race([
          a.done.then((r) => ({ ...r, loser: a, winner: b })),
          b.done.then((r) => ({ ...r, loser: b, winner: a })),
        ]);
        assertEquals(first.code, 78, `round ${round}: ${first.stderr}`);
        assertMatch(first.stderr, /^legion: error: A node is already running for this data dir\n/);
        // The winner names itself in the lock file as soon as it holds the lock.
        const { winner } = first;
        const lockText = await Deno.readTextFile(join(home, "node.lock"));
        assertEquals(Number(lockText.split(" ")[0]), winner.child.pid, `round ${round}`);
        if (round === 5) {
          // It then unlocks the store (slow on a loaded machine), writes its PID file and waits on
          // tor; init --force respects it.
          let pid: number | undefined;
          for (let i = 0; i < 1200 && pid !== winner.child.pid; i++) {
            await new Promise((r) => setTimeout(r, 100));
            pid = await readPid(home);
          }
          assertEquals(pid, winner.child.pid, "the winner's PID file");
          const force = await runLegion([
            "--home",
            home,
            "init",
            "--force",
            "--phrase-out",
            join(dir.path, "phrase2"),
          ]);
          assertEquals(force.code, 78, force.stderr);
          assertMatch(force.stderr, new RegExp(`process ${winner.child.pid}\\)`));
          assertEquals(await readPid(home), winner.child.pid, "still intact");
        }
        const started = performance.now();
        winner.child.kill("SIGTERM");
        const end = await winner.done;
        assert(performance.now() - started < 5_000, `stopped in ${performance.now() - started} ms`);
        assert([0, 143].includes(end.code), `${end.code}: ${end.stderr}`);
      }
    } finally {
      silent.close();
      await accepting.catch(() => {});
      for (const conn of held) conn.close();
    }
  },
});
