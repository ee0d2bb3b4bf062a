/**
 * Which tor control cookie files Legion will read. PROTOCOLINFO's COOKIEFILE is named by whoever
 * answers on the control port — possibly another local user squatting on it — so a file it names is
 * read only when it looks like tor's own: a regular file (never followed through a symlink) of
 * exactly 32 bytes, owned by root, the invoking user or tor's system account, and not writable by
 * group or others. A file the user names with `--tor-cookie` (or Legion names for the tor it starts)
 * skips the owner and mode rules but is still opened O_NOFOLLOW and must be a 32-byte regular file.
 */
import { constants, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import process from "node:process";
import { TorAuthError } from "./control_error.ts";

/** Length of tor's control cookie (control-spec §3.5: 32 random bytes). */
export const COOKIE_LENGTH = 32;

/** Accounts tor runs as on Debian (`debian-tor`), OpenBSD (`_tor`) and others (`tor`). */
export const TOR_ACCOUNTS: readonly string[] = ["debian-tor", "_tor", "tor"];

/** The uids of root, `selfUid` and every TOR_ACCOUNTS entry found in passwd(5) text. */
export function trustedUids(passwd: string, selfUid: number): Set<number> {
  const uids = new Set([0, selfUid]);
  for (const line of passwd.split("\n")) {
    const [name, , uid] = line.split(":");
    if (TOR_ACCOUNTS.includes(name) && /^\d+$/.test(uid ?? "")) uids.add(Number(uid));
  }
  return uids;
}

/** `trustedUids()` for this process, from /etc/passwd (root and us only when it is unreadable). */
export function localTrustedUids(): Set<number> {
  let passwd = "";
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch { /* no passwd: trust root and ourselves only */ }
  return trustedUids(passwd, process.getuid?.() ?? 0);
}

/** The parts of a stat result the rules look at. */
export interface CookieStat {
  isFile: boolean;
  size: number;
  uid: number;
  mode: number;
}

/**
 * Why `stat` disqualifies a cookie file, or `undefined` when it is acceptable. `explicit`: the
 * user named the file, so its owner and mode are the user's business.
 */
export function cookieFileProblem(
  stat: CookieStat,
  options: { explicit: boolean; trusted: ReadonlySet<number> },
): string | undefined {
  if (!stat.isFile) return "is not a regular file";
  if (stat.size !== COOKIE_LENGTH) return `is ${stat.size} bytes, not ${COOKIE_LENGTH}`;
  if (options.explicit) return undefined;
  if (!options.trusted.has(stat.uid)) return `is owned by uid ${stat.uid}, not root, you or tor`;
  if ((stat.mode & 0o022) !== 0) return "is writable by group or others";
  return undefined;
}

/**
 * Reads a cookie file under the rules above; the checks run on the opened descriptor, so the file
 * cannot be swapped between check and read.
 * @throws {TorAuthError} `cookie` when the file is missing, unreadable or disqualified
 */
export async function readCookieFile(
  path: string,
  options: { explicit: boolean; trusted: ReadonlySet<number> },
): Promise<Uint8Array> {
  const refuse = (why: string) =>
    new TorAuthError(
      "cookie",
      `Refusing Tor's control cookie ${path}: ${why}`,
      options.explicit
        ? "name tor's control_auth_cookie file with --tor-cookie"
        : "if this is your tor's cookie, name it with --tor-cookie FILE",
    );
  if (!options.explicit && !path.startsWith("/")) throw refuse("the path is not absolute");
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const file = await open(path, flags).catch((err: NodeJS.ErrnoException) => {
    throw refuse(err.code === "ELOOP" ? "it is a symbolic link" : `cannot open it (${err.code})`);
  });
  try {
    const stat = await file.stat();
    const problem = cookieFileProblem(
      { isFile: stat.isFile(), size: stat.size, uid: stat.uid, mode: stat.mode },
      options,
    );
    if (problem) throw refuse(problem);
    const cookie = new Uint8Array(COOKIE_LENGTH);
    const { bytesRead } = await file.read(cookie, 0, COOKIE_LENGTH, 0);
    if (bytesRead !== COOKIE_LENGTH) throw refuse("it was cut short while reading");
    return cookie;
  } finally {
    await file.close();
  }
}
