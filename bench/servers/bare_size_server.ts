/**
 * The floor of Deno's socket API for the size server, as a measurement
 * target: one reused receive buffer, the reply `Your data was N bytes`
 * encoded anew, one `send` per datagram, no log, no checks.
 *
 * Usage: deno run -N bench/servers/bare_size_server.ts [PORT]
 *
 * @module
 */
import { listenBare } from "./_bare.ts";

const conn = listenBare("bare size server");
const encoder = new TextEncoder();
const buffer = new Uint8Array(65_536);
while (true) {
  const [data, from] = await conn.receive(buffer);
  await conn.send(encoder.encode(`Your data was ${data.length} bytes`), from);
}
