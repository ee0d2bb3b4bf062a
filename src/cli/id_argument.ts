/**
 * Message ids as typed on the command line (`burn`, `queue cancel`): the full 32 hex characters or
 * a prefix of at least 8, as `legion inbox` shows. Checked here so a typo fails at once (exit 2),
 * before any passphrase; which message a prefix names is the store's to say (store/id_prefix.ts).
 */
import { MIN_ID_PREFIX } from "../store/id_prefix.ts";
import { LegionError } from "../errors.ts";

const ID_OR_PREFIX = new RegExp(`^[0-9a-fA-F]{${MIN_ID_PREFIX},32}$`);

/** Returns `text` unchanged when it can be an id or id prefix; else a usage error. */
export function idArgument(text: string): string {
  if (!ID_OR_PREFIX.test(text)) {
    throw new LegionError("usage", `Not a message id: ${JSON.stringify(text)}`, {
      hint: `give the id or its first ${MIN_ID_PREFIX} (or more) hex characters, ` +
        "as printed by send and inbox",
    });
  }
  return text;
}
