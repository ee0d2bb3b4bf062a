/**
 * `legion card export | import`: exchange signed contact cards out of band.
 *
 *   legion card export | ssh host legion card import -
 *
 * Heavy modules (libsignal, qrcode) load inside the actions so `legion --help` stays fast.
 */
import { Command, Option } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { terminalLine as safe } from "../cli/terminal_text.ts";
import { armorCard, dearmorCard } from "../crypto/card_armor.ts";
import { decodeShortCard, isShortCard } from "../crypto/card_short.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import type { ContactSummary } from "../node/service_map.ts";
import type { ImportStatus } from "../store/contacts_import.ts";
import { readInputText } from "../cli/read_input.ts";
import { writeNewFile } from "../cli/new_file.ts";
import { durationOption } from "../cli/number_option.ts";
import { LegionError } from "../errors.ts";

/** Upper bound on what `card import` reads (a card is ≈2.8 KB; cards over 16 KiB are refused). */
const MAX_INPUT_BYTES = 64 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_VALIDITY_MS = 90 * DAY_MS;

interface ExportOptions {
  output?: string;
  armor?: boolean;
  force?: boolean;
  qr?: boolean;
  name?: string;
  /** Milliseconds. */
  expiresIn: number;
}

interface ImportOptions extends TorOptions {
  name?: string;
  replace?: boolean;
}

export function registerCard(program: Command, run: ActionRunner): void {
  const card = program.command("card").description("export or import signed contact cards");
  card.command("export")
    .description("print this identity's signed contact card (stdout, or -o FILE)")
    .option("-o, --output <file>", "write the card to a new FILE (mode 0600) instead of stdout")
    .option("--force", "with -o: replace an existing file")
    .addOption(
      new Option(
        "--armor",
        "armored text (BEGIN/END lines around base64) that survives mail wrapping and quoting",
      ),
    )
    .addOption(
      new Option(
        "--qr",
        "show a QR code of the card's short form on the terminal (key + hash; the importer " +
          "fetches the full card from this node)",
      ).conflicts("armor"),
    )
    .option("--name <hint>", "a name hint for the recipient's contact list (printable characters)")
    .addOption(
      new Option(
        "--expires-in <duration>",
        "validity, e.g. 30d, 2w, 36h (1d … 90d; a bare number is days)",
      ).default(30 * DAY_MS, "30d").argParser(
        durationOption({
          option: "--expires-in",
          bare: "d",
          minMs: DAY_MS,
          maxMs: MAX_VALIDITY_MS,
        }),
      ),
    )
    .addHelpText(
      "after",
      "\nThe card is JSON unless --armor is given (on stdout and with -o alike).\n" +
        "\nExamples:\n  legion card export --name alice -o alice.card\n" +
        "  legion card export --armor > card.txt     paste into a mail or chat\n" +
        "  legion card export | ssh host legion card import -\n" +
        "\n--qr shows the short form (LEGION:CARD:V2:…, a version 5 code): the importer fetches\n" +
        "the full card from this node's onion, so keep `legion listen` running until then.\n",
    )
    .action(run(exportCard));
  const importer = card.command("import")
    .description("verify a contact card and add (or refresh) the contact")
    .argument(
      "[file]",
      "card file (JSON, armored or short form), - for stdin (the default), or the short form",
    )
    .option("--name <name>", "local name for the contact (default: the card's name hint)")
    .option(
      "--replace",
      "accept a changed key for an existing contact (verify it first!); a different Ed25519 " +
        "key replaces the contact and deletes the old one's messages and queue",
    )
    .addHelpText(
      "after",
      "\nThe card may be JSON or armored (-----BEGIN LEGION CARD-----); quoting (> ), CR LF and\n" +
        "re-wrapping of an armored card are tolerated.\n" +
        "\nA card is refused (exit 65) when its signature, onion address, libsignal key binding,\n" +
        "prekey signatures, version or validity do not check out, when it is your own, when\n" +
        "another contact already has its libsignal key, or when it changes the keys of an\n" +
        "existing contact (unless --replace).\n" +
        "\nA short form (LEGION:CARD:V2:…, from a QR code) names the card by key and hash: the\n" +
        "full card is fetched from the contact's onion over tor (through the running node, or a\n" +
        "tor started for it) and must match both exactly (else exit 65, nothing imported); an\n" +
        "unreachable contact or tor is exit 69.\n",
    );
  addTorOptions(importer).action(run(importCardCommand));
}

