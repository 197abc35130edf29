/**
 * The floor of Deno's socket API for the "Hello, name" server, as a
 * measurement target: one reused receive buffer, the reply `Hello, NAME!`
 * built from the name's bytes, one `send` per datagram, no log, no checks.
 *
 * Usage: deno run -N bench/servers/bare_hello_server.ts [PORT]
 *
 * @module
 */
import { listenBare } from "./_bare.ts";

const conn = listenBare("bare hello server");
const hello = new TextEncoder().encode("Hello, ");
const buffer = new Uint8Array(65_536);
while (true) {
  const [name, from] = await conn.receive(buffer);
  const reply = new Uint8Array(hello.length + name.length + 1);
  reply.set(hello);
  reply.set(name, hello.length);
  reply[reply.length - 1] = 0x21; // "!"
  await conn.send(reply, from);
}
