/**
 * `deno task test`: starts one private Tor network on 127.0.0.1 for the whole run, checks that a
 * client can bootstrap on it, runs the unit, integration and fuzz suites in parallel, then the Tor
 * suites (`*_tor_test.ts`) one after another — on two cores, several tors bootstrapping beside a full
 * parallel suite starve each other — and stops the network by PID whatever happened. Test files
 * attach to the network through LEGION_TEST_TOR_NETWORK. Arguments replace the default file list.
 * With LEGION_TEST_TOR_NETWORK already set, that network is used and left running.
 */
import { join } from "node:path";
import { startNodeTor, startTorNetwork, type TorNetwork } from "../tests/support/tor_network.ts";

const root = join(import.meta.dirname!, "..");
let network: TorNetwork | undefined;
const env: Record<string, string> = {};
if (!Deno.env.get("LEGION_TEST_TOR_NETWORK")) {
  console.error("legion: test: starting a private Tor network on 127.0.0.1");
  network = await startTorNetwork();
  console.error(`legion: test: full consensus after ${network.consensusSeconds.toFixed(1)} s`);
  const probeDir = await Deno.makeTempDir({ prefix: "legion-probe-" });
  const probe = await startNodeTor(network, join(probeDir, "tor"), { attempts: 3 });
  await probe.stop();
  await Deno.remove(probeDir, { recursive: true }).catch(() => {});
  console.error("legion: test: a client bootstrapped on it; running the suites");
  env.LEGION_TEST_TOR_NETWORK = network.dir;
}
const stop = async () => await network?.stop();
Deno.addSignalListener("SIGINT", () => void stop().then(() => Deno.exit(130)));
Deno.addSignalListener("SIGTERM", () => void stop().then(() => Deno.exit(143)));

async function denoTest(args: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", ...args],
    env,
    cwd: root,
  })
    .spawn();
  return (await child.status).code;
}

async function files(dir: string, tor: boolean): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(root, dir))) {
    if (entry.isDirectory) found.push(...await files(join(dir, entry.name), tor));
    else if (entry.name.endsWith("_test.ts") && entry.name.endsWith("_tor_test.ts") === tor) {
      found.push(join(dir, entry.name));
    }
  }
  return found.sort();
}

let code = 1;
try {
  if (Deno.args.length > 0) {
    code = await denoTest(["--parallel", ...Deno.args]);
  } else {
    const parallel = [
      ...await files("tests/unit", false),
      ...await files("tests/integration", false),
      ...await files("tests/fuzz", false),
    ];
    const tor = [...await files("tests/unit", true), ...await files("tests/integration", true)];
    const first = await denoTest(["--parallel", ...parallel]);
    const second = await denoTest(tor);
    code = first !== 0 ? first : second;
  }
} finally {
  await stop();
}
Deno.exit(code);
