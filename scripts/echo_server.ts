#!/usr/bin/env -S deno run -N --unstable-net
/**
 * UDP echo server: answers every datagram with `OK...` and the same bytes.
 *
 * Ports the echo server of "Programming udp sockets in python" (binarytides),
 * and with `--prefix ""` the plain echo server of a Jupyter notebook on UDP
 * servers (RFC 862 echo: the payload back, unchanged).
 *
 * Run:   deno run -N --unstable-net scripts/echo_server.ts [--port 8888]
 * Talk:  deno run -N --unstable-net scripts/echo_client.ts   (or: nc -u 127.0.0.1 8888)
 *
 * @module
 */
import { green } from "jsr:@std/fmt@^1/colors";
import {
  fail,
  onStopSignal,
  parseCommand,
  parsePort,
  usage,
} from "../lib/cli.ts";
import { BUDGET_FLAG, safeToAnswer, setBudget } from "../lib/guards.ts";
import { log, warn } from "../lib/log.ts";
import { bindError, formatAddress } from "../lib/net.ts";

// #region flags
const flags = parseCommand({
  name: "echo_server",
  summary:
    'UDP echo server: answers every datagram with "OK..." and the same bytes.',
  string: ["host", "port", "prefix", "budget"],
  default: {
    host: "127.0.0.1",
    port: "8888",
    prefix: "OK...",
    budget: BUDGET_FLAG.default,
  },
  help: {
    "--host TEXT": "address to listen on (0.0.0.0 or :: exposes it)",
    "--port N": "UDP port, 0 for any free one",
    "--prefix TEXT":
      'text put before each reply, at most 32 bytes; "" for plain echo',
    "--budget N": BUDGET_FLAG.help,
  },
  notes: [
    "Talk to it: deno run -N scripts/echo_client.ts, or nc -u 127.0.0.1 8888",
  ],
});
const port = parsePort(flags.port);
setBudget(flags.budget);
// The reply is built from bytes: the prefix is encoded once, here.
const prefix = new TextEncoder().encode(flags.prefix);
if (prefix.length > 32) usage("--prefix may be at most 32 bytes");
// #endregion flags

// #region listen
// One call creates the UDP socket and binds it. 127.0.0.1 keeps the server on
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
log(green(`echo server listening on ${formatAddress(conn.addr)}`));
// #endregion listen

// #region loop
// One buffer for every datagram, larger than any UDP payload, so nothing is
// cut. The prefix is written once at its start and each payload is received
// right after it: the reply is then a view of the buffer, with nothing
// copied or allocated per datagram.
const buffer = new Uint8Array(prefix.length + 65_536);
buffer.set(prefix);
const payloadSpace = buffer.subarray(prefix.length);
while (true) {
  let data: Uint8Array, from: Deno.Addr;
  try {
    [data, from] = await conn.receive(payloadSpace);
  } catch (error) {
    if (stopping) break; // the socket was closed on purpose
    warn(`receive failed: ${error}`); // a passing error: keep serving
    continue;
  }
  // The reply is the prefix, then the payload byte for byte: never decoded,
  // so invalid UTF-8 comes back exactly as it was sent.
  const reply = buffer.subarray(0, prefix.length + data.length);
  // Stay silent where an answer could start a loop or a flood (lib/guards.ts):
  // a refused request gets no log line, only a count on stderr.
  if (!safeToAnswer(conn.addr, from, data, reply)) continue;
  // A failed send is reported, and the server goes on.
  try {
    await conn.send(reply, from);
  } catch (error) {
    warn(`send to ${formatAddress(from)} failed: ${error}`);
  }
  // The log shows the sender and the payload's bytes made safe to print:
  // log`…` builds the line straight into its buffer (lib/log.ts).
  log`Message[${from}] - ${data}`;
}
// #endregion loop
