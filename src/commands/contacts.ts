/**
 * `legion contacts list | show | rename | remove | verify`: the local address book. Names are
 * local and sealed at rest; `verify` prints the safety number to compare out of band.
 */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { openSignal } from "./card.ts";
import { toHex } from "../crypto/hex.ts";
import type { Contact } from "../store/contacts.ts";

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
    .description("remove a contact and its session")
    .argument("<name>")
    .action(run(remove));
  contacts.command("verify")
    .description("print the safety number; compare it with the contact over another channel")
    .argument("<name>")
    .option("--mark-verified", "record that you compared the safety number and it matched")
    .action(run(verify));
}

function summary(contact: Contact): Record<string, unknown> {
  return {
    name: contact.name,
    onion: contact.onion,
    ed25519: toHex(contact.ed25519),
    verified: contact.verified,
    addedAt: new Date(contact.addedAt).toISOString(),
    cardExpires: new Date(contact.card.expires).toISOString(),
    ...(contact.keyChangedAt === undefined
      ? {}
      : { keyChangedAt: new Date(contact.keyChangedAt).toISOString() }),
  };
}

async function list(inv: Invocation): Promise<void> {
  const signal = await openSignal(inv);
  const all = signal.contacts.list();
  if (all.length === 0 && !inv.out.json) {
    inv.out.note("no contacts yet: import a card with `legion card import FILE`");
    return;
  }
  const width = Math.max(...all.map((c) => c.name.length));
  for (const contact of all) {
    inv.out.result(
      { type: "contact", ...summary(contact) },
      `${contact.name.padEnd(width)}  ${contact.onion}  ${
        contact.verified ? "verified" : "unverified"
      }`,
    );
  }
}

async function show(inv: Invocation, name: string): Promise<void> {
  const signal = await openSignal(inv);
  const contact = signal.contact(name);
  const { formatSafetyNumber } = await import("../crypto/safety_number.ts");
  const safety = signal.safetyNumber(contact);
  inv.out.result(
    { type: "contact", ...summary(contact), safetyNumber: safety },
    [
      `name:          ${contact.name}`,
      `onion:         ${contact.onion}`,
      `ed25519:       ${toHex(contact.ed25519)}`,
      `verified:      ${contact.verified ? "yes" : "no"}`,
      `added:         ${new Date(contact.addedAt).toISOString()}`,
      `card expires:  ${new Date(contact.card.expires).toISOString()}`,
      ...(contact.keyChangedAt === undefined
        ? []
        : [`keys changed:  ${new Date(contact.keyChangedAt).toISOString()}`]),
      `safety number: ${formatSafetyNumber(safety)}`,
    ],
  );
}

async function rename(inv: Invocation, oldName: string, newName: string): Promise<void> {
  const signal = await openSignal(inv);
  const { renameContact } = await import("../store/contacts_import.ts");
  const contact = renameContact(signal, oldName, newName);
  inv.out.result(
    { type: "contact_renamed", from: oldName, name: contact.name },
    `renamed ${oldName} to ${contact.name}`,
  );
}

async function remove(inv: Invocation, name: string): Promise<void> {
  const signal = await openSignal(inv);
  const contact = signal.contact(name);
  signal.removeContact(contact);
  inv.out.result({ type: "contact_removed", name: contact.name }, `removed ${contact.name}`);
}

async function verify(
  inv: Invocation,
  name: string,
  options: { markVerified?: boolean },
): Promise<void> {
  const signal = await openSignal(inv);
  let contact = signal.contact(name);
  const { formatSafetyNumber } = await import("../crypto/safety_number.ts");
  const safety = signal.safetyNumber(contact);
  if (options.markVerified) {
    const { markVerified } = await import("../store/contacts_import.ts");
    contact = markVerified(signal, contact, true);
  }
  const groups = formatSafetyNumber(safety).split(" ");
  inv.out.result(
    { type: "safety_number", name: contact.name, safetyNumber: safety, verified: contact.verified },
    [
      `safety number with ${contact.name}:`,
      `  ${groups.slice(0, 4).join(" ")}`,
      `  ${groups.slice(4, 8).join(" ")}`,
      `  ${groups.slice(8, 12).join(" ")}`,
      contact.verified
        ? "verified"
        : "not verified: compare with them in person or by call, then --mark-verified",
    ],
  );
}
