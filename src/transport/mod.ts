/** The transport: tor (spawned or attached), onion service, SOCKS dialing, framed streams. */
export * from "./address.ts";
export * from "./byte_channel.ts";
export * from "./control_client.ts";
export * from "./control_error.ts";
export * from "./control_reply.ts";
export * from "./framed_stream.ts";
export * from "./memory_transport.ts";
export * from "./onion_service.ts";
export * from "./session.ts";
export * from "./socks_dialer.ts";
export * from "./stream_error.ts";
export * from "./tor_process.ts";
export * from "./tor_transport.ts";
export * from "./transport.ts";
