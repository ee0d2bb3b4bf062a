/** Which control cookie files Legion reads: owner, mode, size, symlinks, and explicit naming. */
import assert from "node:assert/strict";
import {
  cookieFileProblem,
  type CookieStat,
  readCookieFile,
  trustedUids,
} from "../../../src/transport/cookie_file.ts";
import { TorAuthError } from "../../../src/transport/control_error.ts";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "alice:x:1000:1000::/home/alice:/bin/bash",
  "debian-tor:x:102:105::/var/lib/tor:/bin/false",
  "_tor:x:577:577::/var/empty:/sbin/nologin",
  "mallory:x:1001:1001::/home/mallory:/bin/bash",
  "",
].join("\n");
const trusted = trustedUids(PASSWD, 1000);
const good: CookieStat = { isFile: true, size: 32, uid: 102, mode: 0o100600 };

Deno.test("trustedUids() holds root, the invoking user and tor's accounts only", () => {
  assert.deepEqual([...trusted].sort((a, b) => a - b), [0, 102, 577, 1000]);
  assert.deepEqual([...trustedUids("", 1000)].sort((a, b) => a - b), [0, 1000]);
});

Deno.test("cookieFileProblem() accepts tor's, root's and our own 32-byte private cookies", () => {
  for (const uid of [0, 102, 577, 1000]) {
    assert.equal(cookieFileProblem({ ...good, uid }, { explicit: false, trusted }), undefined);
  }
  const groupReadable = { ...good, mode: 0o100640 }; // CookieAuthFileGroupReadable 1
  assert.equal(cookieFileProblem(groupReadable, { explicit: false, trusted }), undefined);
});

Deno.test("cookieFileProblem() refuses another user's, writable, odd-sized or non-regular files", () => {
  const cases: Array<[Partial<CookieStat>, RegExp]> = [
    [{ uid: 1001 }, /owned by uid 1001/],
    [{ mode: 0o100620 }, /writable by group or others/],
    [{ mode: 0o100602 }, /writable by group or others/],
    [{ size: 31 }, /31 bytes/],
    [{ size: 33 }, /33 bytes/],
    [{ isFile: false }, /not a regular file/],
  ];
  for (const [change, expected] of cases) {
    const problem = cookieFileProblem({ ...good, ...change }, { explicit: false, trusted });
    assert.match(problem ?? "", expected, JSON.stringify(change));
  }
});

Deno.test("cookieFileProblem() lets a file the user named have any owner, but not any size", () => {
  const mallorys = { ...good, uid: 1001, mode: 0o100666 };
  assert.equal(cookieFileProblem(mallorys, { explicit: true, trusted }), undefined);
  assert.match(
    cookieFileProblem({ ...mallorys, size: 64 }, { explicit: true, trusted }) ?? "",
    /64/,
  );
  assert.match(
    cookieFileProblem({ ...mallorys, isFile: false }, { explicit: true, trusted }) ?? "",
    /regular/,
  );
});

async function refusal(path: string, explicit: boolean, uids = new Set([0, Deno.uid() ?? 0])) {
  const err = await readCookieFile(path, { explicit, trusted: uids }).catch((e) => e);
  assert.ok(err instanceof TorAuthError, String(err));
  assert.equal(err.reason, "cookie");
  assert.ok(err.hint);
  return err;
}

Deno.test("readCookieFile() reads a good cookie and refuses symlinks, FIFOs and relative paths", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cookie = new Uint8Array(32).fill(9);
    await Deno.writeFile(`${dir}/cookie`, cookie, { mode: 0o600 });
    await Deno.chmod(`${dir}/cookie`, 0o600);
    const trustedHere = new Set([0, Deno.uid() ?? 0]);
    assert.deepEqual(
      await readCookieFile(`${dir}/cookie`, { explicit: false, trusted: trustedHere }),
      cookie,
    );
    await Deno.symlink(`${dir}/cookie`, `${dir}/link`);
    assert.match((await refusal(`${dir}/link`, false)).message, /symbolic link/);
    assert.match((await refusal(`${dir}/link`, true)).message, /symbolic link/);
    await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output();
    assert.match((await refusal(`${dir}/fifo`, true)).message, /not a regular file/);
    assert.match((await refusal("cookie", false)).message, /not absolute/);
    assert.match((await refusal(`${dir}/missing`, false)).message, /ENOENT/);
    await Deno.chmod(`${dir}/cookie`, 0o666);
    assert.match((await refusal(`${dir}/cookie`, false)).message, /writable/);
    // A file only someone we do not trust owns.
    assert.match((await refusal(`${dir}/cookie`, false, new Set([4242]))).message, /owned by/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
