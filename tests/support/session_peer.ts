/**
 * A one-shot peer process for restart tests: opens a data file with a given vault key, does one
 * session operation, prints the result as hex and exits.
 *
 *   deno run -A session_peer.ts DB VAULT_KEY_HEX encrypt CONTACT_NAME TEXT      → ciphertext hex
 *   deno run -A session_peer.ts DB VAULT_KEY_HEX decrypt SENDER_ED25519_HEX CT_HEX → plaintext
 */
import { fromHex, toHex } from "../../src/crypto/hex.ts";
import { openNode } from "./signal.ts";

const [path, keyHex, op, who, data] = Deno.args;
const node = await openNode(path, fromHex(keyHex), { now: Date.now() });
try {
  if (op === "encrypt") {
    const ct = await node.signal.encrypt(node.signal.contact(who), new TextEncoder().encode(data));
    console.log(toHex(ct));
  } else if (op === "decrypt") {
    const { plaintext } = await node.signal.decrypt(fromHex(who), fromHex(data));
    console.log(new TextDecoder().decode(plaintext));
  } else {
    throw new Error(`unknown op ${op}`);
  }
} finally {
  node.close();
}