async function exportCard(inv: Invocation, options: ExportOptions): Promise<void> {
  const text = await inv.service("card.export", {
    name: options.name,
    validityMs: options.expiresIn,
    shortForm: options.qr,
  });
  const bytes = new TextEncoder().encode(text).length;
  const armored = options.armor ? armorCard(text) : undefined;
  if (options.output) {
    writeNewFile(options.output, (armored ?? text) + "\n", {
      overwrite: options.force,
      existsHint: "pass --force to replace it",
    });
    if (!options.qr) {
      inv.out.result(
        { type: "card", file: options.output, bytes, card: JSON.parse(text), armor: armored },
        `wrote card (${bytes} bytes) to ${options.output}`,
      );
      return;
    }
  }
  if (options.qr) {
    const [{ renderQr }, { parseCard }, { encodeShortCard }] = await Promise.all([
      import("../cli/qr.ts"),
      import("../crypto/card.ts"),
      import("../crypto/card_short.ts"),
    ]);
    const short = encodeShortCard(parseCard(text).card.ed25519, text);
    const qr = await renderQr(short, "M");
    inv.out.note(
      "the QR code names this card by hash: whoever scans it fetches the card from this " +
        "node's onion, so keep `legion listen` running until they have imported it",
    );
    inv.out.result(
      { type: "card_qr", bytes, short, version: qr.version, modules: qr.modules, qr: qr.text },
      qr.text,
    );
    return;
  }
  inv.out.result({ type: "card", bytes, card: JSON.parse(text), armor: armored }, armored ?? text);
}

async function importCardCommand(
  inv: Invocation,
  file: string | undefined,
  options: ImportOptions,
): Promise<void> {
  // The short form may be the argument itself (scanned from a QR code): it is public.
  const input = file !== undefined && isShortCard(file) ? file : await readCard(inv, file);
  const contact = isShortCard(input)
    ? await importShortForm(inv, input.trim(), options)
    // An armored card is unwrapped here; the JSON inside is verified by the service as any card.
    : await inv.service("card.import", {
      text: dearmorCard(input),
      name: options.name,
      replace: options.replace,
    });
  const result = { status: contact.status };
  if (result.status === "replaced") {
    inv.out.warn(
      `THE KEYS OF CONTACT ${safe(JSON.stringify(contact.name))} HAVE CHANGED: the old ` +
        "session is gone and the safety number is new",
    );
    inv.out.warn(`compare the new safety number: legion contacts verify ${safe(contact.name)}`);
  }
  const verb = {
    added: "added",
    updated: "updated",
    unchanged: "unchanged",
    replaced: "replaced keys of",
  }[result.status];
  inv.out.result(
    {
      type: "contact",
      status: result.status,
      name: contact.name,
      onion: contact.onion,
      verified: contact.verified,
      expires: contact.cardExpires,
    },
    `${verb} contact ${safe(contact.name)} (${contact.onion})`,
  );
}

/** Fetches the card a short form names from the contact's onion, checks and imports it. */
async function importShortForm(
  inv: Invocation,
  short: string,
  options: ImportOptions,
): Promise<ContactSummary & { status: ImportStatus }> {
  const named = decodeShortCard(short); // a damaged short form is refused before tor starts
  inv.out.note(`fetching the card from ${named.onion}`);
  inv.stopOnSignals();
  const { importShortCardVia } = await import("../node/short_card_fetch.ts");
  return await importShortCardVia(
    inv,
    { short, name: options.name, replace: options.replace },
    options,
  );
}

async function readCard(inv: Invocation, file: string | undefined): Promise<string> {
  const text = await readInputText(inv.ctx, file, {
    limit: MAX_INPUT_BYTES,
    what: "card",
    ttyHint: "pass a card file, or pipe one in: legion card import - < card.txt",
  });
  if (text.trim() === "") throw new LegionError("no_input", "No card given: the input was empty");
  return text;
}
