/**
 * The cost of unlocking (Argon2id MODERATE, paid once per command without a running node) beside
 * the cost of what it protects (sealing a 1 KiB value), and CLI start-up.
 * Run: deno task bench
 */
import { join } from "node:path";
import { openDatabase } from "../src/store/db.ts";
import { createVault, unlockVault } from "../src/store/vault.ts";
import { sodium } from "../src/crypto/sodium.ts";
import { Sealer } from "../src/store/sealer.ts";

const na = await sodium();
const dir = await Deno.makeTempDir({ prefix: "legion-bench-" });
const db = openDatabase(join(dir, "bench.db"), { create: true });
const secrets = { passphrase: "bench passphrase", keyFile: na.randombytes_buf(32) };
await createVault(db, secrets);
const sealer = new Sealer(na, na.randombytes_buf(32));
const kib = na.randombytes_buf(1024);
const BENCH_AT = { label: "bench", row: new Uint8Array(16) };
const sealed = sealer.seal(BENCH_AT, kib);

Deno.bench({
  name: "unlock vault (Argon2id MODERATE, 256 MiB, in a Worker)",
  group: "vault",
  n: 5,
  warmup: 1,
  async fn() {
    (await unlockVault(db, secrets)).wipe();
  },
});

Deno.bench({
  name: "seal 1 KiB",
  group: "seal",
  baseline: true,
  fn: () => void sealer.seal(BENCH_AT, kib),
});
Deno.bench({ name: "open 1 KiB", group: "seal", fn: () => void sealer.open(BENCH_AT, sealed) });

const main = join(import.meta.dirname!, "..", "main.ts");
Deno.bench({
  name: "deno run main.ts --help (process start-up)",
  group: "startup",
  n: 5,
  warmup: 1,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", main, "--help"],
      stdout: "null",
    }).output();
    if (out.code !== 0) throw new Error("--help failed");
  },
});

globalThis.addEventListener("unload", () => {
  db.close();
  Deno.removeSync(dir, { recursive: true });
});
