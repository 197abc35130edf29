#!/usr/bin/env -S deno run -N --unstable-net
/**
 * RFC 868 time client: asks a time server for the time and prints it.
 *
 * Ports the client of a Jupyter notebook on UDP servers. It sends one empty
 * datagram (as RFC 868 asks; `--message` sends text instead), waits for a
 * 4-byte reply from the server, and prints the date as Python's
 * `time.ctime()` does. Unlike the original it gives up after `--timeout`
 * seconds, skips a reply that is not a time instead of stopping at it, and
 * reads dates after the 2036 wrap of the 32-bit count correctly.
 *
 * Run:   deno run -N --unstable-net scripts/time_client.ts [--port 12345] [--utc | --iso]
 * Talks to: scripts/time_server.ts (or any RFC 868 server over UDP)
 *
 * @module
 */
import {
  fail,
  parseCommand,
  parseNumber,
  parsePort,
  reportIgnored,
  usage,
} from "../lib/cli.ts";
import {
  clientAddressFor,
  formatAddress,
  isFrom,
  resolveServer,
} from "../lib/net.ts";
import { ctime, decodeTime } from "../lib/time.ts";

// #region flags
const flags = parseCommand({
  name: "time_client",
  summary:
    "RFC 868 time client: asks a time server for the time and prints it.",
  string: ["host", "port", "timeout", "message"],
  boolean: ["utc", "iso"],
  default: { host: "127.0.0.1", port: "12345", timeout: "5", message: "" },
  help: {
    "--host TEXT": "the server's address or name",
    "--port N": "the server's UDP port",
    "--timeout SECONDS": "how long to wait for the reply",
    "--message TEXT": "text to send (RFC 868 asks for an empty datagram)",
    "--utc": "print the date in UTC rather than local time",
    "--iso": "print the date as ISO 8601 (UTC)",
  },
  notes: ["Start the server first: deno run -N scripts/time_server.ts"],
});
const port = parsePort(flags.port, "port", 1);
const timeoutMs =
  parseNumber(flags.timeout, "timeout", { above: 0, max: 86_400 }) * 1000;
if (flags.host === "") usage("--host must not be empty");
if (flags.utc && flags.iso) usage("--utc and --iso cannot be given together");
// The request: empty unless --message says otherwise, in one datagram.
const message = new TextEncoder().encode(flags.message);
if (message.length > 65_507) {
  usage(
    `a message of ${message.length} bytes does not fit in one datagram ` +
      "(65,507 at most)",
  );
}
// #endregion flags

// #region socket
// Resolve the name once: replies are accepted only from this address and port
// (what the original got from connect()).
const server = await resolveServer(flags.host, port).catch((error) =>
  fail(error.message)
);
// A client socket is the same call as a server's, on port 0: the system picks
// a free port. It must be of the server's family (IPv4 or IPv6).
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: clientAddressFor(server),
  port: 0,
});
// #endregion socket

// #region wait
// Deno has no socket timeout: race receive() against a timer. The receive()
// that loses is not cancelled and still takes the next datagram, so keep it
// and reuse it on the next wait; a second receive() would starve it.
let pending: Promise<[Uint8Array, Deno.Addr]> | undefined;
async function receiveBefore(deadline: number) {
  pending ??= conn.receive();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(
      () => resolve(undefined),
      Math.max(0, deadline - Date.now()), // a deadline passed waits for 0 ms
    );
  });
  const received = await Promise.race([pending, timeout]);
  clearTimeout(timer);
  if (received) pending = undefined; // used: the next wait starts a new one
  return received;
}
// #endregion wait

// #region hexdump
/** Shows bytes as hex pairs, for a reply that is not a time. */
function hexDump(bytes: Uint8Array, max = 64): string {
  const shown = [...bytes.subarray(0, max)]
    .map((b) => b.toString(16).padStart(2, "0"));
  return shown.join(" ") + (bytes.length > max ? " …" : "");
}
// #endregion hexdump

// #region ask
await conn.send(message, server);
// Wait for a time: exactly 4 bytes, from the server. Anything else is
// reported (as hex: it is not text) and skipped, and the wait goes on until
// the deadline.
const deadline = Date.now() + timeoutMs;
let time: Uint8Array | undefined;
let lastJunk: Uint8Array | undefined;
while (!time) {
  const received = await receiveBefore(deadline);
  if (!received && lastJunk) {
    fail(
      `no 4-byte time within ${
        timeoutMs / 1000
      } s; the last reply was ${lastJunk.length} bytes: ${hexDump(lastJunk)}`,
    );
  }
  if (!received) {
    fail(
      `no reply from ${formatAddress(server)} within ${
        timeoutMs / 1000
      } s; is time_server running there? (--timeout to wait longer)`,
    );
  }
  const [data, from] = received;
  if (!isFrom(from, server)) {
    reportIgnored(
      `${data.length} bytes from ${formatAddress(from)}: not the server`,
    );
  } else if (data.length !== 4) {
    reportIgnored(
      `a reply of ${data.length} bytes, not a 4-byte time: ${hexDump(data)}`,
    );
    lastJunk = data;
  } else {
    time = data;
  }
}
conn.close();
// decodeTime (lib/time.ts) reads the count past the 2036 wrap; ctime prints
// it as Python's time.ctime() does, in local time unless --utc.
const date = decodeTime(time);
if (flags.iso) console.log(date.toISOString());
else console.log(ctime(date, { utc: flags.utc }));
// #endregion ask
