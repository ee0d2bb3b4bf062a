/**
 * `deno task test`: starts one private Tor network on 127.0.0.1 for the whole run (test files run
 * in parallel and attach to it through LEGION_TEST_TOR_NETWORK), runs the unit and integration
 * suites, and stops the network by PID whatever happened. Extra arguments go to `deno test`.
 * With LEGION_TEST_TOR_NETWORK already set, that network is used and left running.
 */
import { startTorNetwork, type TorNetwork } from "../tests/support/tor_network.ts";

let network: TorNetwork | undefined;
const env: Record<string, string> = {};
if (!Deno.env.get("LEGION_TEST_TOR_NETWORK")) {
  console.error("legion: test: starting a private Tor network on 127.0.0.1");
  network = await startTorNetwork();
  console.error(`legion: test: full consensus after ${network.consensusSeconds.toFixed(1)} s`);
  env.LEGION_TEST_TOR_NETWORK = network.dir;
}
const stop = async () => await network?.stop();
Deno.addSignalListener("SIGINT", () => void stop().then(() => Deno.exit(130)));
Deno.addSignalListener("SIGTERM", () => void stop().then(() => Deno.exit(143)));

let code = 1;
try {
  const args = Deno.args.length > 0 ? Deno.args : ["tests/unit/", "tests/integration/"];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", "--parallel", ...args],
    env,
  }).spawn();
  code = (await child.status).code;
} finally {
  await stop();
}
Deno.exit(code);
