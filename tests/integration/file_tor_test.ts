/**
 * A file over the private Tor network between real CLI nodes: `legion send --file` seals it into
 * A's store, A's node sends its chunks, B's node is killed (SIGKILL) mid-transfer and restarted,
 * and the transfer resumes from B's durable high-water mark — re-sending under 10 % of the file —
 * and completes; `legion save` at B gives back the same SHA-256. Then an image (a JPEG with GPS,
 * EXIF, XMP and an orientation) goes the same way with `send --image` and arrives with none of
 * it, upright.
 *
 * Size: LEGION_FILE_TOR_MIB (default 100, the acceptance size; 16 for a quick run). The
 * re-send bound needs at least ~40 MiB: up to FRAME_WINDOW × 15 chunks (3.75 MiB) may be in flight at the kill;
 * a smaller run checks that no more than that window is re-sent.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { join } from "node:path";
import { initIdentity, runLegion } from "../support/cli.ts";
import { sharedTorNetwork, stopSharedTorNetwork } from "../support/tor_network.ts";
import { type NodeProcess, startNode } from "../support/node_process.ts";
import sharp from "sharp";
import { FRAME_WINDOW } from "../../src/node/outbound.ts";
import { MAX_CHUNKS_PER_FRAME } from "../../src/protocol/delivery.ts";
import {
  exiftool,
  FIXTURE_HEIGHT,
  FIXTURE_WIDTH,
  hasExiftool,
  leakyJpeg,
} from "../support/image_fixture.ts";

const MIB = Number(Deno.env.get("LEGION_FILE_TOR_MIB") ?? "100");

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function fileSha256(path: string): Promise<string> {
  const out = await new Deno.Command("sha256sum", { args: [path] }).output();
  return new TextDecoder().decode(out.stdout).split(" ")[0];
}

Deno.test({
  name:
    `a ${MIB} MiB file crosses Tor, survives kill -9 of the receiver and resumes (<10 % re-sent)`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "legion-file-it-" });
    const network = await sharedTorNetwork();
    const torrc = join(work, "torrc-extra");
    await Deno.writeTextFile(torrc, network.torrcLines);
    const [alice, bob] = [join(work, "alice"), join(work, "bob")];
    const running = new Set<NodeProcess>();
    const start = async (home: string) => {
      const node = await startNode(home, torrc);
      running.add(node);
      return node;
    };
    try {
      await Promise.all([alice, bob].map((home) => initIdentity(home, `${home}.phrase`)));
      for (const [from, to, name] of [[bob, alice, "bob"], [alice, bob, "alice"]]) {
        const card = await runLegion(["--home", from, "card", "export"]);
        const imported = await runLegion(["--home", to, "card", "import", "-", "--name", name], {
          stdin: card.stdout,
        });
        assertEquals(imported.code, 0, imported.stderr);
      }
      const source = join(work, "big.bin");
      const dd = await new Deno.Command("head", {
        args: ["-c", String(MIB * 1024 * 1024), "/dev/urandom"],
        stdout: "piped",
      }).output();
      await Deno.writeFile(source, dd.stdout);
      const expected = await fileSha256(source);

      const t0 = performance.now();
      const sent = await runLegion(["--home", alice, "--json", "send", "bob", "--file", source]);
      assertEquals(sent.code, 0, sent.stderr);
      const queued = JSON.parse(sent.stdout.trim().split("\n").at(-1)!);
      assertEquals(queued.sha256, expected);
      const sealSeconds = (performance.now() - t0) / 1000;

      let bobNode = await start(bob);
      const bobRuns = [bobNode];
      const aliceNode = await start(alice);
      const t1 = performance.now();
      const total = Math.ceil((MIB * 1024 * 1024) / 65536);
      const bobHas = () =>
        Math.max(
          0,
          ...bobRuns.flatMap((run) =>
            run.events.filter((e) => e.type === "progress" && e.id === queued.id)
              .map((e) => Number(e.chunks))
          ),
        );
      // After B's restart A's backoff can reach a minute or more; like cron would, ask A's node
      // (through its agent) to deliver now, every few seconds.
      let kicking = true;
      const kicker = (async () => {
        while (kicking) {
          await new Promise((resolve) => setTimeout(resolve, 5_000));
          await runLegion(["--home", alice, "queue", "run", "--timeout", "30s"], {
            passphrase: null,
          });
        }
      })();
      // Steady-state throughput: from B's first progress report to the kill (no restart in it).
      await waitUntil("the first chunks at B", () => bobHas() > 0, 600_000);
      const [firstAt, firstHave] = [performance.now(), bobHas()];
      await waitUntil("a third of the file at B", () => bobHas() >= total / 3, 600_000);
      const steady = ((bobHas() - firstHave) / 16) / ((performance.now() - firstAt) / 1000);
      running.delete(bobNode);
      await bobNode.stop("SIGKILL");
      const killedAt = bobHas();
      bobNode = await start(bob);
      bobRuns.push(bobNode);
      await waitUntil(
        "the file at B",
        () =>
          bobRuns.some((run) => run.events.some((e) => e.type === "file" && e.id === queued.id)),
        900_000,
      );
      const transferSeconds = (performance.now() - t1) / 1000;
      kicking = false;
      await kicker;
      const file = bobRuns.flatMap((run) => run.events).find((e) => e.type === "file")!;
      assertEquals(file.state, "complete");
      await waitUntil(
        "A's delivered event",
        () => aliceNode.events.some((e) => e.type === "delivered" && e.id === queued.id),
        120_000,
      );
      const sentChunks = Math.max(
        ...aliceNode.events.filter((e) => e.type === "progress" && e.id === queued.id)
          .map((e) => Number(e.sent ?? 0)),
      );
      const resent = sentChunks - total;
      console.error(
        `file over tor: ${MIB} MiB sealed in ${sealSeconds.toFixed(1)} s, sent in ` +
          `${transferSeconds.toFixed(1)} s (${(MIB / transferSeconds).toFixed(2)} MiB/s incl. ` +
          `kill+restart; ${
            steady.toFixed(2)
          } MiB/s steady before it); B killed at ${killedAt}/${total} chunks; ${resent} chunks re-sent ` +
          `(${((resent * 100) / total).toFixed(1)} %)`,
      );
      assert(killedAt < total, "the kill landed mid-transfer");
      // At most what was in flight at the kill: under 10 % from ~40 MiB on (the acceptance run).
      const bound = Math.max(total / 10, FRAME_WINDOW * MAX_CHUNKS_PER_FRAME);
      assert(resent >= 0 && resent <= bound, `re-sent ${resent} of ${total} chunks`);
      if (MIB >= 40) assert(resent < total / 10, `re-sent ${resent} of ${total} chunks`);

      const out = join(work, "out");
      await Deno.mkdir(out);
      const saved = await runLegion(
        ["--home", bob, "--json", "save", queued.id.slice(0, 8), out, "--quiet"],
        { passphrase: null },
      );
      assertEquals(saved.code, 0, saved.stderr);
      const path = JSON.parse(saved.stdout.trim().split("\n").at(-1)!).path;
      assertEquals(await fileSha256(path), expected);

      // An image rides the same path: sanitised by A's CLI, sanitised again by B's node.
      const photo = join(work, "photo.jpg");
      await Deno.writeFile(photo, (await leakyJpeg()).bytes);
      const image = await runLegion(
        ["--home", alice, "--json", "send", "bob", "--image", photo],
        { passphrase: null },
      );
      assertEquals(image.code, 0, image.stderr);
      const imageId = JSON.parse(image.stdout.trim().split("\n").at(-1)!).id as string;
      await runLegion(["--home", alice, "queue", "run", "--timeout", "60s"], { passphrase: null });
      await waitUntil(
        "the image at B",
        () => bobNode.events.some((e) => e.type === "file" && e.id === imageId),
        300_000,
      );
      const arrived = bobNode.events.find((e) => e.type === "file" && e.id === imageId)!;
      assertEquals(arrived.state, "complete");
      const savedImage = await runLegion(
        ["--home", bob, "--json", "save", imageId.slice(0, 8), out],
        { passphrase: null },
      );
      assertEquals(savedImage.code, 0, savedImage.stderr);
      const imagePath = JSON.parse(savedImage.stdout.trim().split("\n").at(-1)!).path as string;
      assertEquals(imagePath.endsWith("/photo.jpg"), true, imagePath);
      const meta = await sharp(await Deno.readFile(imagePath)).metadata();
      assertEquals([meta.format, meta.width, meta.height], ["jpeg", FIXTURE_HEIGHT, FIXTURE_WIDTH]);
      assertEquals([meta.exif, meta.xmp, meta.icc, meta.iptc], [
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      if (await hasExiftool()) {
        const tags = await exiftool(await Deno.readFile(imagePath));
        assert(!/\[(GPS|IFD0|IFD1|XMP|ICC|IPTC)/.test(tags), tags);
      }
    } finally {
      for (const node of running) await node.stop("SIGKILL");
      await stopSharedTorNetwork();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
