/** A real `legion --json listen` process whose stdout events a test can wait for. */
import { spawnLegion } from "./cli.ts";

export interface NodeProcess {
  pid: number;
  events: Array<Record<string, unknown>>;
  /** Resolves with the first event (already seen or future) matching `predicate`. */
  waitFor(
    predicate: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends a signal and waits for the exit; returns the exit code and stderr. */
  stop(signal?: Deno.Signal): Promise<{ code: number; stderr: string }>;
}

/**
 * Starts `legion listen` joined to the private network and waits for `ready`. A node tor that sits
 * at 95% on a loaded machine (see startNodeTor) makes listen exit 69; one retry with a clean tor
 * data dir clears it, and is logged.
 */
export async function startNode(
  home: string,
  torrcFile: string,
  env: Record<string, string> = {},
  attempts = 3,
): Promise<NodeProcess> {
  for (let attempt = 1;; attempt++) {
    try {
      return await spawnNode(home, torrcFile, env);
    } catch (err) {
      if (attempt >= attempts) throw err;
      console.error(`node_process: listen in ${home} failed (${(err as Error).message}); retrying`);
      await Deno.remove(`${home}/tor`, { recursive: true }).catch(() => {});
    }
  }
}

async function spawnNode(
  home: string,
  torrcFile: string,
  env: Record<string, string>,
): Promise<NodeProcess> {
  const child = spawnLegion(
    ["--home", home, "--json", "listen", "--torrc-extra", torrcFile, "--tor-timeout", "60"],
    { env },
  );
  const stderr = new Response(child.stderr).text();
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let ended = false;
  (async () => {
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
      for (const wake of waiters) wake();
    }
  })().catch(() => {}).finally(() => {
    ended = true;
    for (const wake of waiters) wake();
  });

  const node: NodeProcess = {
    pid: child.pid,
    events,
    async waitFor(predicate, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (ended) throw new Error(`the node exited before the event: ${await stderr}`);
        if (Date.now() > deadline) {
          throw new Error(`timed out; events: ${JSON.stringify(events.slice(-5))}`);
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          setTimeout(wake, 200);
        });
      }
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      return { code: status.code, stderr: await stderr };
    },
  };
  try {
    await node.waitFor((e) => e.type === "ready", 90_000);
  } catch (err) {
    await node.stop("SIGKILL");
    throw err;
  }
  return node;
}
