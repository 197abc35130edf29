#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Broadcast listener: prints every datagram that reaches its port, broadcasts
 * included. It never answers.
 *
 * Ports the broadcast server of a 2015 blog post on Python UDP sockets. It
 * binds 0.0.0.0 by default, because a socket bound to one address does not
 * hear broadcasts. Its port, 6666, is also size_server's default: run one of
 * the two at a time, or give one another `--port`.
 *
 * Run:   deno run -N --unstable-net scripts/broadcast_listener.ts [--host 0.0.0.0] [--port 6666]
 * Hears: scripts/broadcast_sender.ts
 *
 * @module
 */
import { green } from "jsr:@std/fmt@^1/colors";
import { fail, onStopSignal, parseCommand, parsePort } from "../lib/cli.ts";
import { log, warn } from "../lib/log.ts";
import { bindError, formatAddress } from "../lib/net.ts";

// #region flags
const flags = parseCommand({
  name: "broadcast_listener",
  summary:
    "UDP broadcast listener: prints every datagram it hears and never answers.",
  string: ["host", "port"],
  default: { host: "0.0.0.0", port: "6666" },
  help: {
    "--host TEXT": "address to listen on (0.0.0.0 hears broadcasts)",
    "--port N": "UDP port, 0 for any free one (size_server uses 6666 too)",
  },
  notes: [
    "Send to it: deno run -N scripts/broadcast_sender.ts --to 127.255.255.255",
  ],
});
const port = parsePort(flags.port);
// #endregion flags

// #region listen
// A broadcast is addressed to a whole network, not to one of this machine's
// addresses, and a socket bound to one address (127.0.0.1, 192.168.1.23)
// receives only what is sent to that address. So the listener binds 0.0.0.0,
// every IPv4 address: the one server here that does not default to loopback.
// It never answers, so it cannot be made to send anything to anyone.
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
log(green(`broadcast listener listening on ${formatAddress(conn.addr)}`));
// #endregion listen

// #region loop
// One buffer for every datagram, larger than any UDP payload: nothing is cut.
const buffer = new Uint8Array(65_536);
while (true) {
  let data: Uint8Array, from: Deno.Addr;
  try {
    [data, from] = await conn.receive(buffer);
  } catch (error) {
    if (stopping) break; // the socket was closed on purpose
    warn(`receive failed: ${error}`); // a passing error: keep listening
    continue;
  }
  // Anyone on the network can send anything: bytes are made safe before
  // they reach a terminal, and the log never makes the loop wait.
  log`The client at ${from} says: ${data}`;
}
// #endregion loop
