/**
 * `legion contacts list | show | rename | remove | verify`: the local address book. Names are
 * local and sealed at rest; `verify` prints the safety number to compare out of band. Names are
 * printed through cli/terminal_text.ts: one stored before names were restricted to printable
 * characters shows its control, bidi or invisible characters escaped.
 */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { formatSafetyNumber } from "../crypto/safety_number_format.ts";
import { terminalLine as safe } from "../cli/terminal_text.ts";

export function registerContacts(program: Command, run: ActionRunner): void {
  const contacts = program.command("contacts").description("list, show, rename, remove, verify");
  contacts.command("list")
    .description("list contacts (with --json: one object per contact, with verified state)")
    .action(run(list));
  contacts.command("show")
    .description("show a contact's onion address, keys, card validity and safety number")
    .argument("<name>")
    .action(run(show));
  contacts.command("rename")
    .description("rename a contact")
    .argument("<old>")
    .argument("<new>")
    .action(run(rename));
  contacts.command("remove")
    .description("remove a contact with its session, messages, queued items and seen ids")
    .argument("<name>")
    .action(run(remove));
  contacts.command("verify")
    .description("print the safety number; compare it with the contact over another channel")
    .argument("<name>")
    .option("--mark-verified", "record that you compared the safety number and it matched")
    .action(run(verify));
}

async function list(inv: Invocation): Promise<void> {
  const all = await inv.service("contacts.list", {});
  if (all.length === 0 && !inv.out.json) {
    inv.out.note("no contacts yet: import a card with `legion card import FILE`");
    return;
  }
  const width = Math.max(...all.map((c) => safe(c.name).length));
  for (const contact of all) {
    inv.out.result(
      { type: "contact", ...contact },
      `${safe(contact.name).padEnd(width)}  ${contact.onion}  ${
        contact.verified ? "verified" : "unverified"
      }`,
    );
  }
}

async function show(inv: Invocation, name: string): Promise<void> {
  const contact = await inv.service("contacts.show", { name });
  inv.out.result(
    { type: "contact", ...contact },
    [
      `name:          ${safe(contact.name)}`,
      `onion:         ${contact.onion}`,
      `ed25519:       ${contact.ed25519}`,
      `verified:      ${contact.verified ? "yes" : "no"}`,
      `added:         ${contact.addedAt}`,
      `card expires:  ${contact.cardExpires}`,
      ...(contact.keyChangedAt === undefined ? [] : [`keys changed:  ${contact.keyChangedAt}`]),
      `safety number: ${formatSafetyNumber(contact.safetyNumber)}`,
    ],
  );
}

async function rename(inv: Invocation, oldName: string, newName: string): Promise<void> {
  const contact = await inv.service("contacts.rename", {
    from: oldName,
    to: newName,
  });
  inv.out.result(
    { type: "contact_renamed", from: oldName, name: contact.name },
    `renamed ${safe(oldName)} to ${safe(contact.name)}`,
  );
}

async function remove(inv: Invocation, name: string): Promise<void> {
  const contact = await inv.service("contacts.remove", { name });
  inv.out.result({ type: "contact_removed", name: contact.name }, `removed ${safe(contact.name)}`);
}

async function verify(
  inv: Invocation,
  name: string,
  options: { markVerified?: boolean },
): Promise<void> {
  const contact = await inv.service("contacts.verify", {
    name,
    mark: options.markVerified ?? false,
  });
  const safety = contact.safetyNumber;
  const groups = formatSafetyNumber(safety).split(" ");
  inv.out.result(
    { type: "safety_number", name: contact.name, safetyNumber: safety, verified: contact.verified },
    [
      `safety number with ${safe(contact.name)}:`,
      `  ${groups.slice(0, 4).join(" ")}`,
      `  ${groups.slice(4, 8).join(" ")}`,
      `  ${groups.slice(8, 12).join(" ")}`,
      contact.verified
        ? "verified"
        : "not verified: compare with them in person or by call, then --mark-verified",
    ],
  );
}
