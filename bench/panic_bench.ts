/**
 * Panic time for a data dir holding 100,000 message-sized rows (target ≤ 1 s), measured on the wipe
 * itself (src/store/wipe.ts) with a freshly filled home per iteration.
 */
import { join } from "node:path";
import { openDatabase } from "../src/store/db.ts";
import { wipeDataDir } from "../src/store/wipe.ts";
import { plantRows } from "../tests/support/fill_home.ts";

async function filledHome(rows: number): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "legion-panic-bench-" });
  openDatabase(join(home, "legion.db"), { create: true }).close();
  await plantRows(home, rows, 100);
  return home;
}

for (const rows of [10_000, 100_000]) {
  Deno.bench({
    name: `panic wipe, ${rows.toLocaleString("en")} rows`,
    group: "panic",
    n: 5,
    warmup: 0,
    async fn(b) {
      const home = await filledHome(rows);
      b.start();
      const report = wipeDataDir(home);
      b.end();
      if (report.failures.length > 0) throw new Error(report.failures.join("; "));
    },
  });
}
