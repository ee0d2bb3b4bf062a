/** Wire formats of the transport layer: frames, padding and the hello. Pure functions over bytes. */
export * from "./frame.ts";
export * from "./frame_error.ts";
export * from "./padding.ts";
export * from "./hello.ts";
export * from "./known_peers.ts";
export * from "./replay_cache.ts";
export * from "./hello_error.ts";
export * from "./timestamp.ts";
