/** Fills a data dir with planted data for forensic tests and benchmarks. */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface Planted {
  markers: string[];
}

/**
 * Adds `rows` rows of filler to a `planted` table of the home's database, `markerCount` of them
 * carrying unique plaintext markers — stored unsealed on purpose, the worst case for a wipe — plus
 * an attachment-like file holding a marker.
 */
export async function plantRows(home: string, rows: number, markerCount: number): Promise<Planted> {
  const db = new DatabaseSync(join(home, "legion.db"));
  const markers = Array.from({ length: markerCount }, () => `MARKER-${crypto.randomUUID()}`);
  try {
    db.exec("CREATE TABLE IF NOT EXISTS planted (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    const insert = db.prepare("INSERT INTO planted (body) VALUES (?)");
    const every = Math.max(1, Math.floor(rows / markerCount));
    db.exec("BEGIN");
    for (let i = 0; i < rows; i++) {
      const marker = i % every === 0 ? markers[i / every] : undefined;
      const filler = crypto.getRandomValues(new Uint8Array(160));
      insert.run(marker ? new TextEncoder().encode(`${marker} ${filler.join(",")}`) : filler);
    }
    db.exec("COMMIT");
  } finally {
    db.close();
  }
  // Inside `tor/`: panic wipes only names Legion writes at the top level of a home (and no
  // attachments directory exists yet), while everything below `tor/` is Legion's own.
  await Deno.mkdir(join(home, "tor"), { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(join(home, "tor", "a1.bin"), `${markers[0]} attachment`, {
    mode: 0o600,
  });
  return { markers };
}
