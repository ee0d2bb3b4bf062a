/**
 * A scripted fake of tor's control port for unit tests: accepts one connection, hands each command
 * line to `script` (which may answer through `send`), and records every line received.
 */
export type Script = (line: string, send: (text: string) => Promise<void>) => Promise<void> | void;

/** A one-connection fake control port; records the commands it receives. */
export function fakeControlPort(script: Script) {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  const done = (async () => {
    const conn = await server.accept();
    const send = async (text: string) => void await conn.write(new TextEncoder().encode(text));
    let buffer = "";
    const chunk = new Uint8Array(4096);
    try {
      while (true) {
        const n = await conn.read(chunk);
        if (n === null) break;
        buffer += new TextDecoder().decode(chunk.subarray(0, n));
        let end;
        while ((end = buffer.indexOf("\r\n")) !== -1) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          received.push(line);
          await script(line, send);
        }
      }
    } catch {
      // client went away
    } finally {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  })();
  return {
    address: { host: "127.0.0.1", port: (server.addr as Deno.NetAddr).port },
    received,
    async close() {
      server.close();
      await done;
    },
  };
}
