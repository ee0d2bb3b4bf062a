/**
 * Stand-in for npm:web-worker@1.2.0, linked through deno.json "links".
 *
 * ffjavascript (under snarkjs) starts its threads with `new Worker(source)`. The npm polyfill
 * wraps node:worker_threads and breaks under Deno ("Cannot set property currentTarget of
 * #<Event>"). Deno and Bun both ship a standard Worker; module workers are the only kind Deno
 * accepts, and ffjavascript's thread source is valid as a module.
 */
export default function RuntimeWorker(url, options) {
  return new globalThis.Worker(url, { ...options, type: "module" });
}
