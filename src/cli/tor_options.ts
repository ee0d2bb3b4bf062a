/**
 * The tor options every command that brings tor up accepts (`listen`, `queue run`, `send --wait`
 * with no node running), parsed into node/tor_setup.ts's `TorOptions`. Kept apart from
 * tor_setup.ts so registering them loads no transport code.
 */
import { type Command, Option } from "commander";
import { parseDurationOption } from "./number_option.ts";
export type { TorOptions } from "../node/tor_setup.ts";

export function addTorOptions(command: Command): Command {
  return command
    .option("--tor-bin <path>", "tor executable to start (default: tor on PATH)")
    .addOption(
      new Option(
        "--tor-control <addr>",
        "attach to a running tor's ControlPort: unix:PATH (preferred) or a loopback HOST:PORT",
      ).env("LEGION_TOR_CONTROL"),
    )
    .addOption(
      new Option("--tor-cookie <file>", "with --tor-control: its control cookie (for SAFECOOKIE)")
        .env("LEGION_TOR_COOKIE"),
    )
    .addOption(
      new Option("--tor-socks <addr>", "with --tor-control: its SocksPort (default: asked)")
        .env("LEGION_TOR_SOCKS"),
    )
    .addOption(
      new Option("--torrc-extra <file>", "append these torrc lines to the tor Legion starts")
        .env("LEGION_TORRC_EXTRA"),
    )
    .addOption(
      new Option(
        "--tor-timeout <duration>",
        "give up when tor has not bootstrapped by then (e.g. 90s, 3m; a bare number is seconds)",
      ).default(180, "3m").argParser((value) =>
        parseDurationOption(value, { option: "--tor-timeout", bare: "s" }) / 1000
      ),
    );
}
