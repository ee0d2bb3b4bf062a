/** A real, unlocked store in a temp dir for unit tests, with a fast random vault key. */
import { join } from "node:path";
import { openDatabase } from "../../src/store/db.ts";
import { Sealer } from "../../src/store/sealer.ts";
import { sodium } from "../../src/crypto/sodium.ts";
import { storeHandle, type UnlockedStore } from "../../src/store/open_store.ts";

export async function testStore(): Promise<UnlockedStore & AsyncDisposable> {
  const home = await Deno.makeTempDir({ prefix: "legion-store-" });
  const db = openDatabase(join(home, "legion.db"), { create: true });
  const na = await sodium();
  const store = storeHandle(home, db, new Sealer(na, na.randombytes_buf(32)));
  return {
    ...store,
    async [Symbol.asyncDispose]() {
      store.close();
      await Deno.remove(home, { recursive: true });
    },
  };
}
