/** Every command group, in the order `legion --help` lists them. */
import type { CommandRegistrar } from "../cli/program.ts";
import { registerInit } from "./init.ts";
import { registerListen } from "./listen.ts";
import { registerWhoami } from "./whoami.ts";

export const COMMANDS: readonly CommandRegistrar[] = [
  registerInit,
  registerWhoami,
  registerListen,
];
