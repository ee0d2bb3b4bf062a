import { join } from "node:path";
import { assertEquals } from "../support/assert.ts";
import { initIdentity, runLegion, tempDir, TEST_PASSPHRASE } from "../support/cli.ts";
import { unlockStore } from "../../src/store/open_store.ts";
import { openHost } from "../../src/node/host.ts";
import { runService } from "../../src/node/services.ts";
import { startAgentServer } from "../../src/node/agent_server.ts";

Deno.test("whoami is answered by a running node, without the passphrase", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const { onion } = await initIdentity(home, join(dir.path, "phrase.txt"));
  const store = await unlockStore(home, TEST_PASSPHRASE, Date.now());
  const host = openHost(store, () => Date.now());
  const agent = await startAgentServer(
    home,
    (name, params) => runService(host, name, params as never),
  );
  try {
    const result = await runLegion(["--home", home, "--json", "whoami"], { passphrase: null });
    assertEquals(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout);
    assertEquals(record.type, "identity");
    assertEquals(record.onion, onion);
    assertEquals(Object.keys(record), ["type", "onion", "publicKey", "fingerprint", "createdAt"]);
  } finally {
    await agent.close();
    store.close();
  }
});
