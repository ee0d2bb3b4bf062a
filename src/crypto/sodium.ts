/** libsodium, loaded once. Every module that needs it awaits `sodium()`. */
import sodiumModule from "libsodium-wrappers-sumo";

export type Sodium = typeof sodiumModule;

let ready: Promise<Sodium> | undefined;

export function sodium(): Promise<Sodium> {
  ready ??= sodiumModule.ready.then(() => sodiumModule);
  return ready;
}
