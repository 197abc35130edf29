/**
 * The floor of Deno's socket API for the RFC 868 time server, as a
 * measurement target: one reused receive buffer, the time in 4 new bytes,
 * one `send` per datagram, no log, no checks.
 *
 * Usage: deno run -N bench/servers/bare_time_server.ts [PORT]
 *
 * @module
 */
import { listenBare } from "./_bare.ts";

/** Seconds from 1900 (RFC 868's epoch) to 1970 (the Unix epoch). */
const SECONDS_1900_TO_1970 = 2_208_988_800;

const conn = listenBare("bare time server");
const buffer = new Uint8Array(65_536);
while (true) {
  const [, from] = await conn.receive(buffer);
  const reply = new Uint8Array(4);
  const seconds = Math.floor(Date.now() / 1000) + SECONDS_1900_TO_1970;
  new DataView(reply.buffer).setUint32(0, seconds % 2 ** 32);
  await conn.send(reply, from);
}
