/**
 * A small tmpfs that tests can fill up (needs root: `mount -t tmpfs`). `fill()` writes a junk file
 * until the device is full; `free()` removes it.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface SmallDisk extends AsyncDisposable {
  path: string;
  fill(): void;
  free(): void;
}

export async function mountSmallDisk(sizeKiB: number): Promise<SmallDisk> {
  const path = await Deno.makeTempDir({ prefix: "legion-tmpfs-" });
  await run("mount", "-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0700`, "tmpfs", path);
  const junk = join(path, "junk");
  return {
    path,
    fill() {
      const fd = openSync(junk, "a");
      const chunk = new Uint8Array(4096);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as { code?: string }).code !== "ENOSPC") throw err;
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(junk, { force: true });
    },
    async [Symbol.asyncDispose]() {
      await run("umount", "-l", path).catch(() => {});
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Whether this process may mount (root on Linux). */
export function canMount(): boolean {
  return Deno.build.os === "linux" && Deno.uid() === 0;
}

export async function run(...command: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(command[0], {
    args: command.slice(1),
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`${command.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
}
