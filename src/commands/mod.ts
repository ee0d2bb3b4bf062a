/** Every command group, in the order `legion --help` lists them. */
import type { CommandRegistrar } from "../cli/program.ts";
import { registerAuth } from "./auth.ts";
import { registerCard } from "./card.ts";
import { registerContacts } from "./contacts.ts";
import { registerInit } from "./init.ts";
import { registerListen } from "./listen.ts";
import { registerPanic } from "./panic.ts";
import { registerWhoami } from "./whoami.ts";

export const COMMANDS: readonly CommandRegistrar[] = [
  registerInit,
  registerWhoami,
  registerCard,
  registerContacts,
  registerListen,
  registerAuth,
  registerPanic,
];
