/**
 * Authenticating to a tor control port without trusting whoever answers on it. Another local user
 * can bind the port first (tor restarting, not yet up); the identity key Legion later sends in
 * ADD_ONION must not reach it. So:
 *
 * - NULL and plain COOKIE are refused: NULL authenticates nobody, and COOKIE sends the cookie
 *   itself — from a file the answering process names — to that process.
 * - SAFECOOKIE (control-spec §3.24) makes the port prove it knows the cookie before Legion proves
 *   it does; the cookie file must pass cookie_file.ts's rules, or be named by the user, so a
 *   squatter cannot name a cookie of its own.
 * - A password (HashedControlPassword) is sent only when the port offers HASHEDPASSWORD and its
 *   listener belongs to root, the invoking user or tor (control_owner.ts).
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type ControlReply, parseKeyValues, quote } from "./control_reply.ts";
import { TorAuthError, TorControlError } from "./control_error.ts";
import { readCookieFile } from "./cookie_file.ts";

/** The one thing authentication needs from a control connection. */
export interface ControlChannel {
  command(line: string): Promise<ControlReply>;
}

export interface ProtocolInfo {
  authMethods: string[];
  cookieFile?: string;
  torVersion?: string;
}

export interface ControlAuthOptions {
  /** Sent with HASHEDPASSWORD. */
  password?: string;
  /** A cookie file named by the user (or by Legion for its own tor): owner and mode not checked. */
  cookieFile?: string;
  /** Uids trusted to own a cookie file PROTOCOLINFO names, and a listener a password goes to. */
  trusted: ReadonlySet<number>;
  /** Uids owning the control port's listener; `undefined` when unknowable. Checked before a password. */
  listenerOwners?: readonly number[];
}

/** Parses a PROTOCOLINFO reply (control-spec §3.21). */
export function parseProtocolInfo(reply: ControlReply): ProtocolInfo {
  const info: ProtocolInfo = { authMethods: [] };
  for (const line of reply.lines) {
    if (line.text.startsWith("AUTH ")) {
      const fields = parseKeyValues(line.text.slice(5));
      info.authMethods = (fields.METHODS ?? "").split(",").filter(Boolean);
      if (fields.COOKIEFILE) info.cookieFile = fields.COOKIEFILE;
    } else if (line.text.startsWith("VERSION ")) {
      info.torVersion = parseKeyValues(line.text.slice(8)).Tor;
    }
  }
  return info;
}

/**
 * PROTOCOLINFO, then AUTHENTICATE by password or SAFECOOKIE under the rules above.
 * @throws {TorAuthError} `method`, `cookie`, `challenge`, `owner` or `rejected`
 */
export async function authenticateControl(
  control: ControlChannel,
  options: ControlAuthOptions,
): Promise<ProtocolInfo> {
  const info = parseProtocolInfo(await control.command("PROTOCOLINFO 1"));
  const methods = info.authMethods;
  let argument: string;
  if (options.password !== undefined && methods.includes("HASHEDPASSWORD")) {
    const owners = options.listenerOwners;
    const stranger = owners?.find((uid) => !options.trusted.has(uid));
    if (owners && (owners.length === 0 || stranger !== undefined)) {
      throw new TorAuthError(
        "owner",
        `Refusing to send the control password: the port belongs to uid ${stranger ?? "unknown"}`,
        "is another user squatting on the port while tor restarts? use unix:/run/tor/control",
      );
    }
    argument = quote(options.password);
  } else if (methods.includes("SAFECOOKIE")) {
    argument = await safeCookie(control, info, options);
  } else {
    throw new TorAuthError(
      "method",
      `Refusing Tor's control port: it offers ${methods.join(", ") || "no"} authentication`,
      methods.includes("HASHEDPASSWORD")
        ? "set LEGION_TOR_CONTROL_PASSWORD for its HashedControlPassword"
        : "Legion needs SAFECOOKIE (CookieAuthentication 1) or a password (LEGION_TOR_CONTROL_PASSWORD)",
    );
  }
  try {
    await control.command("AUTHENTICATE " + argument);
  } catch (err) {
    if (!(err instanceof TorControlError)) throw err;
    throw new TorAuthError("rejected", `Tor rejected authentication: ${err.replyText}`, undefined, {
      cause: err,
    });
  }
  return info;
}

const SERVER_KEY = "Tor safe cookie authentication server-to-controller hash";
const CLIENT_KEY = "Tor safe cookie authentication controller-to-server hash";
const NONCE_LENGTH = 32;

/**
 * SAFECOOKIE (control-spec §3.24): proves the port knows the cookie before we prove we do.
 *   ServerHash = HMAC-SHA256(SERVER_KEY, cookie || client_nonce || server_nonce); ClientHash
 *   likewise with CLIENT_KEY. Returns the hex ClientHash for AUTHENTICATE.
 */
async function safeCookie(
  control: ControlChannel,
  info: ProtocolInfo,
  options: ControlAuthOptions,
): Promise<string> {
  const explicit = options.cookieFile !== undefined;
  const path = options.cookieFile ?? info.cookieFile;
  if (path === undefined) {
    throw new TorAuthError(
      "cookie",
      "Tor's control port names no cookie file",
      "name it with --tor-cookie FILE",
    );
  }
  const cookie = await readCookieFile(path, { explicit, trusted: options.trusted });
  const clientNonce = randomBytes(NONCE_LENGTH);
  let message: Buffer | undefined;
  try {
    const reply = await control.command(`AUTHCHALLENGE SAFECOOKIE ${clientNonce.toString("hex")}`)
      .catch((err) => {
        if (!(err instanceof TorControlError)) throw err;
        throw challengeFailure(`it refused AUTHCHALLENGE (${err.status})`);
      });
    const fields = parseKeyValues(reply.lines[0].text.replace(/^AUTHCHALLENGE\s*/, ""));
    const serverHash = hexField(fields.SERVERHASH, 32);
    const serverNonce = hexField(fields.SERVERNONCE, NONCE_LENGTH);
    if (!serverHash || !serverNonce) throw challengeFailure("its AUTHCHALLENGE reply is malformed");
    message = Buffer.concat([cookie, clientNonce, serverNonce]);
    const expected = createHmac("sha256", SERVER_KEY).update(message).digest();
    if (!timingSafeEqual(serverHash, expected)) {
      throw challengeFailure("it does not know the cookie");
    }
    return createHmac("sha256", CLIENT_KEY).update(message).digest("hex");
  } finally {
    cookie.fill(0);
    message?.fill(0);
  }
}

/** A hex field of exactly `length` bytes, else `undefined`. */
function hexField(value: string | undefined, length: number): Buffer | undefined {
  if (value === undefined || !new RegExp(`^[0-9a-fA-F]{${length * 2}}$`).test(value)) {
    return undefined;
  }
  return Buffer.from(value, "hex");
}

function challengeFailure(why: string): TorAuthError {
  return new TorAuthError(
    "challenge",
    `The control port failed the SAFECOOKIE challenge: ${why}`,
    "another process may be answering on tor's control port; use unix:/run/tor/control",
  );
}
