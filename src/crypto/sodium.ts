/**
 * libsodium, loaded once and on first use (parsing it costs ≈50 ms, which commands served by a
 * running node never need to pay). Every module that needs it awaits `sodium()`.
 */
import type sodiumModule from "libsodium-wrappers-sumo";

export type Sodium = typeof sodiumModule;

let ready: Promise<Sodium> | undefined;

export function sodium(): Promise<Sodium> {
  ready ??= import("libsodium-wrappers-sumo").then(async ({ default: na }) => {
    await na.ready;
    return na;
  });
  return ready;
}
