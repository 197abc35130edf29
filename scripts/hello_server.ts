#!/usr/bin/env -S deno run -N --unstable-net
/**
 * "Hello, name" server: answers a datagram holding a name with
 * `Hello, NAME!`.
 *
 * Ports the UDP server of the "UDP编程" chapter of Liao Xuefeng's Python
 * tutorial.
 *
 * Run:   deno run -N --unstable-net scripts/hello_server.ts [--port 9999]
 * Talk:  deno run -N --unstable-net scripts/hello_client.ts   (or: printf Ada | nc -u -w1 127.0.0.1 9999)
 *
 * @module
 */
import { green } from "jsr:@std/fmt@^1/colors";
import { fail, onStopSignal, parseCommand, parsePort } from "../lib/cli.ts";
import { BUDGET_FLAG, safeToAnswer, setBudget } from "../lib/guards.ts";
import { log, warn } from "../lib/log.ts";
import { bindError, formatAddress } from "../lib/net.ts";

// #region flags
const flags = parseCommand({
  name: "hello_server",
  summary: 'UDP "Hello, name" server: answers each name with "Hello, NAME!".',
  string: ["host", "port", "budget"],
  default: { host: "127.0.0.1", port: "9999", budget: BUDGET_FLAG.default },
  help: {
    "--host TEXT": "address to listen on (0.0.0.0 or :: exposes it)",
    "--port N": "UDP port, 0 for any free one",
    "--budget N": BUDGET_FLAG.help,
  },
  notes: ["Talk to it: deno run -N scripts/hello_client.ts"],
});
const port = parsePort(flags.port);
setBudget(flags.budget);
// #endregion flags

// #region listen
// A UDP server needs no listen() and no accept(): one call creates the socket
// and binds it, and it can receive from anyone at once. 127.0.0.1 keeps it on
// this machine; --host 0.0.0.0 (or ::) is your explicit choice to expose it.
let conn: Deno.DatagramConn;
try {
  conn = Deno.listenDatagram({ transport: "udp", hostname: flags.host, port });
} catch (error) {
  fail(bindError(error, flags.host, port));
}
// Ctrl-C (or SIGTERM) closes the socket, which ends the loop below.
let stopping = false;
onStopSignal(() => {
  stopping = true;
  conn.close();
});
// Name the real port: with --port 0 the system picked it.
log(green(`hello server listening on ${formatAddress(conn.addr)}`));
// #endregion listen

// #region loop
// One buffer for every datagram: "Hello, " written once at its start, then
// room for the largest UDP payload (no name is cut) and the "!". Each name
// is received right after "Hello, ", so the reply is a view of the buffer:
// nothing is copied or allocated per datagram.
const hello = new TextEncoder().encode("Hello, ");
const buffer = new Uint8Array(hello.length + 65_536 + 1);
buffer.set(hello);
const nameSpace = buffer.subarray(hello.length, hello.length + 65_536);
while (true) {
  let name: Uint8Array, from: Deno.Addr;
  try {
    [name, from] = await conn.receive(nameSpace);
  } catch (error) {
    if (stopping) break; // the socket was closed on purpose
    warn(`receive failed: ${error}`); // a passing error: keep serving
    continue;
  }
  // The greeting is built around the name's bytes, never decoded: a name in
  // any encoding comes back exactly as it was sent.
  buffer[hello.length + name.length] = 0x21; // "!"
  const reply = buffer.subarray(0, hello.length + name.length + 1);
  // Stay silent where an answer could start a loop or a flood (lib/guards.ts):
  // a refused request gets no log line, only a count on stderr.
  if (!safeToAnswer(conn.addr, from, name, reply)) continue;
  // Log, as the original does: who asked, not what they sent.
  log`Received from ${from}.`;
  // A failed send is reported, and the server goes on.
  try {
    await conn.send(reply, from);
  } catch (error) {
    warn(`send to ${formatAddress(from)} failed: ${error}`);
  }
}
// #endregion loop
