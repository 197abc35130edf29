/**
 * The floor of Deno's socket API for the echo server, as a measurement
 * target: one reused receive buffer, a new reply array, one `send` per
 * datagram, no logging, no checks.
 *
 * Usage: deno run -N bench/servers/bare_echo_server.ts [PORT] [--console-log | --no-alloc]
 *
 * `--console-log` adds the echo server's log line, written with one
 * `console.log` per datagram, to show what unbuffered logging costs.
 * `--no-alloc` receives straight after a prefix written once, so that no
 * array of bytes is made per datagram: what is left is Deno's two
 * operations, `receive` and `send`.
 *
 * @module
 */
import { listenBare } from "./_bare.ts";

const conn = listenBare("bare echo server");
const prefix = new TextEncoder().encode("OK...");

if (Deno.args.includes("--no-alloc")) {
  const reply = new Uint8Array(prefix.length + 65_536);
  reply.set(prefix);
  const buffer = reply.subarray(prefix.length);
  while (true) {
    const [data, from] = await conn.receive(buffer);
    await conn.send(reply.subarray(0, prefix.length + data.length), from);
  }
}

const log = Deno.args.includes("--console-log");
const buffer = new Uint8Array(65_536);
const decoder = new TextDecoder();
while (true) {
  const [data, from] = await conn.receive(buffer);
  const reply = new Uint8Array(prefix.length + data.length);
  reply.set(prefix);
  reply.set(data, prefix.length);
  await conn.send(reply, from);
  if (log) {
    const { hostname, port } = from as Deno.NetAddr;
    const text = decoder.decode(data).trimEnd();
    console.log(`Message[${hostname}:${port}] - ${text}`);
  }
}
