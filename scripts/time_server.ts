#!/usr/bin/env -S deno run -N --unstable-net
/**
 * RFC 868 time server: answers any datagram with the time as 4 bytes,
 * big-endian seconds since 1900-01-01T00:00:00Z.
 *
 * Ports the "yesterday time" server of a Jupyter notebook on UDP servers.
 * The original always answered with the time one day ago; here that is
 * `--yesterday`, and the default is the real time, as RFC 868 intends.
 *
 * Run:   deno run -N --unstable-net scripts/time_server.ts [--port 12345]
 * Talk:  deno run -N --unstable-net scripts/time_client.ts   (or: rdate -p -u -o 12345 127.0.0.1)
 *
 * @module
 */
import { green } from "jsr:@std/fmt@^1/colors";
import { fail, onStopSignal, parseCommand, parsePort } from "../lib/cli.ts";
import { BUDGET_FLAG, safeToAnswer, setBudget } from "../lib/guards.ts";
import { log, warn } from "../lib/log.ts";
import { bindError, formatAddress } from "../lib/net.ts";
import { encodeTime } from "../lib/time.ts";

// #region flags
const flags = parseCommand({
  name: "time_server",
  summary:
    "RFC 868 time server: answers any datagram with the time in 4 bytes.",
  string: ["host", "port", "budget"],
  boolean: ["yesterday"],
  default: { host: "127.0.0.1", port: "12345", budget: BUDGET_FLAG.default },
  help: {
    "--host TEXT": "address to listen on (0.0.0.0 or :: exposes it)",
    "--port N": "UDP port, 0 for any free one",
    "--budget N": BUDGET_FLAG.help,
    "--yesterday": "answer with the time one day ago, as the original did",
  },
  notes: [
    "Ask it: deno run -N scripts/time_client.ts, " +
    "or rdate -p -u -o 12345 127.0.0.1",
  ],
});
const port = parsePort(flags.port);
setBudget(flags.budget);
// The original's answer was a day behind; here only when you ask for it.
const offsetMs = flags.yesterday ? 24 * 60 * 60 * 1000 : 0;
// #endregion flags

// #region listen
// One call creates the UDP socket and binds it. 127.0.0.1 keeps the server on
// this machine (the original bound every interface); --host 0.0.0.0 (or ::)
// is your explicit choice to expose it. No SO_REUSEADDR: a port already in
// use is reported, not shared.
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
log(green(`time server listening on ${formatAddress(conn.addr)}`));
// #endregion listen

// #region loop
// One buffer for every datagram, larger than any UDP payload. What the
// request holds does not matter (RFC 868 asks for an empty one): only who
// sent it.
const buffer = new Uint8Array(65_536);
const replyBytes = new Uint8Array(4);
while (true) {
  let data: Uint8Array, from: Deno.Addr;
  try {
    [data, from] = await conn.receive(buffer);
  } catch (error) {
    if (stopping) break; // the socket was closed on purpose
    warn(`receive failed: ${error}`); // a passing error: keep serving
    continue;
  }
  // The reply is 4 bytes: seconds since 1900, big-endian, modulo 2^32 so it
  // still fits after 2036 (encodeTime in lib/time.ts), written into the same
  // 4-byte array each time.
  const reply = encodeTime(new Date(Date.now() - offsetMs), replyBytes);
  // Stay silent where an answer could start a loop or a flood (lib/guards.ts):
  // a refused request gets no log line, only a count on stderr.
  if (!safeToAnswer(conn.addr, from, data, reply)) continue;
  log`Time requested by ${from}`;
  // A failed send is reported, and the server goes on.
  try {
    await conn.send(reply, from);
  } catch (error) {
    warn(`send to ${formatAddress(from)} failed: ${error}`);
  }
}
// #endregion loop
