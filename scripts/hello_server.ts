#!/usr/bin/env -S deno run -N --unstable-net
/**
 * "Hello, name" server: answers a datagram holding a name with
 * `Hello, NAME!`.
 *
 * Ports the UDP server of the "UDP编程" chapter of Liao Xuefeng's Python
 * tutorial.
 *
 * Run:   deno run -N scripts/hello_server.ts [--host 127.0.0.1] [--port 9999]
 * Talk:  deno run -N scripts/hello_client.ts   (or: echo -n Ada | nc -u -w1 127.0.0.1 9999)
 *
 * @module
 */
import { green } from "jsr:@std/fmt@^1/colors";
import { runCommand } from "../lib/flags.ts";
import { printLine } from "../lib/output.ts";
import {
  closeOnSignal,
  formatAddress,
  listen,
  receiveEach,
  reply,
} from "../lib/udp.ts";

const COMMAND = {
  name: "hello_server",
  summary: 'UDP "Hello, name" server: answers each name with "Hello, NAME!".',
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "address to listen on (0.0.0.0 or :: exposes it)",
    },
    port: { kind: "port", default: 9999, help: "UDP port, 0 for any free one" },
  },
  notes: ["Talk to it: deno run -N scripts/hello_client.ts"],
} as const;

const encoder = new TextEncoder();
const HELLO = encoder.encode("Hello, ");
const BANG = encoder.encode("!");

// #region greet
/** Builds `Hello, NAME!` around the name's bytes, without decoding them. */
export function greeting(name: Uint8Array): Uint8Array {
  const out = new Uint8Array(HELLO.length + name.length + BANG.length);
  out.set(HELLO);
  out.set(name, HELLO.length);
  out.set(BANG, HELLO.length + name.length);
  return out;
}
// #endregion greet

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region loop
    const conn = listen(flags.host, flags.port);
    closeOnSignal(conn);
    printLine(green(`hello server listening on ${formatAddress(conn.addr)}`));
    for await (const [name, addr] of receiveEach(conn)) {
      printLine(`Received from ${formatAddress(addr)}.`);
      await reply(conn, greeting(name), addr, name);
    }
    // #endregion loop
  });
}
