/** Every command group, in the order `legion --help` lists them. */
import type { CommandRegistrar } from "../cli/program.ts";
import { registerAuth } from "./auth.ts";
import { registerBurn } from "./burn.ts";
import { registerCard } from "./card.ts";
import { registerCompletions } from "./completions.ts";
import { registerContacts } from "./contacts.ts";
import { registerDoctor } from "./doctor.ts";
import { registerGroup } from "./group.ts";
import { registerInbox } from "./inbox.ts";
import { registerInit } from "./init.ts";
import { registerListen } from "./listen.ts";
import { registerMailbox } from "./mailbox.ts";
import { registerPanic } from "./panic.ts";
import { registerQueue } from "./queue.ts";
import { registerRelay } from "./relay.ts";
import { registerSave } from "./save.ts";
import { registerSend } from "./send.ts";
import { registerWhoami } from "./whoami.ts";

export const COMMANDS: readonly CommandRegistrar[] = [
  registerInit,
  registerWhoami,
  registerCard,
  registerContacts,
  registerSend,
  registerInbox,
  registerGroup,
  registerSave,
  registerListen,
  registerQueue,
  registerBurn,
  registerAuth,
  registerRelay,
  registerMailbox,
  registerPanic,
  registerDoctor,
  registerCompletions,
];
