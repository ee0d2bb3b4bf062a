/**
 * `legion mailbox open RELAY_CARD_FILE|- | list | close ID | id`: this user's mailboxes at relays
 * (docs/relay.md, "Client"). Contacts learn a mailbox from the next card exported after `open`.
 */
import type { Command } from "commander";
import type { ActionRunner } from "../cli/program.ts";
import type { Invocation } from "../cli/invocation.ts";
import { addTorOptions, type TorOptions } from "../cli/tor_options.ts";
import { readInputText } from "../cli/read_input.ts";
import { countOption } from "../cli/number_option.ts";
import type { MailboxInfo } from "../node/service_map.ts";
import { LegionError } from "../errors.ts";

export function registerMailbox(program: Command, run: ActionRunner): void {
  const mailbox = program.command("mailbox")
    .description("mailboxes at relays, where contacts deposit while you are offline");
  addTorOptions(
    mailbox.command("open")
      .description("open a mailbox at a relay (over tor); re-export your card afterwards")
      .argument("<relay-card>", "the relay's card file (`legion relay card`), - for stdin"),
  ).action(run(open));
  mailbox.command("list").description("show your mailboxes").action(run(list));
  addTorOptions(
    mailbox.command("close")
      .description("delete a mailbox at its relay (with what it holds) and forget it")
      .argument("<id>", "the mailbox's number (`mailbox list`)", countOption("id")),
  ).action(run(close));
  mailbox.command("id")
    .description(
      "print your ZK commitment for relays: give it to a relay's operator to be admitted",
    )
    .action(run(id));
}

function line(m: MailboxInfo): string {
  return `${m.id}  ${m.relay}  deposit ${m.depositId}  k=${m.slotsPerEpoch}/${m.epochSeconds}s  ` +
    `opened ${m.createdAt}`;
}

async function open(inv: Invocation, file: string, options: TorOptions): Promise<void> {
  const card = await readInputText(inv.ctx, file, { limit: 16 * 1024, what: "relay card" });
  const [{ mailboxCall }, { parseRelayCard }, { sodium }] = await Promise.all([
    import("../node/mailbox_call.ts"),
    import("../relay/relay_card.ts"),
    import("../crypto/sodium.ts"),
  ]);
  // A bad card is refused before tor starts (65).
  parseRelayCard(await sodium(), card.trim());
  inv.stopOnSignals();
  const result = await mailboxCall(inv, "mailbox.open", { card }, options);
  inv.out.result({ type: "mailbox", ...result }, line(result));
  inv.out.note("export your card again (`legion card export`) and give it to your contacts");
}

async function list(inv: Invocation): Promise<void> {
  const items = await inv.service("mailbox.list", {});
  for (const m of items) inv.out.result({ type: "mailbox", ...m }, line(m));
  if (items.length === 0 && !inv.out.json) inv.out.note("no mailboxes (see `legion mailbox open`)");
}

async function close(inv: Invocation, id: number, options: TorOptions): Promise<void> {
  const { mailboxCall } = await import("../node/mailbox_call.ts");
  // An unknown id is refused before tor starts (66).
  if (!(await inv.service("mailbox.list", {})).some((m) => m.id === id)) {
    throw new LegionError("no_input", `No mailbox ${id}`, { hint: "see `legion mailbox list`" });
  }
  inv.stopOnSignals();
  const result = await mailboxCall(inv, "mailbox.close", { id }, options);
  inv.out.result({ type: "mailbox_closed", ...result }, `closed mailbox ${result.id}`);
  inv.out.note("export your card again so contacts stop depositing there");
}

async function id(inv: Invocation): Promise<void> {
  const { commitment } = await inv.service("mailbox.id", {});
  inv.out.result({ type: "zk_identity", commitment }, commitment);
}
