/** Message ids (payload.ts, delivery.ts, control.ts) are 16 random bytes. */
export const ID_BYTES = 16;
